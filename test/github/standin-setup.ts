import { rm } from 'node:fs/promises';
import { Octokit } from '@octokit/core';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';

export interface StandinRepo {
  standin: GitHubStandin;
  octokit: Octokit;
  owner: string;
  repo: string;
  /** The one commit on main. */
  sha: string;
  close(): Promise<void>;
}

/** A stand-in serving one real repository, and an Octokit authenticated as the App's installation. */
export async function standinWithRepo(): Promise<StandinRepo> {
  const git = await makeGitRepo();
  await git.write('clusters/staging/web.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n');
  const sha = await git.commit('initial');
  const standin = await startGitHubStandin();
  const info = await standin.addRepo({ owner: 'acme', name: 'gitops', gitDir: git.dir });
  const octokit = new Octokit({ baseUrl: standin.apiUrl, auth: standin.mintToken(info.installationId) });
  return {
    standin,
    octokit,
    owner: 'acme',
    repo: 'gitops',
    sha,
    close: async () => {
      await standin.close();
      await rm(git.dir, { recursive: true, force: true });
    },
  };
}
