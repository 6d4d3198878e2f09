/** The PR facts commands need, read from GitHub when the command runs (never trusted from the job). */
import type { PullRequestState } from '../../../src/chatops/index.ts';
import { call } from '../../../src/github/call.ts';
import type { GitHubClient } from '../../../src/github/index.ts';

export interface PullRequestInfo {
  number: number;
  url: string;
  author: string;
  state: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  mergeable: boolean | null;
  mergeableState: string;
}

interface PullData {
  number: number;
  html_url: string;
  state: string;
  user: { login: string } | null;
  head: { sha: string };
  base: { ref: string; sha: string };
  mergeable?: boolean | null;
  mergeable_state?: string;
}

export async function readPullRequest(gh: GitHubClient, owner: string, repo: string, pr: number): Promise<PullRequestInfo> {
  const res = await call(gh, `reading pull request #${pr}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}', { owner, repo, pull_number: pr });
  const data = res.data as PullData;
  return {
    number: data.number,
    url: data.html_url,
    author: data.user?.login ?? 'ghost',
    state: data.state,
    headSha: data.head.sha,
    baseRef: data.base.ref,
    baseSha: data.base.sha,
    mergeable: data.mergeable ?? null,
    mergeableState: data.mergeable_state ?? 'unknown',
  };
}

/** Logins whose latest review (of the ones that count) approves. */
export async function approvers(gh: GitHubClient, owner: string, repo: string, pr: number): Promise<string[]> {
  const latest = new Map<string, string>();
  for (let page = 1; ; page++) {
    const res = await call(gh, `listing the reviews of #${pr}`, 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { owner, repo, pull_number: pr, per_page: 100, page });
    const reviews = res.data as Array<{ user: { login: string } | null; state: string }>;
    for (const review of reviews) {
      // Comments do not change where a reviewer stands; approvals, change requests and dismissals do.
      if (!review.user || review.state === 'COMMENTED' || review.state === 'PENDING') continue;
      latest.set(review.user.login, review.state);
    }
    if (reviews.length < 100) break;
  }
  return [...latest].filter(([, state]) => state === 'APPROVED').map(([login]) => login);
}

export function requirementState(pr: PullRequestInfo, approvedBy: string[], mergeBaseSha: string | undefined): PullRequestState {
  return {
    approvedBy,
    author: pr.author,
    mergeable: pr.mergeable,
    mergeableState: pr.mergeableState,
    baseSha: pr.baseSha,
    ...(mergeBaseSha ? { mergeBaseSha } : {}),
  };
}
