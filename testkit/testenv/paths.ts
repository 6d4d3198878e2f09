import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BosunError } from '../../src/model/errors.ts';

/**
 * The Kubernetes version Debian 12 ships as source (`kubernetes` 1.20.5+really1.20.2). The cache is keyed
 * by it so a future switch to another source package builds into a fresh folder.
 */
export const K8S_VERSION = '1.20.2';

/** Debian suite whose `kubernetes` source package (and, where needed, Go and etcd) we build from. */
export const SOURCE_SUITE = 'bookworm';

/** `${BOSUN_TESTENV_CACHE:-$HOME/.cache/bosun/testenv}` — outside the repo so `git clean` keeps it. */
export function cacheRoot(): string {
  const fromEnv = process.env.BOSUN_TESTENV_CACHE;
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.cache', 'bosun', 'testenv');
}

export function versionDir(root = cacheRoot()): string {
  return join(root, K8S_VERSION);
}

/**
 * Whose long-lived cluster this is: `testenv up` / `down` / `status` and the test run's global setup only
 * see the cluster of their own slot. A slot is the checkout (by its real path, so two clones or worktrees
 * never share one) unless an explicit name is given, which wins.
 */
export interface ClusterSlot {
  /** Folder name under `<cache>/run/`: `name-<name>` or `checkout-<folder>-<hash of the real path>`. */
  key: string;
  /** The real path of the checkout that asked. */
  checkout: string;
  /** `--name` / BOSUN_TESTENV_NAME, when given. */
  name?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** The slot for a checkout (a real path) and an optional explicit name. Pure: same input, same key. */
export function clusterSlot(input: { checkout: string; name?: string }): ClusterSlot {
  const name = input.name?.trim();
  if (name) {
    if (!NAME.test(name)) {
      throw new BosunError({
        kind: 'usage',
        message: `testenv: cluster name ${JSON.stringify(name)} must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`,
        field: 'name',
      });
    }
    return { key: `name-${name}`, checkout: input.checkout, name };
  }
  const hash = createHash('sha256').update(input.checkout).digest('hex').slice(0, 12);
  const folder = basename(input.checkout).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'root';
  return { key: `checkout-${folder}-${hash}`, checkout: input.checkout };
}

/** The checkout this testenv code was loaded from, by its real path (symlinks resolved). */
export function checkoutRoot(): string {
  return realpathSync(fileURLToPath(new URL('../../', import.meta.url)));
}

/**
 * The explicit cluster name: `--name NAME` / `--name=NAME` in `args`, else BOSUN_TESTENV_NAME; undefined
 * for the checkout's own cluster. Returns the arguments without the flag.
 */
export function nameFrom(args: readonly string[], env: NodeJS.ProcessEnv = process.env): { name?: string; rest: string[] } {
  const rest: string[] = [];
  let name: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--name') {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('-')) throw new BosunError({ kind: 'usage', message: 'testenv: --name needs a value (e.g. --name review)', field: 'name' });
      name = value;
      i++;
    } else if (arg.startsWith('--name=')) {
      name = arg.slice('--name='.length);
      if (name === '') throw new BosunError({ kind: 'usage', message: 'testenv: --name needs a value (e.g. --name=review)', field: 'name' });
    } else {
      rest.push(arg);
    }
  }
  const fromEnv = env.BOSUN_TESTENV_NAME?.trim();
  return { name: name ?? (fromEnv ? fromEnv : undefined), rest };
}

/** The slot of this process: its checkout, or the name BOSUN_TESTENV_NAME gives. */
export function currentSlot(name = nameFrom([]).name): ClusterSlot {
  return clusterSlot({ checkout: checkoutRoot(), name });
}

/** Where `npm run testenv -- up` records what it started for one slot (state.json, state.lock). */
export function runDir(slot: ClusterSlot, root = cacheRoot()): string {
  return join(root, 'run', slot.key);
}

/**
 * The one state file testenv kept before clusters had slots (`<cache>/run/state.json`). A cluster recorded
 * there still belongs to the checkout its servers run in (see state.ts).
 */
export function legacyStateFile(root = cacheRoot()): string {
  return join(root, 'run', 'state.json');
}
