// What an attacker would try to reach from a pull request, planted so that reaching it shows: a secret in
// bosun's own environment, a file and a git repository outside the checkout, an HTTP listener on the
// machine's loopback (a stand-in for cloud metadata endpoints), a script that leaves a mark when run, and
// GitOps manifests outside the repository (an Argo CD Application, a Flux Kustomization) for symlinks to point at.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Canaries {
  /** A folder outside every repository, readable by anyone (so only the sandbox keeps it out). */
  dir: string;
  /** Value of BOSUN_CANARY_TOKEN in bosun's environment. */
  envValue: string;
  /**
   * Content of `${dir}/secret.txt`, `${dir}/cm.yaml` (a ConfigMap carrying it), the other repository, and the
   * namespace of `${dir}/application.yaml` and `${dir}/flux-kustomization.yaml`, a helm parameter of
   * `${dir}/argocd-source.yaml` and a parameter of `${dir}/appset-params.yaml` (read only if a symlink is followed).
   */
  fileValue: string;
  /** Values of Secrets inside the pull request, which must never be shown either. */
  secretValue: string;
  /** An executable script; running it creates `marker` and prints the environment. */
  evil: string;
  marker: string;
  /** A git repository outside the checkout (for `git::file://`). */
  otherRepo: string;
  /** http://127.0.0.1:<port> of a listener that answers with the file canary. */
  url: string;
  port: number;
  hits(): number;
  /** Every string that must appear nowhere bosun writes. */
  forbidden(): string[];
  /** Throws when any invariant broke: a listener hit, the marker exists, the outside file changed. */
  assertUntouched(): Promise<void>;
  close(): Promise<void>;
}

export async function plantCanaries(): Promise<Canaries> {
  const id = randomUUID().replace(/-/g, '').slice(0, 16);
  const envValue = `canary-env-${id}`;
  const fileValue = `canary-file-${id}`;
  const secretValue = `canary-secret-${id}`;
  const dir = await mkdtemp(join(tmpdir(), 'bosun-canary-'));
  await chmod(dir, 0o755);
  const marker = join(dir, 'pwned');
  const evil = join(dir, 'evil.sh');
  await writeFile(evil, `#!/bin/sh\necho pwned > ${marker}\ncat /proc/1/environ 2>/dev/null\nenv\ncat\n`);
  await chmod(evil, 0o755);
  await writeFile(join(dir, 'secret.txt'), `${fileValue}\n`);
  await writeFile(join(dir, 'secret.env'), `TOKEN=${fileValue}\n`);
  const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\ndata:\n  value: ${fileValue}\n`;
  await writeFile(join(dir, 'cm.yaml'), cm);
  await writeFile(join(dir, 'patch.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\ndata:\n  stolen: ${fileValue}\n`);
  await writeFile(join(dir, 'bosun.yaml'), `version: 1\nenvironments:\n  - name: ${fileValue}\n    path: clusters/app\n`);
  await writeFile(join(dir, 'application.yaml'), `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: stolen\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://github.com/acme/gitops\n    path: clusters/app\n  destination:\n    namespace: ${fileValue}\n`);
  await writeFile(join(dir, 'flux-kustomization.yaml'), `apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: stolen\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/app\n  targetNamespace: ${fileValue}\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n`);
  // Argo CD parameter overrides and ApplicationSet git files parameters: read only if a symlink is followed.
  await writeFile(join(dir, 'argocd-source.yaml'), `helm:\n  parameters:\n    - name: greeting\n      value: ${fileValue}\n`);
  await writeFile(join(dir, 'appset-params.yaml'), `env: ${fileValue}\n`);
  const otherRepo = join(dir, 'other-repo');
  await mkdir(otherRepo);
  await writeFile(join(otherRepo, 'kustomization.yaml'), 'resources: [cm.yaml]\n');
  await writeFile(join(otherRepo, 'cm.yaml'), cm);
  const git = (...args: string[]) => run('git', ['-c', 'user.name=x', '-c', 'user.email=x@example.org', ...args], { cwd: otherRepo });
  await git('init', '-q', '-b', 'main');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'other');

  let hits = 0;
  const server: Server = createServer((_, res) => {
    hits++;
    res.setHeader('content-type', 'text/plain');
    res.end(cm);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  const previousEnv = process.env.BOSUN_CANARY_TOKEN;
  process.env.BOSUN_CANARY_TOKEN = envValue;

  return {
    dir,
    envValue,
    fileValue,
    secretValue,
    evil,
    marker,
    otherRepo,
    url: `http://127.0.0.1:${port}`,
    port,
    hits: () => hits,
    forbidden: () => [envValue, fileValue, secretValue, Buffer.from(secretValue).toString('base64')],
    async assertUntouched() {
      if (hits > 0) throw new Error(`the listener on 127.0.0.1:${port} was reached ${hits} time(s)`);
      const marked = await readFile(marker, 'utf8').then(() => true, () => false);
      if (marked) throw new Error(`${marker} exists: a program from the pull request ran`);
      if ((await readFile(join(dir, 'secret.txt'), 'utf8')) !== `${fileValue}\n`) throw new Error('a file outside the repository was changed');
    },
    async close() {
      if (previousEnv === undefined) delete process.env.BOSUN_CANARY_TOKEN;
      else process.env.BOSUN_CANARY_TOKEN = previousEnv;
      server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
