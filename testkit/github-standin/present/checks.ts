import type { CommitInfo } from '../git/repo-git.ts';
import { nodeId } from '../state/store.ts';
import type { AnnotationRecord, CheckRunRecord, CheckSuiteRecord, RepoRecord } from '../state/records.ts';
import { presentPullMinimal } from './pulls.ts';
import { presentRepo, repoApi, repoWeb } from './repos.ts';
import type { Site } from './site.ts';
import { presentApp } from './users.ts';

/** Open pull requests of the repository whose head is this commit (GitHub matches check runs to PRs so). */
function pullsAt(site: Site, repo: RepoRecord, sha: string): Record<string, unknown>[] {
  return [...site.store.pulls.values()]
    .filter((p) => p.repo === repo.key && p.state === 'open' && p.head.sha === sha)
    .map((p) => presentPullMinimal(site, repo, p));
}

export function presentCheckRun(site: Site, repo: RepoRecord, run: CheckRunRecord): Record<string, unknown> {
  const url = `${repoApi(site, repo)}/check-runs/${run.id}`;
  return {
    id: run.id,
    head_sha: run.headSha,
    node_id: nodeId('CR', run.id),
    external_id: run.externalId,
    url,
    html_url: `${repoWeb(site, repo)}/runs/${run.id}`,
    details_url: run.detailsUrl ?? `${repoWeb(site, repo)}/runs/${run.id}`,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.output.title,
      summary: run.output.summary,
      text: run.output.text,
      annotations_count: run.annotations.length,
      annotations_url: `${url}/annotations`,
    },
    name: run.name,
    check_suite: { id: run.suiteId },
    app: presentApp(site),
    pull_requests: pullsAt(site, repo, run.headSha),
  };
}

export function presentAnnotation(site: Site, repo: RepoRecord, run: CheckRunRecord, a: AnnotationRecord): Record<string, unknown> {
  return { ...a, blob_href: `${repoWeb(site, repo)}/blob/${run.headSha}/${a.path}` };
}

const conclusionRank = ['success', 'skipped', 'neutral', 'stale', 'action_required', 'cancelled', 'timed_out', 'failure'];

export function presentCheckSuite(site: Site, repo: RepoRecord, suite: CheckSuiteRecord, commit: CommitInfo): Record<string, unknown> {
  const runs = [...site.store.runs.values()].filter((r) => r.suiteId === suite.id);
  const status = runs.length > 0 && runs.every((r) => r.status === 'completed') ? 'completed' : runs.some((r) => r.status === 'in_progress') ? 'in_progress' : 'queued';
  const conclusion =
    status === 'completed' ? runs.map((r) => r.conclusion ?? 'neutral').reduce((a, b) => (conclusionRank.indexOf(b) > conclusionRank.indexOf(a) ? b : a)) : null;
  return {
    id: suite.id,
    node_id: nodeId('CS', suite.id),
    head_branch: suite.headBranch,
    head_sha: suite.headSha,
    status,
    conclusion,
    url: `${repoApi(site, repo)}/check-suites/${suite.id}`,
    before: null,
    after: suite.headSha,
    pull_requests: pullsAt(site, repo, suite.headSha),
    app: presentApp(site),
    repository: presentRepo(site, repo),
    created_at: suite.createdAt,
    updated_at: suite.updatedAt,
    head_commit: {
      id: commit.sha,
      tree_id: commit.tree,
      message: commit.message,
      timestamp: commit.timestamp,
      author: commit.author,
      committer: commit.committer,
    },
    latest_check_runs_count: runs.length,
    check_runs_url: `${repoApi(site, repo)}/check-suites/${suite.id}/check-runs`,
    rerequestable: true,
    runs_rerequestable: true,
  };
}
