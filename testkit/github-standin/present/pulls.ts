import { nodeId } from '../state/store.ts';
import type { PullRecord, RepoRecord, ReviewRecord } from '../state/records.ts';
import { authorAssociation, presentLabel } from './issues.ts';
import { presentRepo, repoApi, repoWeb } from './repos.ts';
import type { Site } from './site.ts';
import { presentUser } from './users.ts';

export interface PullStats {
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}

function side(site: Site, repo: RepoRecord, s: { ref: string; sha: string }): Record<string, unknown> {
  return {
    label: `${repo.owner}:${s.ref}`,
    ref: s.ref,
    sha: s.sha,
    user: presentUser(site, repo.owner, repo.ownerType),
    repo: presentRepo(site, repo),
  };
}

/** A pull request as `GET /pulls/{n}` has it; without `stats` the shorter list shape. */
export function presentPull(site: Site, repo: RepoRecord, pr: PullRecord, stats?: PullStats): Record<string, unknown> {
  const api = repoApi(site, repo);
  const web = repoWeb(site, repo);
  const url = `${api}/pulls/${pr.number}`;
  const out: Record<string, unknown> = {
    url,
    id: pr.id,
    node_id: nodeId('PR', pr.id),
    html_url: `${web}/pull/${pr.number}`,
    diff_url: `${web}/pull/${pr.number}.diff`,
    patch_url: `${web}/pull/${pr.number}.patch`,
    issue_url: `${api}/issues/${pr.number}`,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${api}/pulls/comments{/number}`,
    comments_url: `${api}/issues/${pr.number}/comments`,
    statuses_url: `${api}/statuses/${pr.head.sha}`,
    number: pr.number,
    state: pr.state,
    locked: false,
    title: pr.title,
    user: presentUser(site, pr.user),
    body: pr.body,
    labels: pr.labels.map((name) => presentLabel(site, repo, name)),
    milestone: null,
    active_lock_reason: null,
    created_at: pr.createdAt,
    updated_at: pr.updatedAt,
    closed_at: pr.closedAt,
    merged_at: pr.mergedAt,
    merge_commit_sha: pr.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: side(site, repo, pr.head),
    base: side(site, repo, pr.base),
    _links: {
      self: { href: url },
      html: { href: `${web}/pull/${pr.number}` },
      issue: { href: `${api}/issues/${pr.number}` },
      comments: { href: `${api}/issues/${pr.number}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${api}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: `${api}/statuses/${pr.head.sha}` },
    },
    author_association: authorAssociation(site, repo, pr.user),
    auto_merge: null,
    draft: pr.draft,
  };
  if (stats) {
    const comments = [...site.store.comments.values()].filter((c) => c.repo === repo.key && c.issue === pr.number).length;
    Object.assign(out, {
      merged: pr.merged,
      mergeable: pr.state === 'open' ? pr.mergeable : null,
      rebaseable: pr.state === 'open' ? pr.mergeable : null,
      mergeable_state: pr.mergeableState,
      merged_by: null,
      comments,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: stats.commits,
      additions: stats.additions,
      deletions: stats.deletions,
      changed_files: stats.changedFiles,
    });
  }
  return out;
}

export function presentReview(site: Site, repo: RepoRecord, r: ReviewRecord): Record<string, unknown> {
  const web = `${repoWeb(site, repo)}/pull/${r.pull}`;
  return {
    id: r.id,
    node_id: nodeId('PRR', r.id),
    user: presentUser(site, r.user),
    body: r.body,
    state: r.state,
    html_url: `${web}#pullrequestreview-${r.id}`,
    pull_request_url: `${repoApi(site, repo)}/pulls/${r.pull}`,
    _links: { html: { href: `${web}#pullrequestreview-${r.id}` }, pull_request: { href: `${repoApi(site, repo)}/pulls/${r.pull}` } },
    submitted_at: r.submittedAt,
    commit_id: r.commitId,
    author_association: authorAssociation(site, repo, r.user),
  };
}

/** The short form check runs and check suites list their pull requests in. */
export function presentPullMinimal(site: Site, repo: RepoRecord, pr: PullRecord): Record<string, unknown> {
  const repoRef = { id: repo.id, url: repoApi(site, repo), name: repo.name };
  return {
    id: pr.id,
    number: pr.number,
    url: `${repoApi(site, repo)}/pulls/${pr.number}`,
    head: { ref: pr.head.ref, sha: pr.head.sha, repo: repoRef },
    base: { ref: pr.base.ref, sha: pr.base.sha, repo: repoRef },
  };
}
