// Test-side setup of the stand-in's world: repositories, permissions, pull requests, reviews and
// human comments. Everything the App itself writes goes through the REST API instead.
import { resolve } from 'node:path';
import { defaultBranchOf, isGitRepo, resolveCommit, updateRef } from './git/repo-git.ts';
import { presentComment, presentIssue } from './present/issues.ts';
import { presentPull, presentReview } from './present/pulls.ts';
import { cloneUrl } from './present/repos.ts';
import type { Site } from './present/site.ts';
import { mergeState, savePull } from './rest/handlers/pulls.ts';
import type { CommentRecord, IssueRecord, Permission, PullRecord, RepoRecord, ReviewRecord } from './state/records.ts';
import { permissions } from './state/records.ts';
import { repoKey, timestamp } from './state/store.ts';
import { pullStats } from './git/repo-git.ts';
import type { CommentSeed, IssueSeed, PullRequestChanges, PullRequestSeed, RepoInfo, RepoSeed, ReviewSeed } from './types.ts';

export function needRepo(site: Site, owner: string, name: string): RepoRecord {
  const repo = site.store.repo(owner, name);
  if (!repo) throw new Error(`the stand-in has no repository ${owner}/${name}; add it with addRepo() first`);
  return repo;
}

function needPull(site: Site, repo: RepoRecord, number: number): PullRecord {
  const pr = site.store.pull(repo.key, number);
  if (!pr) throw new Error(`${repo.owner}/${repo.name} has no pull request #${number}; add it with addPullRequest() first`);
  return pr;
}

async function needCommit(repo: RepoRecord, ref: string, what: string): Promise<string> {
  const sha = await resolveCommit(repo.gitDir, ref);
  if (!sha) throw new Error(`${what} "${ref}" is not a commit in ${repo.gitDir}: commit it in the test repository first`);
  return sha;
}

export async function addRepo(site: Site, seed: RepoSeed, now: number): Promise<RepoInfo> {
  const gitDir = resolve(seed.gitDir);
  if (!(await isGitRepo(gitDir))) throw new Error(`addRepo(${seed.owner}/${seed.name}): ${gitDir} is not a git repository`);
  const key = repoKey(seed.owner, seed.name);
  if (site.store.repos.has(key)) throw new Error(`addRepo: ${seed.owner}/${seed.name} already exists in the stand-in`);
  const ownerType = seed.ownerType ?? 'Organization';
  let installationId = seed.installationId;
  if (installationId === undefined) {
    installationId = [...site.store.installations.values()].find((i) => i.account.toLowerCase() === seed.owner.toLowerCase())?.id ?? site.store.nextId('installation');
  }
  if (!site.store.installations.has(installationId)) {
    site.store.installations.set(installationId, { id: installationId, account: seed.owner, accountType: ownerType, createdAt: timestamp(now) });
  }
  const defaultBranch = seed.defaultBranch ?? (await defaultBranchOf(gitDir)) ?? 'main';
  const repo: RepoRecord = {
    id: site.store.nextId('repo'),
    key,
    owner: seed.owner,
    name: seed.name,
    ownerType,
    gitDir,
    defaultBranch,
    installationId,
    createdAt: timestamp(now),
    permissions: new Map(),
    lastNumber: 0,
  };
  site.store.repos.set(key, repo);
  site.store.user(seed.owner).type = ownerType;
  return { id: repo.id, fullName: `${repo.owner}/${repo.name}`, installationId, cloneUrl: cloneUrl(site, repo), defaultBranch };
}

export function setPermission(site: Site, owner: string, name: string, user: string, level: Permission): void {
  if (!permissions.includes(level)) throw new Error(`setPermission: "${level}" is not one of ${permissions.join(', ')}`);
  needRepo(site, owner, name).permissions.set(user.toLowerCase(), level);
}

export async function addPullRequest(site: Site, seed: PullRequestSeed, now: number): Promise<Record<string, unknown>> {
  const repo = needRepo(site, seed.owner, seed.repo);
  const number = seed.number ?? repo.lastNumber + 1;
  if (site.store.pull(repo.key, number) || site.store.issue(repo.key, number)) throw new Error(`addPullRequest: #${number} already exists in ${seed.owner}/${seed.repo}`);
  // Taken now, before the awaits below: an issue the App opens meanwhile (a drift issue) gets the next number, as on GitHub.
  repo.lastNumber = Math.max(repo.lastNumber, number);
  const headSha = await needCommit(repo, seed.head.sha, 'head.sha');
  const baseSha = await needCommit(repo, seed.base.sha ?? `refs/heads/${seed.base.ref}`, seed.base.sha ? 'base.sha' : 'base.ref');
  const draft = seed.draft ?? false;
  const computed = await mergeState(repo.gitDir, baseSha, headSha, draft);
  const mergeable = seed.mergeable !== undefined ? seed.mergeable : computed.mergeable;
  const mergeableState = seed.mergeableState ?? (seed.mergeable === undefined ? computed.mergeableState : mergeable === null ? 'unknown' : mergeable ? (draft ? 'draft' : 'clean') : 'dirty');
  const state = seed.merged ? 'closed' : (seed.state ?? 'open');
  const at = timestamp(now);
  const pr: PullRecord = {
    id: site.store.nextId('pull'),
    issueId: site.store.nextId('issue'),
    repo: repo.key,
    number,
    title: seed.title ?? `Pull request #${number}`,
    body: seed.body ?? null,
    user: seed.user,
    state,
    draft,
    merged: seed.merged ?? false,
    mergedAt: seed.merged ? at : null,
    mergeCommitSha: null,
    head: { ref: seed.head.ref, sha: headSha },
    base: { ref: seed.base.ref, sha: baseSha },
    mergeable,
    mergeableState,
    labels: seed.labels ?? [],
    createdAt: at,
    updatedAt: at,
    closedAt: state === 'closed' ? at : null,
  };
  await savePull(site.store, repo, pr);
  return presentPull(site, repo, pr, await pullStats(repo.gitDir, pr.base.sha, pr.head.sha));
}

export async function updatePullRequest(site: Site, owner: string, name: string, number: number, changes: PullRequestChanges, now: number): Promise<Record<string, unknown>> {
  const repo = needRepo(site, owner, name);
  const pr = needPull(site, repo, number);
  if (changes.head) {
    pr.head = { ref: changes.head.ref ?? pr.head.ref, sha: await needCommit(repo, changes.head.sha, 'head.sha') };
    await updateRef(repo.gitDir, `refs/pull/${pr.number}/head`, pr.head.sha);
  }
  if (changes.base) {
    const ref = changes.base.ref ?? pr.base.ref;
    pr.base = { ref, sha: await needCommit(repo, changes.base.sha ?? `refs/heads/${ref}`, 'base') };
  }
  if (changes.draft !== undefined) pr.draft = changes.draft;
  if (changes.head || changes.base || changes.draft !== undefined) Object.assign(pr, await mergeState(repo.gitDir, pr.base.sha, pr.head.sha, pr.draft));
  if (changes.mergeable !== undefined) pr.mergeable = changes.mergeable;
  if (changes.mergeableState !== undefined) pr.mergeableState = changes.mergeableState;
  if (changes.title !== undefined) pr.title = changes.title;
  if (changes.body !== undefined) pr.body = changes.body;
  if (changes.labels !== undefined) pr.labels = changes.labels;
  const at = timestamp(now);
  if (changes.merged) {
    pr.merged = true;
    pr.mergedAt = at;
    pr.mergeCommitSha = changes.mergeCommitSha ?? null;
    pr.state = 'closed';
    pr.closedAt = at;
  } else if (changes.state !== undefined && changes.state !== pr.state) {
    pr.state = changes.state;
    pr.closedAt = changes.state === 'closed' ? at : null;
  }
  pr.updatedAt = at;
  return presentPull(site, repo, pr, await pullStats(repo.gitDir, pr.base.sha, pr.head.sha));
}

export function addReview(site: Site, seed: ReviewSeed, now: number): Record<string, unknown> {
  const repo = needRepo(site, seed.owner, seed.repo);
  const pr = needPull(site, repo, seed.number);
  const review: ReviewRecord = {
    id: site.store.nextId('review'),
    repo: repo.key,
    pull: pr.number,
    user: seed.user,
    state: seed.state,
    body: seed.body ?? '',
    commitId: seed.commitId ?? pr.head.sha,
    submittedAt: timestamp(now),
  };
  site.store.reviews.push(review);
  return presentReview(site, repo, review);
}

export function addComment(site: Site, seed: CommentSeed, now: number): Record<string, unknown> {
  const repo = needRepo(site, seed.owner, seed.repo);
  if (!site.store.pull(repo.key, seed.issue) && !site.store.issue(repo.key, seed.issue)) {
    throw new Error(`addComment: ${seed.owner}/${seed.repo} has no issue or pull request #${seed.issue}`);
  }
  const at = timestamp(now);
  const c: CommentRecord = { id: site.store.nextId('comment'), repo: repo.key, issue: seed.issue, body: seed.body, user: seed.user, viaApp: false, createdAt: at, updatedAt: at, minimized: null };
  site.store.comments.set(c.id, c);
  return presentComment(site, repo, c);
}

export function addIssue(site: Site, seed: IssueSeed, now: number): Record<string, unknown> {
  const repo = needRepo(site, seed.owner, seed.repo);
  const at = timestamp(now);
  const issue: IssueRecord = {
    id: site.store.nextId('issue'),
    repo: repo.key,
    number: ++repo.lastNumber,
    title: seed.title,
    body: seed.body ?? null,
    user: seed.user,
    state: seed.state ?? 'open',
    stateReason: seed.state === 'closed' ? 'completed' : null,
    labels: seed.labels ?? [],
    assignees: [],
    createdAt: at,
    updatedAt: at,
    closedAt: seed.state === 'closed' ? at : null,
  };
  site.store.issues.set(`${repo.key}#${issue.number}`, issue);
  return presentIssue(site, repo, issue);
}
