// Where the generator's inputs are: the installed packages it reads as text, and the folder bosun is
// installed in (where .cache/ lives). Synchronous, so that validation can regenerate in-process.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const requireHere = createRequire(import.meta.url);

/** The folder of bosun's package.json, walking up from this module: right from src/ and from dist/ alike. */
export function installRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(start, '..', '..', '..');
  }
}

export function packageVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The installed folder of a package, also for packages whose exports map hides ./package.json. */
export function packageDir(name: string): string {
  for (const base of requireHere.resolve.paths(name) ?? []) {
    const dir = join(base, name);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${name} is not installed; run npm ci`);
}

/** The two packages the built-in Kubernetes schemas are derived from. */
export function modelPackageDirs(): { clientNode: string; kubernetesModels: string } {
  const clientNode = dirname(requireHere.resolve('@kubernetes/client-node/package.json'));
  // kubernetes-models has an exports map without ./package.json; its main entry sits at the package root.
  const kubernetesModels = dirname(requireHere.resolve('kubernetes-models'));
  return { clientNode, kubernetesModels };
}
