import { call } from './call.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { GitHubError } from './errors.ts';

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
}

export interface StickyCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  id: number;
  nodeId: string;
  url: string;
  /** Later comments carrying the same marker (from a race); callers may minimize or delete them. */
  duplicates: Array<{ id: number; nodeId: string }>;
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
 */
export async function ensureStickyComment(gh: GitHubClient, args: StickyCommentArgs): Promise<StickyCommentResult> {
  const body = stickyBody(args.marker, args.body);
  if (body.length > maxCommentChars) {
    throw new GitHubError({
      message: `the ${args.marker} comment for #${args.issue} is ${body.length} characters (marker included); GitHub allows ${maxCommentChars}. Split the report into parts that fit (splitMarkdown in src/report) before posting.`,
      field: 'body',
    });
  }
  const found = await findStickyComments(gh, args);
  const [current, ...rest] = found;
  const duplicates = rest.map((c) => ({ id: c.id, nodeId: c.node_id }));
  if (!current) {
    const res = await call(gh, `creating the ${args.marker} comment on #${args.issue}`, 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: args.owner,
      repo: args.repo,
      issue_number: args.issue,
      body,
    });
    const created = res.data as IssueComment;
    return { action: 'created', id: created.id, nodeId: created.node_id, url: created.html_url, duplicates };
  }
  const next = args.revise ? args.revise(normalize(current.body ?? '')) : body;
  if (normalize(current.body ?? '') === next) {
    return { action: 'unchanged', id: current.id, nodeId: current.node_id, url: current.html_url, duplicates };
  }
  const res = await call(gh, `updating the ${args.marker} comment on #${args.issue}`, 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
    owner: args.owner,
    repo: args.repo,
    comment_id: current.id,
    body: next,
  });
  const updated = res.data as IssueComment;
  return { action: 'updated', id: updated.id, nodeId: updated.node_id, url: updated.html_url, duplicates };
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
