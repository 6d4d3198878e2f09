// Generates a large Kustomize monorepo for benchmarks: `apps` apps × `envs` overlays, one environment per
// app and env, committed on `main`; a branch then changes one app's base so exactly that app's environments
// are affected. Run directly to keep a copy around: `tsx bench/generate-monorepo.ts <dir> [apps]`.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mapLimit } from '../src/util/limit.ts';
import { makeGitRepo } from '../testkit/git-repo.ts';

export interface MonorepoOptions {
  /** Number of apps (default 200). */
  apps?: number;
  /** One overlay and one environment per env and app (default staging, production). */
  envs?: string[];
  /**
   * How environments are declared: `flux` = one Flux Kustomization per app and env under
   * `clusters/<env>/`; `bosun-config` = one `.bosun.yaml` listing them all. Default `flux`.
   */
  layout?: 'flux' | 'bosun-config';
}

export interface GeneratedMonorepo {
  dir: string;
  baseSha: string;
  headSha: string;
  /** Branch holding the head commit; `main` holds the base. */
  branch: string;
  /** Number of environment definitions (apps × envs). */
  environments: number;
  /** The one app whose base the head changes. */
  touchedApp: string;
  /** Repo-relative paths the head changes. */
  touchedPaths: string[];
}

export const monorepoBranch = 'bench/touch-one-app';

const appName = (i: number, width: number): string => `app-${String(i + 1).padStart(width, '0')}`;

function baseFiles(app: string, greeting: string): Record<string, string> {
  return {
    'kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
labels:
  - pairs:
      app.kubernetes.io/part-of: ${app}
    includeTemplates: true
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
`,
    'deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${app}
    spec:
      containers:
        - name: app
          image: ghcr.io/example-org/${app}:1.0.0
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
          envFrom:
            - configMapRef:
                name: ${app}-config
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
          resources:
            requests:
              cpu: 50m
              memory: 64Mi
            limits:
              memory: 128Mi
`,
    'service.yaml': `apiVersion: v1
kind: Service
metadata:
  name: ${app}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  selector:
    app.kubernetes.io/name: ${app}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
`,
    'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${app}-config
  labels:
    app.kubernetes.io/name: ${app}
data:
  GREETING: ${greeting}
  LOG_LEVEL: info
  TIMEOUT_SECONDS: "30"
`,
  };
}

function overlayFiles(app: string, env: string, envIndex: number): Record<string, string> {
  return {
    'kustomization.yaml': `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${app}
resources:
  - ../../base
images:
  - name: ghcr.io/example-org/${app}
    newTag: 1.0.${envIndex}
patches:
  - path: replicas.yaml
`,
    'replicas.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  annotations:
    example.org/environment: ${env}
spec:
  replicas: ${envIndex + 1}
`,
  };
}

function fluxKustomization(app: string, env: string): string {
  return `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${app}-${env}
  namespace: flux-system
spec:
  interval: 10m
  sourceRef:
    kind: GitRepository
    name: flux-system
  path: ./apps/${app}/overlays/${env}
  prune: true
`;
}

function bosunConfig(apps: string[], envs: string[]): string {
  const lines = ['version: 1', 'environments:'];
  for (const app of apps) {
    for (const env of envs) {
      lines.push(`  - name: ${app}-${env}`, `    path: apps/${app}/overlays/${env}`, `    cluster: ${env}`, `    namespace: ${app}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Writes the monorepo into `dir` (created if missing; must be empty), commits it on `main`, then commits a
 * change to one app's base ConfigMap on the branch `bench/touch-one-app`, which is left checked out.
 */
export async function generateMonorepo(dir: string, opts: MonorepoOptions = {}): Promise<GeneratedMonorepo> {
  const appCount = opts.apps ?? 200;
  const envs = opts.envs ?? ['staging', 'production'];
  const layout = opts.layout ?? 'flux';
  if (!Number.isInteger(appCount) || appCount < 1) throw new Error(`apps must be a positive integer, got ${appCount}`);
  if (envs.length === 0 || envs.some((e) => !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(e))) {
    throw new Error(`envs must be non-empty DNS labels, got ${JSON.stringify(envs)}`);
  }
  const root = resolve(dir);
  if ((await readdir(root).catch(() => [])).length > 0) throw new Error(`${root} is not empty; generateMonorepo needs a new or empty folder`);

  const width = Math.max(3, String(appCount).length);
  const apps = Array.from({ length: appCount }, (_, i) => appName(i, width));
  const files = new Map<string, string>();
  files.set('README.md', `# Benchmark monorepo\n\n${appCount} apps × ${envs.length} environments (${envs.join(', ')}), generated by bench/generate-monorepo.ts.\n`);
  for (const app of apps) {
    for (const [name, content] of Object.entries(baseFiles(app, `hello from ${app}`))) files.set(`apps/${app}/base/${name}`, content);
    envs.forEach((env, i) => {
      for (const [name, content] of Object.entries(overlayFiles(app, env, i))) files.set(`apps/${app}/overlays/${env}/${name}`, content);
      if (layout === 'flux') files.set(`clusters/${env}/${app}.yaml`, fluxKustomization(app, env));
    });
  }
  if (layout === 'bosun-config') files.set('.bosun.yaml', bosunConfig(apps, envs));

  const repo = await makeGitRepo(root);
  // Writing directly (not through the builder) keeps 2,000+ files to one mkdir per folder.
  const folders = [...new Set([...files.keys()].map((f) => dirname(join(root, f))))];
  await mapLimit(folders, 16, (folder) => mkdir(folder, { recursive: true }));
  await mapLimit([...files], 32, ([path, content]) => writeFile(join(root, path), content));
  const baseSha = await repo.commit(`Generate ${appCount} apps × ${envs.length} environments`);

  const touchedApp = apps[Math.min(41, apps.length - 1)];
  const touchedPath = `apps/${touchedApp}/base/configmap.yaml`;
  await repo.branch(monorepoBranch);
  await repo.checkout(monorepoBranch);
  await repo.write(touchedPath, baseFiles(touchedApp, `hello again from ${touchedApp}`)['configmap.yaml']);
  const headSha = await repo.commit(`${touchedApp}: new greeting`);

  return {
    dir: root,
    baseSha,
    headSha,
    branch: monorepoBranch,
    environments: apps.length * envs.length,
    touchedApp,
    touchedPaths: [touchedPath],
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [target, apps] = process.argv.slice(2);
  if (!target) {
    process.stderr.write('usage: tsx bench/generate-monorepo.ts <empty-dir> [apps]\n');
    process.exit(2);
  }
  const started = performance.now();
  const result = await generateMonorepo(target, apps ? { apps: Number(apps) } : {});
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`generated in ${Math.round(performance.now() - started)} ms\n`);
}
