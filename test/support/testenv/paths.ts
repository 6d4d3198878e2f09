import { homedir } from 'node:os';
import { join } from 'node:path';

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

/** Where `npm run testenv -- up` records what it started. */
export function runDir(root = cacheRoot()): string {
  return join(root, 'run');
}
