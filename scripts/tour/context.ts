// What every step of the tour works with.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RepoRef } from '../../src/jobs.ts';
import { kubectlPath } from '../../src/util/tools.ts';
import type { RepoInfo } from '../../testkit/github-standin/index.ts';
import type { TourEnv, TourRepo } from './repo.ts';
import type { Stack } from './stack.ts';
import type { Transcript } from './transcript.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface TourContext {
  stack: Stack;
  t: Transcript;
  owner: string;
  name: string;
  repo: TourRepo;
  info: RepoInfo;
  /** What bosun's jobs carry for the repository (as the webhook handlers build it). */
  repoRef: RepoRef;
  staging: TourEnv;
  production: TourEnv;
  /** The pull request the tour walks through (its number once opened). */
  pr: number;
  /** The tip of main (moves when the pull request is merged). */
  tip: string;
  /** The person who opens the pull request and comments on it (write access). */
  maintainer: string;
  signal?: AbortSignal;
  wait<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  /** Runs the real kubectl (.tools/bin) against the test cluster; returns stdout. */
  kubectl(...args: string[]): Promise<string>;
}

/** A command line as a person would type it (arguments with spaces or JSON quoted). */
export function shellLine(command: string, args: readonly string[]): string {
  return [command, ...args.map((a) => (/^[\w./:=@,+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
}

export function makeContext(base: Omit<TourContext, 'wait' | 'kubectl'>): TourContext {
  return {
    ...base,
    wait: (what, check, timeoutMs) => waitFor(what, check, { ...(timeoutMs ? { timeoutMs } : {}), ...(base.signal ? { signal: base.signal } : {}) }),
    kubectl: async (...args) => (await run(kubectlPath(), ['--kubeconfig', base.stack.kubeconfig, ...args], { timeout: 60_000 })).stdout,
  };
}
