/**
 * The "applied to <env> at <sha>" block of a merged PR's sticky comment: one line per environment,
 * re-rendered whole from the PR's entries (src/jobs/pr-records.ts) each time, between two hidden
 * markers, so the plan index above it and the block can be rewritten independently.
 */
import type { AppliedEntry } from '../jobs/pr-records.ts';
import { changeSummaryPattern, splitMarkdown } from '../report/index.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { ensureStickyComment, maxCommentChars, type StickyCommentLog } from './sticky-comment.ts';

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

/** Most of a plan comment kept free for a merge's block to come; a bigger block makes room itself (`fitAppliedBlock`). */
const maxLaterRoom = 8_000;

/**
 * Characters a plan comment leaves for its "After merge" block (separators included): the block it has
 * now, or what a merge may add later — a line per environment the comment shows — whichever is larger.
 */
export function appliedBlockRoom(block: string, envs: readonly string[]): number {
  // A line: icon, state words, the environment twice, a note (≤ 120), the time, a check run URL.
  const later = envs.length === 0 ? 0 : appliedBlockStart.length + appliedBlockEnd.length + 20 + envs.reduce((n, env) => n + 2 * env.length + 420, 0);
  return 3 + Math.max(block.length, Math.min(later, maxLaterRoom));
}

/**
 * `withAppliedBlock`, kept within `maxChars` (GitHub's limit): when the block outgrew the room the plan
 * comment left for it, the plan part above is cut where markdown allows and what was cut is counted.
 */
export function fitAppliedBlock(body: string, block: string, maxChars = maxCommentChars): string {
  const whole = withAppliedBlock(body, block);
  if (whole.length <= maxChars) return whole;
  const rest = withAppliedBlock(body, '').trimEnd();
  const [kept = ''] = splitMarkdown(rest, Math.max(1, maxChars - (block ? block.length + 3 : 1)), {
    maxParts: 1,
    items: [{ label: 'changes', match: changeSummaryPattern }],
    truncationHint: 'Each environment\'s check run has its full report.',
  });
  return withAppliedBlock(kept, block);
}

/**
 * Puts the block into the PR's sticky comment (`marker`), keeping the rest of it; creates the comment
 * when the PR has none yet. Call it under the PR's comment lock with freshly read entries.
 */
export async function updateAppliedBlock(gh: GitHubClient, args: RepoRef & { issue: number; marker: string; author?: string; block: string; log?: StickyCommentLog }): Promise<void> {
  // One find, then the block spliced into the comment as found: a plan report posted meanwhile is kept.
  await ensureStickyComment(gh, {
    owner: args.owner, repo: args.repo, issue: args.issue, marker: args.marker, body: args.block,
    ...(args.author ? { author: args.author } : {}),
    ...(args.log ? { log: args.log } : {}),
    revise: (current) => fitAppliedBlock(current, args.block),
  });
}
