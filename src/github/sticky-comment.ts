import { call } from './call.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { errorStatus, GitHubError } from './errors.ts';

/** GitHub's limit for an issue or PR comment body. */
export const maxCommentChars = 65_536;

export interface StickyCommentArgs extends RepoRef {
  /** PR (issue) number. */
  issue: number;
  /** Which sticky comment: one per marker, e.g. `plan` → `<!-- bosun:plan -->`. */
  marker: string;
  body: string;
  /**
   * Only comments by this login count (the App's bot login, `<slug>[bot]`). Without it, only comments
   * by bot accounts count. Either way a person's comment that starts with the marker is never edited.
   */
  author?: string;
  /**
   * When the comment exists, its new full body is made from its current one (marker line included) right
   * after it was found, instead of `body` — so a caller adding its part to a comment another job writes
   * (the applied lines under a plan report) never replaces what that job wrote since the caller looked.
   */
  revise?: (current: string) => string;
  /** Told about a duplicate whose delete failed (it is deleted on the next ensure). */
  log?: StickyCommentLog;
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  nodeId: string;
  url: string;
  /** Later copies with the same marker by the same author (a race, or a create GitHub did but answered 5xx) that were deleted. */
  deleted: number[];
  /** Later copies whose delete failed: left for the next ensure, which deletes them again. */
  duplicates: Array<{ id: number; nodeId: string }>;
}

/** Where a failed delete of a duplicate is told: it never fails the caller. */
export interface StickyCommentLog {
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface IssueComment {
  id: number;
  node_id: string;
  html_url: string;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
}

export function commentMarker(marker: string): string {
  if (!/^[A-Za-z0-9._:/-]+$/.test(marker) || marker.includes('--')) {
    throw new GitHubError({ message: `sticky comment marker "${marker}" may use only letters, digits, ".", "_", ":", "/" and single "-"`, field: 'marker' });
  }
  return `<!-- bosun:${marker} -->`;
}

/** The full comment body: the hidden marker on the first line, then the content. */
export function stickyBody(marker: string, body: string): string {
  const line = commentMarker(marker);
  return normalize(body).startsWith(line) ? normalize(body) : `${line}\n${normalize(body)}`;
}

/**
 * Whether a comment is the sticky comment for `marker`: its body must begin with the marker line.
 * A reply quoting the bot (`> <!-- bosun:plan -->`) or a comment mentioning it further down is not.
 */
export function isStickyComment(body: string | null | undefined, marker: string): boolean {
  if (!body) return false;
  const line = commentMarker(marker);
  const first = normalize(body).trimStart();
  return first.startsWith(line) && (first.length === line.length || first[line.length] === '\n');
}

/**
 * Keeps one comment per PR and marker: creates it when absent, edits it only when the body changed.
 * Bodies over GitHub's 65,536 characters are refused: split them first (src/report splitMarkdown).
 *
 * One comment even when two jobs create at once, or GitHub did a create and answered it with a 5xx (the
 * client cannot tell, and the job that runs again creates anew): after its own create, and whenever it
 * finds more than one, it keeps the oldest comment with the marker (written with this body, or `revise`d
 * from it) and deletes the later ones by the same author. Of two racing creators the later one always
 * sees both, so one of them cleans up. A delete that fails is logged and left for the next ensure.
 */
export async function ensureStickyComment(gh: GitHubClient, args: StickyCommentArgs): Promise<StickyCommentResult> {
  const body = stickyBody(args.marker, args.body);
  if (body.length > maxCommentChars) {
    throw new GitHubError({
      message: `the ${args.marker} comment for #${args.issue} is ${body.length} characters (marker included); GitHub allows ${maxCommentChars}. Split the report into parts that fit (splitMarkdown in src/report) before posting.`,
      field: 'body',
    });
  }
  let found = await findStickyComments(gh, args);
  let created: IssueComment | undefined;
  if (found.length === 0) {
    try {
      created = await createComment(gh, args, body);
    } catch (err) {
      // GitHub may have made the comment before it failed: look again rather than fail the job.
      if (!isServerError(err)) throw err;
      found = await findStickyComments(gh, args);
      if (found.length === 0) created = await createComment(gh, args, body);
    }
    // Another job may have created its copy meanwhile: the later creator sees both and keeps the oldest.
    if (created) {
      found = await findStickyComments(gh, args);
      // A list that does not show the new comment yet: it is the only one this ensure knows of.
      if (!found.some((c) => c.id === created!.id)) found = [...found, created].sort((a, b) => a.id - b.id);
      if (found.length === 1) return { action: 'created', id: created.id, nodeId: created.node_id, url: created.html_url, deleted: [], duplicates: [] };
    }
  }
  const [current, ...later] = found;
  // What the caller meant for the comment: its own body, or what it adds to the comment as found (its own
  // fresh copy of `body` needs no revising).
  const mine = current.id === created?.id;
  const next = args.revise && !mine ? args.revise(normalize(current.body ?? '')) : body;
  let kept: IssueComment = current;
  let action: StickyCommentResult['action'] = mine ? 'created' : 'unchanged';
  if (normalize(current.body ?? '') !== next) {
    const res = await call(gh, `updating the ${args.marker} comment on #${args.issue}`, 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
      owner: args.owner,
      repo: args.repo,
      comment_id: current.id,
      body: next,
    });
    kept = res.data as IssueComment;
    action = 'updated';
  }
  const { deleted, left } = await deleteDuplicates(gh, args, current, later);
  return { action, id: kept.id, nodeId: kept.node_id, url: kept.html_url, deleted, duplicates: left.map((c) => ({ id: c.id, nodeId: c.node_id })) };
}

async function createComment(gh: GitHubClient, args: StickyCommentArgs, body: string): Promise<IssueComment> {
  const res = await call(gh, `creating the ${args.marker} comment on #${args.issue}`, 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
    owner: args.owner,
    repo: args.repo,
    issue_number: args.issue,
    body,
  });
  return res.data as IssueComment;
}

/**
 * Deletes the later copies written by the kept comment's author (the caller's `author`, or the bot that
 * wrote the kept one): another bot's comment is left alone, a person's is never among them. A copy already
 * gone (404: a racing job deleted it) counts as deleted; any other failure is logged, not thrown.
 */
async function deleteDuplicates(gh: GitHubClient, args: StickyCommentArgs, kept: IssueComment, later: IssueComment[]): Promise<{ deleted: number[]; left: IssueComment[] }> {
  const login = (args.author ?? kept.user?.login)?.toLowerCase();
  const mine = later.filter((c) => login !== undefined && c.user?.login?.toLowerCase() === login);
  const deleted: number[] = [];
  const left: IssueComment[] = [];
  for (const c of mine) {
    try {
      await call(gh, `deleting a duplicate ${args.marker} comment on #${args.issue}`, 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}', {
        owner: args.owner,
        repo: args.repo,
        comment_id: c.id,
      });
      deleted.push(c.id);
    } catch (err) {
      if (errorStatus(err) === 404) {
        deleted.push(c.id);
        continue;
      }
      left.push(c);
      args.log?.warn(
        { issue: args.issue, marker: args.marker, commentId: c.id },
        `could not delete the duplicate ${args.marker} comment ${c.id} on #${args.issue} (${err instanceof Error ? err.message : String(err)}); the next update of the comment deletes it`,
      );
    }
  }
  return { deleted, left };
}

function isServerError(err: unknown): boolean {
  const status = errorStatus(err);
  return status !== undefined && status >= 500;
}

/** Every comment of a PR (issue), oldest first, page by page. */
export async function* issueComments(gh: GitHubClient, args: RepoRef & { issue: number }): AsyncGenerator<IssueComment> {
  const perPage = 100;
  for (let page = 1; ; page++) {
    const res = await call(gh, `listing the comments of #${args.issue}`, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: args.owner,
      repo: args.repo,
      issue_number: args.issue,
      per_page: perPage,
      page,
    });
    const comments = res.data as IssueComment[];
    yield* comments;
    if (comments.length < perPage) return;
  }
}

/** Every comment on the PR carrying the marker, oldest first (all pages). */
async function findStickyComments(gh: GitHubClient, args: StickyCommentArgs): Promise<IssueComment[]> {
  const author = args.author?.toLowerCase();
  const found: IssueComment[] = [];
  for await (const comment of issueComments(gh, args)) {
    if (author ? comment.user?.login?.toLowerCase() !== author : comment.user?.type !== 'Bot') continue;
    if (isStickyComment(comment.body, args.marker)) found.push(comment);
  }
  return found;
}

/** GitHub stores bodies with the line endings they were sent with; compare without CR noise. */
function normalize(text: string): string {
  return text.replace(/\r\n/g, '\n');
}
