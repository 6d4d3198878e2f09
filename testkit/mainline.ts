// The set-up of e2e suites that merge straight to `main` and watch what bosun applies: a git repository whose
// main starts with one commit, served by the GitHub stand-in, the harness (real Redis, workers) with a clusters
// registry on the test API server, and the namespace the suite's objects live in, removed afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Permission } from './github-standin/index.ts';
import { makeGitRepo, type GitRepoBuilder } from './git-repo.ts';
import { startHarness, type Harness } from './harness.ts';
import { scenario, type Json, type Scenario } from './scenario.ts';
import { writeTestClusterRegistry } from './testenv/inject.ts';

export interface MainlineOptions {
  owner: string;
  name: string;
  /** Deleted after the suite; created before it when `createNamespace` (a namespace no environment owns). */
  namespace: string;
  createNamespace?: boolean;
  /** Entries of the clusters registry, each the test API server (default: `test`). */
  clusters?: readonly string[];
  /** The files of main's first commit (default: a README). */
  files?: Readonly<Record<string, string>>;
  /** Repository permissions of users who comment commands, by login. */
  permissions?: Readonly<Record<string, Permission>>;
}

export interface Mainline {
  s: Scenario;
  kubectl: Scenario['kubectl'];
  /** The repository (set once the suite's beforeAll ran). */
  readonly repo: GitRepoBuilder;
  /** The GitHub stand-in (set once the suite's beforeAll ran). */
  readonly gh: Harness['gh'];
  /** Runs `change` (writes to the repository), commits it on main and sends its push; the new tip. */
  merge(message: string, change: () => Promise<void>): Promise<string>;
  /** `bosun / apply (<env>)` on `sha`, once completed. */
  applied(env: string, sha: string): Promise<Json>;
}

/** Registers the suite's beforeAll and afterAll: call it inside `describe`. */
export function mainline(opts: MainlineOptions): Mainline {
  let h: Harness | undefined;
  let work: string | undefined;
  let repo: GitRepoBuilder | undefined;
  let tip = '';
  const s = scenario(opts.owner, opts.name, () => h!);
  const { kubectl } = s;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), `bosun-e2e-${opts.name}-`));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile, opts.clusters);
    if (opts.createNamespace) await kubectl('create', 'namespace', opts.namespace);
    repo = await makeGitRepo();
    for (const [path, content] of Object.entries(opts.files ?? { 'README.md': 'platform\n' })) await repo.write(path, content);
    tip = await repo.commit('empty');
    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner: opts.owner, name: opts.name, gitDir: repo.dir, defaultBranch: 'main' });
    for (const [user, level] of Object.entries(opts.permissions ?? {})) h.gh.setPermission(opts.owner, opts.name, user, level);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', opts.namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    if (work) await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  return {
    s,
    kubectl,
    get repo() {
      if (!repo) throw new Error('mainline: the repository exists once the suite has started');
      return repo;
    },
    get gh() {
      if (!h) throw new Error('mainline: the harness exists once the suite has started');
      return h.gh;
    },
    merge: async (message, change) => {
      await change();
      const before = tip;
      tip = await repo!.commit(message);
      await s.push({ before, after: tip });
      return tip;
    },
    applied: (env, sha) => s.completedRun(sha, `bosun / apply (${env})`, { timeoutMs: 120_000 }),
  };
}
