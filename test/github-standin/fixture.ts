// Shared set-up for the stand-in's own tests: a real git repository served as acme/gitops and real
// Octokit clients that authenticate the way bosun will (App JWT → installation token).
import { rm } from 'node:fs/promises';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startGitHubStandin, type GitHubStandin, type GitHubStandinOptions, type RepoInfo } from '../../testkit/github-standin/index.ts';

export interface Fixture {
  gh: GitHubStandin;
  repo: GitRepoBuilder;
  info: RepoInfo;
  /** The commits on main: base, then head on branch `feature`. */
  base: string;
  head: string;
  /** An Octokit authenticated as the App's installation on acme. */
  octokit: Octokit;
  close(): Promise<void>;
}

/** Octokit logs every failed request; the tests assert on the failures instead. */
export const quietLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function appOctokit(gh: GitHubStandin, installationId: number): Octokit {
  return new Octokit({
    baseUrl: gh.apiUrl,
    log: quietLog,
    authStrategy: createAppAuth,
    auth: { appId: gh.appId, privateKey: gh.privateKey, installationId },
    // A refused request must fail the test at once, not be retried.
    request: { retries: 0 },
  });
}

export async function standinWithRepo(opts: GitHubStandinOptions = {}): Promise<Fixture> {
  const gh = await startGitHubStandin(opts);
  const repo = await makeGitRepo();
  await repo.write('clusters/staging/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  replicas: "1"\n');
  const base = await repo.commit('initial');
  await repo.branch('feature');
  await repo.checkout('feature');
  await repo.write('clusters/staging/app.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  replicas: "2"\n');
  const head = await repo.commit('scale up');
  await repo.checkout('main');
  const info = await gh.addRepo({ owner: 'acme', name: 'gitops', gitDir: repo.dir });
  return {
    gh,
    repo,
    info,
    base,
    head,
    octokit: appOctokit(gh, info.installationId),
    close: async () => {
      await gh.close();
      await rm(repo.dir, { recursive: true, force: true });
    },
  };
}
