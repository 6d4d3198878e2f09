import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BosunError } from '../../src/model/errors.ts';
import { capture, runStep, type Log } from './exec.ts';

const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/** Packages from `names` that dpkg does not report as installed. */
export async function missingPackages(names: readonly string[]): Promise<string[]> {
  const out = await capture('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...names]);
  const installed = new Set(
    out.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name.replace(/:.*$/, '')),
  );
  return names.filter((n) => !installed.has(n));
}

/** apt-get install of what is missing; `apt-get update` once when the first attempt fails (no lists yet). */
export async function ensurePackages(names: readonly string[], opts: { log: Log; logFile: string }): Promise<void> {
  const missing = await missingPackages(names);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new BosunError({
      kind: 'internal',
      message: `testenv needs these Debian packages: ${missing.join(' ')}. Install them as root (apt-get install -y ${missing.join(' ')}) and retry`,
    });
  }
  const install = (): Promise<void> =>
    runStep('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
      phase: `apt-get install ${missing.join(' ')}`,
      log: opts.log,
      logFile: opts.logFile,
      env: aptEnv,
    });
  try {
    await install();
  } catch {
    opts.log('[testenv] apt-get install failed; refreshing package lists once and retrying');
    await runStep('apt-get', ['update'], { phase: 'apt-get update', log: opts.log, logFile: opts.logFile, env: aptEnv });
    await install();
  }
}

/**
 * The machine's main Debian mirror (not the security one), read from deb822 `debian.sources` or the
 * one-line `sources.list`. The private source lists below reuse it, so a proxy or snapshot mirror the
 * machine is configured for keeps working.
 */
export function mirrorFromSources(deb822: string | undefined, oneLine: string | undefined): string | undefined {
  for (const stanza of (deb822 ?? '').split(/\n\s*\n/)) {
    const field = (name: string): string[] => {
      const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'mi').exec(stanza);
      return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
    };
    const uris = field('URIs');
    const suites = field('Suites');
    if (uris.length > 0 && suites.some((s) => !s.includes('-security'))) return uris[0];
  }
  for (const raw of (oneLine ?? '').split('\n')) {
    const line = raw.replace(/#.*$/, '').replace(/\[[^\]]*\]/, '').trim();
    const parts = line.split(/\s+/);
    if ((parts[0] === 'deb' || parts[0] === 'deb-src') && parts.length >= 3 && !parts[2].includes('-security')) return parts[1];
  }
  return undefined;
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

export function machineMirror(): string {
  const mirror = mirrorFromSources(readIfExists('/etc/apt/sources.list.d/debian.sources'), readIfExists('/etc/apt/sources.list'));
  if (!mirror) {
    throw new BosunError({
      kind: 'internal',
      message: 'testenv: no Debian mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list; add the Debian mirror this machine uses',
    });
  }
  return mirror;
}

/**
 * A source list of our own (binary and source entries for one suite) with its own state folder, so
 * fetching bookworm's packages never changes the system's apt configuration or mixes suites system-wide.
 * Returns the `-o` options that point apt-get at it.
 */
export function privateAptConfig(dir: string, mirror: string, suite: string): string[] {
  mkdirSync(join(dir, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(dir, 'cache', 'archives', 'partial'), { recursive: true });
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  const opts = existsSync(keyring) ? ` [signed-by=${keyring}]` : '';
  const sourcesList = join(dir, 'sources.list');
  writeFileSync(sourcesList, `deb${opts} ${mirror} ${suite} main\ndeb-src${opts} ${mirror} ${suite} main\n`);
  return [
    '-o', `Dir::Etc::SourceList=${sourcesList}`,
    '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${join(dir, 'lists')}`,
    // its own package caches too, so the system's pkgcache.bin is never rebuilt from our lists
    '-o', `Dir::Cache=${join(dir, 'cache')}`,
  ];
}

export { aptEnv };
