import { call } from './call.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { GitHubError } from './errors.ts';

/**
 * One GitHub issue per environment for drift, found by the label and the hidden marker on the first
 * line of its body (never by title, which people may edit). The same issue serves every episode: it is
 * opened when drift appears, edited in place while it lasts, closed when it is gone and reopened when it
 * comes back, so the environment's drift history stays in one thread. Comments are written only when
 * the state changes.
 */

export const driftLabel = 'bosun:drift';
const labelColor = 'd93f0b';
const labelDescription = 'The live cluster differs from Git (kept by bosun)';
const maxBodyChars = 65_536;

export interface DriftIssueRef {
  number: number;
  url: string;
  state: 'open' | 'closed';
  body: string;
}

export interface FindDriftIssueArgs extends RepoRef {
  /** Tells whether a body is this environment's drift issue (its marker line). */
  matches: (body: string | null | undefined) => boolean;
  /** Only issues opened by this login (the App's `<slug>[bot]`); without it, only bots' issues count. */
  author?: string;
}

interface IssueJson {
  number: number;
  html_url: string;
  state: string;
  body?: string | null;
  updated_at?: string;
  pull_request?: unknown;
  user?: { login?: string; type?: string } | null;
}

/** The environment's drift issue: the open one if there is one, else the most recently updated closed one. */
export async function findDriftIssue(gh: GitHubClient, args: FindDriftIssueArgs): Promise<DriftIssueRef | undefined> {
  const perPage = 100;
  const author = args.author?.toLowerCase();
  const found: IssueJson[] = [];
  for (let page = 1; ; page++) {
    const res = await call(gh, `listing the ${driftLabel} issues`, 'GET /repos/{owner}/{repo}/issues', {
      owner: args.owner,
      repo: args.repo,
      labels: driftLabel,
      state: 'all',
      sort: 'updated',
      direction: 'desc',
      per_page: perPage,
      page,
    });
    const issues = res.data as IssueJson[];
    for (const issue of issues) {
      if (issue.pull_request) continue;
      if (author ? issue.user?.login?.toLowerCase() !== author : issue.user?.type !== 'Bot') continue;
      if (args.matches(issue.body)) found.push(issue);
    }
    if (issues.length < perPage) break;
  }
  const chosen = found.find((i) => i.state === 'open') ?? found[0];
  return chosen ? refOf(chosen) : undefined;
}

function refOf(issue: IssueJson): DriftIssueRef {
  return { number: issue.number, url: issue.html_url, state: issue.state === 'open' ? 'open' : 'closed', body: issue.body ?? '' };
}

/** Creates the label once per repository and process (GitHub would create a bare one on first use). */
const labelled = new Set<string>();
export async function ensureDriftLabel(gh: GitHubClient, repo: RepoRef): Promise<void> {
  const key = `${repo.owner}/${repo.repo}`.toLowerCase();
  if (labelled.has(key)) return;
  try {
    await call(gh, `reading the ${driftLabel} label`, 'GET /repos/{owner}/{repo}/labels/{name}', { owner: repo.owner, repo: repo.repo, name: driftLabel });
  } catch (err) {
    if (!(err instanceof GitHubError) || err.status !== 404) throw err;
    try {
      await call(gh, `creating the ${driftLabel} label`, 'POST /repos/{owner}/{repo}/labels', {
        owner: repo.owner,
        repo: repo.repo,
        name: driftLabel,
        color: labelColor,
        description: labelDescription,
      });
    } catch (createErr) {
      // Another worker created it in between.
      if (!(createErr instanceof GitHubError) || createErr.status !== 422) throw createErr;
    }
  }
  labelled.add(key);
}

export type DriftIssueStep = 'opened' | 'updated' | 'unchanged' | 'reopened' | 'healed' | 'closed' | 'none';

export interface SyncDriftIssueArgs extends FindDriftIssueArgs {
  title: string;
  /**
   * - `drifted`: drift is there; the issue is opened, edited, or reopened (with `comment`).
   * - `healed`: bosun healed it; the issue records it (created if need be) and is closed, with `comment`.
   * - `in-sync`: no drift; an open issue is edited (`body`) and closed with `comment`; nothing else.
   */
  status: 'drifted' | 'healed' | 'in-sync';
  /** The new body; a function gets the current body (an in-sync check keeps the last drift as the record). */
  body: string | ((current: string) => string);
  /** Posted when the state changes: reopened, healed, or closed. */
  comment: string;
  /**
   * Makes that comment exactly-once across runs of the same check: `key` names the state change (the
   * job's id and the step), written in the comment as a hidden marker line; before posting, the issue's
   * comments since `since` (ISO 8601: when the job was queued) are read, and the comment is not posted again
   * when one of them carries the marker. Without it, a retry after GitHub applied a comment but answered
   * 5xx (or after a later step failed) posts the same comment twice.
   */
  commentOnce?: { key: string; since: string };
}

export interface SyncDriftIssueResult {
  step: DriftIssueStep;
  issue?: { number: number; url: string; state: 'open' | 'closed' };
}

/** Brings the environment's drift issue in line with a drift check. Idempotent for an unchanged check. */
export async function syncDriftIssue(gh: GitHubClient, args: SyncDriftIssueArgs): Promise<SyncDriftIssueResult> {
  const repo = { owner: args.owner, repo: args.repo };
  const existing = await findDriftIssue(gh, args);
  if (args.status === 'in-sync' && (!existing || existing.state === 'closed')) return { step: 'none', ...(existing ? { issue: short(existing) } : {}) };
  const body = typeof args.body === 'function' ? args.body(existing?.body ?? '') : args.body;
  if (body.length > maxBodyChars) {
    throw new GitHubError({ message: `the drift issue body is ${body.length} characters; GitHub allows ${maxBodyChars}`, field: 'body' });
  }
  const same = existing !== undefined && normalize(existing.body) === normalize(body);

  if (args.status === 'in-sync' && existing) {
    if (!same) await update(gh, args, existing.number, { body });
    await comment(gh, args, existing.number, args.comment);
    return { step: 'closed', issue: short(await update(gh, args, existing.number, { state: 'closed', state_reason: 'completed' })) };
  }

  if (args.status === 'drifted') {
    if (!existing) return { step: 'opened', issue: short(await create(gh, args, repo, body)) };
    if (existing.state === 'closed') {
      const reopened = await update(gh, args, existing.number, { state: 'open', body });
      await comment(gh, args, existing.number, args.comment);
      return { step: 'reopened', issue: short(reopened) };
    }
    if (same) return { step: 'unchanged', issue: short(existing) };
    return { step: 'updated', issue: short(await update(gh, args, existing.number, { body })) };
  }

  // healed: the drift happened and is already undone; the issue keeps the record, closed.
  const target = existing ?? await create(gh, args, repo, body);
  if (existing && !same) await update(gh, args, existing.number, { body });
  await comment(gh, args, target.number, args.comment);
  const closed = target.state === 'closed' ? target : await update(gh, args, target.number, { state: 'closed', state_reason: 'completed' });
  return { step: 'healed', issue: short(closed) };
}

function short(i: DriftIssueRef): { number: number; url: string; state: 'open' | 'closed' } {
  return { number: i.number, url: i.url, state: i.state };
}

async function create(gh: GitHubClient, args: SyncDriftIssueArgs, repo: RepoRef, body: string): Promise<DriftIssueRef> {
  await ensureDriftLabel(gh, repo);
  const res = await call(gh, 'opening the drift issue', 'POST /repos/{owner}/{repo}/issues', {
    owner: args.owner,
    repo: args.repo,
    title: args.title,
    body,
    labels: [driftLabel],
  });
  return refOf(res.data as IssueJson);
}

async function update(gh: GitHubClient, args: SyncDriftIssueArgs, number: number, fields: Record<string, unknown>): Promise<DriftIssueRef> {
  const res = await call(gh, `updating drift issue #${number}`, 'PATCH /repos/{owner}/{repo}/issues/{issue_number}', {
    owner: args.owner,
    repo: args.repo,
    issue_number: number,
    ...fields,
  });
  return refOf(res.data as IssueJson);
}

async function comment(gh: GitHubClient, args: SyncDriftIssueArgs, number: number, text: string): Promise<void> {
  const once = args.commentOnce;
  const marker = once ? commentMarkerOf(once.key) : undefined;
  if (once && marker && await alreadyCommented(gh, args, number, once.since, marker)) return;
  const body = marker ? `${text}\n\n${marker}` : text;
  await call(gh, `commenting on drift issue #${number}`, 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: args.owner,
    repo: args.repo,
    issue_number: number,
    body,
  });
}

/** The hidden line that names one state change's comment (see `commentOnce`). */
export function commentMarkerOf(key: string): string {
  return `<!-- bosun:drift-step ${key.replace(/--/g, '-')} -->`;
}

/** Whether the issue already has the comment of this state change, posted by the App since `since`. */
async function alreadyCommented(gh: GitHubClient, args: SyncDriftIssueArgs, number: number, since: string, marker: string): Promise<boolean> {
  const perPage = 100;
  const author = args.author?.toLowerCase();
  for (let page = 1; ; page++) {
    const res = await call(gh, `reading drift issue #${number}'s comments`, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: args.owner,
      repo: args.repo,
      issue_number: number,
      since,
      per_page: perPage,
      page,
    });
    const comments = res.data as Array<{ body?: string | null; user?: { login?: string; type?: string } | null }>;
    const ours = comments.filter((c) => (author ? c.user?.login?.toLowerCase() === author : c.user?.type === 'Bot'));
    if (ours.some((c) => (c.body ?? '').includes(marker))) return true;
    if (comments.length < perPage) return false;
  }
}

function normalize(text: string): string {
  return text.replace(/\r\n/g, '\n');
}
