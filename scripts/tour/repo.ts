// The tour's repository: one small app (a ConfigMap, a Deployment, a Service) in a kustomize base, and
// an overlay per environment that puts it in the tour's own namespace. `main` runs web 1.4.0; the pull
// request moves it to 1.5.0, changes a setting, and (production only) adds a replica, so the report
// shows several risk classes.
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

export interface TourEnv {
  /** The environment's name in .bosun.yaml (what check runs and commands use). */
  name: string;
  namespace: string;
  replicas: number;
  selfHeal: boolean;
}

export interface TourRepo {
  git: GitRepoBuilder;
  branch: string;
  baseSha: string;
  headSha: string;
}

export interface TourRepoOptions {
  staging: TourEnv;
  production: TourEnv;
  /** Production waits for staging to be applied and healthy (when bosun's promotion order is in). */
  dependsOn: boolean;
}

const kustomization = (resources: string[], extra: string[] = []): string =>
  ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'resources:', ...resources.map((r) => `  - ${r}`), ...extra, ''].join('\n');

const configMap = (greeting: string, logLevel: string): string => [
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: web-config',
  'data:',
  `  GREETING: "${greeting}"`,
  `  LOG_LEVEL: ${logLevel}`,
  '',
].join('\n');

const deployment = (tag: string): string => [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  replicas: 1',
  '  selector:',
  '    matchLabels: { app: web }',
  '  template:',
  '    metadata:',
  '      labels: { app: web }',
  '    spec:',
  '      containers:',
  '        - name: web',
  `          image: ghcr.io/acme/web:${tag}`,
  '          ports: [{ containerPort: 8080, protocol: TCP }]',
  '          envFrom: [{ configMapRef: { name: web-config } }]',
  '',
].join('\n');

const service = [
  'apiVersion: v1',
  'kind: Service',
  'metadata:',
  '  name: web',
  'spec:',
  '  selector: { app: web }',
  // Kubernetes 1.20's server-side apply wants the protocol spelled out.
  '  ports: [{ name: http, port: 80, targetPort: 8080, protocol: TCP }]',
  '',
].join('\n');

const overlay = (env: TourEnv): string => kustomization(['../../base', 'namespace.yaml'], [
  `namespace: ${env.namespace}`,
  'patches:',
  '  - target: { kind: Deployment, name: web }',
  '    patch: |',
  '      - op: replace',
  '        path: /spec/replicas',
  `        value: ${env.replicas}`,
]);

const bosunYaml = (opts: TourRepoOptions): string => [
  'version: 1',
  'environments:',
  ...[opts.staging, opts.production].flatMap((env) => [
    `  - name: ${env.name}`,
    `    path: deploy/overlays/${env.name}`,
    '    cluster: test',
    '    healthTimeout: 60s',
    ...(env.selfHeal ? ['    selfHeal: true'] : []),
    ...(env === opts.production && opts.dependsOn ? [`    dependsOn: [${opts.staging.name}]`] : []),
  ]),
  '',
].join('\n');

/** Builds the repository in `dir`: `main` with the app at 1.4.0 and the pull request's branch. */
export async function buildTourRepo(dir: string, opts: TourRepoOptions): Promise<TourRepo> {
  const git = await makeGitRepo(dir);
  await git.write('README.md', '# web\n\nThe web app, deployed by bosun from this repository.\n');
  await git.write('.bosun.yaml', bosunYaml(opts));
  await git.write('deploy/base/kustomization.yaml', kustomization(['configmap.yaml', 'deployment.yaml', 'service.yaml']));
  await git.write('deploy/base/configmap.yaml', configMap('Hello from bosun', 'info'));
  await git.write('deploy/base/deployment.yaml', deployment('1.4.0'));
  await git.write('deploy/base/service.yaml', service);
  for (const env of [opts.staging, opts.production]) {
    await git.write(`deploy/overlays/${env.name}/kustomization.yaml`, overlay(env));
    await git.write(`deploy/overlays/${env.name}/namespace.yaml`, `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${env.namespace}\n`);
  }
  const baseSha = await git.commit('web 1.4.0 in staging and production');

  const branch = 'web-1.5.0';
  await git.branch(branch);
  await git.checkout(branch);
  await git.write('deploy/base/deployment.yaml', deployment('1.5.0'));
  await git.write('deploy/base/configmap.yaml', configMap('Hello from bosun', 'debug'));
  await git.write(`deploy/overlays/${opts.production.name}/kustomization.yaml`, overlay({ ...opts.production, replicas: opts.production.replicas + 1 }));
  const headSha = await git.commit('web 1.5.0, debug logging; one more replica in production');
  await git.checkout('main');
  return { git, branch, baseSha, headSha };
}
