// Webhook payload fields built from the stand-in's state and the real repository, for tests to merge
// into GitHub's example payloads.
import { commitInfo, pushedCommits, type PushedCommit } from '../git/repo-git.ts';
import { nodeId } from '../state/store.ts';
import type { CheckRunRecord, RepoRecord } from '../state/records.ts';
import { presentCheckRun } from './checks.ts';
import { presentPullMinimal } from './pulls.ts';
import { presentRepo, repoApi, repoWeb } from './repos.ts';
import type { Site } from './site.ts';
import { presentApp } from './users.ts';

export interface PushSpec {
  /** `refs/heads/main` (default: the default branch). */
  ref?: string;
  /** The previous tip; null (or omitted) for a new branch. */
  before?: string | null;
  after: string;
  forced?: boolean;
  /** Who pushed (default: the repository owner). */
  pusher?: string;
}

function commitPayload(site: Site, repo: RepoRecord, c: PushedCommit): Record<string, unknown> {
  return {
    id: c.sha,
    tree_id: c.tree,
    distinct: true,
    message: c.message,
    timestamp: c.timestamp,
    url: `${repoWeb(site, repo)}/commit/${c.sha}`,
    author: c.author,
    committer: c.committer,
    added: c.added,
    removed: c.removed,
    modified: c.modified,
  };
}

/** `ref`, `before`, `after`, `commits`, `head_commit`, `compare`, `pusher`… of a push event. */
export async function pushFields(site: Site, repo: RepoRecord, spec: PushSpec): Promise<Record<string, unknown>> {
  const zero = '0'.repeat(40);
  const before = spec.before ?? null;
  const commits = await pushedCommits(repo.gitDir, before, spec.after);
  let head: PushedCommit | undefined = commits.find((c) => c.sha === spec.after);
  if (!head) {
    const info = await commitInfo(repo.gitDir, spec.after);
    head = info && { ...info, added: [], removed: [], modified: [] };
  }
  const pusher = spec.pusher ?? repo.owner;
  return {
    ref: spec.ref ?? `refs/heads/${repo.defaultBranch}`,
    before: before ?? zero,
    after: spec.after,
    created: before === null,
    deleted: false,
    forced: spec.forced ?? false,
    base_ref: null,
    compare: `${repoWeb(site, repo)}/compare/${(before ?? zero).slice(0, 12)}...${spec.after.slice(0, 12)}`,
    commits: commits.map((c) => commitPayload(site, repo, c)),
    head_commit: head ? commitPayload(site, repo, head) : null,
    pusher: { name: pusher, email: `${pusher}@users.noreply.example` },
  };
}

/** The `check_run` field of a check_run event: the REST shape with its suite spelled out. */
export function checkRunFields(site: Site, repo: RepoRecord, run: CheckRunRecord): Record<string, unknown> {
  const suite = site.store.suites.get(run.suiteId);
  const rest = presentCheckRun(site, repo, run);
  return {
    ...rest,
    check_suite: {
      id: run.suiteId,
      node_id: nodeId('CS', run.suiteId),
      head_branch: suite?.headBranch ?? null,
      head_sha: run.headSha,
      status: run.status,
      conclusion: run.conclusion,
      url: `${repoApi(site, repo)}/check-suites/${run.suiteId}`,
      before: null,
      after: run.headSha,
      pull_requests: [...site.store.pulls.values()]
        .filter((p) => p.repo === repo.key && p.state === 'open' && p.head.sha === run.headSha)
        .map((p) => presentPullMinimal(site, repo, p)),
      app: presentApp(site),
      repository: presentRepo(site, repo),
      created_at: suite?.createdAt ?? run.startedAt,
      updated_at: suite?.updatedAt ?? run.startedAt,
    },
  };
}
