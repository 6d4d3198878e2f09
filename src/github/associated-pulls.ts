import { call } from './call.ts';
import type { GitHubClient } from './client.ts';

export interface MergedPull {
  number: number;
  url: string;
  title: string;
  headSha: string;
  mergeCommitSha: string | null;
  merged: boolean;
}

interface PullData {
  number: number;
  html_url: string;
  title: string;
  state: string;
  head: { sha: string };
  merged_at: string | null;
  merge_commit_sha: string | null;
}

/**
 * The merged pull request that brought a default-branch commit in (GitHub: "Lists the merged pull
 * request that introduced the commit to the repository"), preferring the one whose merge commit it is.
 * Undefined for a direct push.
 */
export async function pullOfMergeCommit(gh: GitHubClient, owner: string, repo: string, sha: string): Promise<MergedPull | undefined> {
  const res = await call(gh, `finding the pull request of ${sha.slice(0, 7)}`, 'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls', { owner, repo, commit_sha: sha, per_page: 100 });
  const merged = (res.data as PullData[]).filter((p) => p.merged_at !== null);
  const pick = merged.find((p) => p.merge_commit_sha === sha) ?? merged.find((p) => p.head.sha === sha) ?? merged[0];
  return pick ? presentMerged(pick) : undefined;
}

/** A pull request's merge state, read when a command asks for it. */
export async function readMergeState(gh: GitHubClient, owner: string, repo: string, pr: number): Promise<MergedPull> {
  const res = await call(gh, `reading pull request #${pr}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: pr });
  return presentMerged(res.data as PullData);
}

function presentMerged(p: PullData): MergedPull {
  return { number: p.number, url: p.html_url, title: p.title, headSha: p.head.sha, mergeCommitSha: p.merge_commit_sha, merged: p.merged_at !== null };
}
