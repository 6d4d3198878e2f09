/**
 * The "applied to <env> at <sha>" block of a merged PR's sticky comment: one line per environment,
 * re-rendered whole from the PR's entries (src/jobs/pr-records.ts) each time, between two hidden
 * markers, so the plan index above it and the block can be rewritten independently.
 */
import type { AppliedEntry } from '../jobs/pr-records.ts';
import { call } from './call.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { ensureStickyComment, isStickyComment } from './sticky-comment.ts';

export const appliedBlockStart = '<!-- bosun:applied:start -->';
export const appliedBlockEnd = '<!-- bosun:applied:end -->';

const icons: Record<AppliedEntry['state'], string> = { applied: '✅', failed: '❌', waiting: '⏸️', 'not-applied': '⛔', pruned: '🧹' };

function when(at: number): string {
  return new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/** The block for these entries ('' when there are none). */
export function renderAppliedBlock(entries: readonly AppliedEntry[]): string {
  if (entries.length === 0) return '';
  const lines = entries.map((e) => {
    const sha = `\`${e.sha.slice(0, 7)}\``;
    const what = {
      applied: `applied to \`${e.env}\` at ${sha}`,
      failed: `apply to \`${e.env}\` at ${sha} failed`,
      waiting: `\`${e.env}\` at ${sha} waits for \`/bosun apply ${e.env}\``,
      'not-applied': `not applied to \`${e.env}\` at ${sha}`,
      pruned: `\`${e.env}\` removed at ${sha}: its objects were pruned`,
    }[e.state];
    const link = e.checkRunUrl ? ` · [check run](${e.checkRunUrl})` : '';
    return `- ${icons[e.state]} ${what}${e.note ? ` — ${e.note}` : ''} (${when(e.at)})${link}`;
  });
  return [appliedBlockStart, '### After merge', '', ...lines, appliedBlockEnd].join('\n');
}

/** `body` with its applied block replaced by `block` (appended when it has none; removed when '' ). */
export function withAppliedBlock(body: string, block: string): string {
  const start = body.indexOf(appliedBlockStart);
  const end = body.indexOf(appliedBlockEnd);
  const rest = start >= 0 && end > start ? `${body.slice(0, start).trimEnd()}${body.slice(end + appliedBlockEnd.length)}`.trimEnd() : body.trimEnd();
  return block ? `${rest}\n\n${block}\n` : `${rest}\n`;
}

interface Comment {
  id: number;
  body?: string | null;
  user?: { login?: string; type?: string } | null;
}

/**
 * Puts the block into the PR's sticky comment (`marker`), keeping the rest of it; creates the comment
 * when the PR has none yet. Call it under the PR's comment lock with freshly read entries.
 */
export async function updateAppliedBlock(gh: GitHubClient, args: RepoRef & { issue: number; marker: string; author?: string; block: string }): Promise<void> {
  const author = args.author?.toLowerCase();
  let current: Comment | undefined;
  for (let page = 1; !current; page++) {
    const res = await call(gh, `listing the comments of #${args.issue}`, 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: args.owner, repo: args.repo, issue_number: args.issue, per_page: 100, page,
    });
    const comments = res.data as Comment[];
    current = comments.find((c) => (author ? c.user?.login?.toLowerCase() === author : c.user?.type === 'Bot') && isStickyComment(c.body, args.marker));
    if (comments.length < 100) break;
  }
  if (!current) {
    await ensureStickyComment(gh, { owner: args.owner, repo: args.repo, issue: args.issue, marker: args.marker, body: args.block, ...(args.author ? { author: args.author } : {}) });
    return;
  }
  const body = withAppliedBlock((current.body ?? '').replace(/\r\n/g, '\n'), args.block);
  if (body === (current.body ?? '').replace(/\r\n/g, '\n')) return;
  await call(gh, `updating the applied lines on #${args.issue}`, 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
    owner: args.owner, repo: args.repo, comment_id: current.id, body,
  });
}
