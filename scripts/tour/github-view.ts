// What a person sees on GitHub, read from the stand-in's state and printed as plain text: check runs
// (name, conclusion, title), the sticky comment, reactions, deployments with their statuses, issues.
import type { GitHubStandin } from '../../testkit/github-standin/index.ts';
import { changeLines, markdownToText, shorten } from './markdown.ts';

type Json = Record<string, unknown>;

const conclusionMarks: Record<string, string> = {
  success: '✔', failure: '✖', cancelled: '⊘', action_required: '!', neutral: '–', skipped: '–', timed_out: '✖',
};
const reactionEmoji: Record<string, string> = {
  eyes: '👀', rocket: '🚀', '+1': '👍', '-1': '👎', confused: '😕', hooray: '🎉', heart: '❤', laugh: '😄',
};

export function checkRunLine(run: Json): string {
  const output = (run.output ?? {}) as { title?: string | null };
  const state = run.status === 'completed' ? String(run.conclusion) : String(run.status);
  return `${conclusionMarks[state] ?? '…'} ${String(run.name)} — ${state}${output.title ? `: ${output.title}` : ''}`;
}

/** The check run's summary as a person would read it, cut to `maxLines`. */
export function checkRunSummary(run: Json, maxLines: number): string {
  const output = (run.output ?? {}) as { summary?: string | null };
  return shorten(markdownToText(output.summary ?? ''), maxLines);
}

/** bosun's check runs on a commit, newest last. */
export function bosunRuns(gh: GitHubStandin, owner: string, repo: string, sha: string, name?: string): Json[] {
  return gh.checkRuns(owner, repo, sha)
    .filter((r) => String(r.name).startsWith('bosun / ') && (name === undefined || r.name === name))
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/** One reaction as GitHub shows it: "👀 by bosun[bot]". */
export function reactionText(reaction: Json): string {
  return `${reactionEmoji[String(reaction.content)] ?? String(reaction.content)} by ${String((reaction.user as Json | undefined)?.login ?? '?')}`;
}

/** Every reaction on a comment, oldest first (the order they were added in). */
export function reactionLine(gh: GitHubStandin, commentId: number): string {
  return gh.reactions(commentId).sort((a, b) => Number(a.id) - Number(b.id)).map(reactionText).join(', ');
}

/** A deployment and its statuses in the order they were posted. */
export function deploymentLines(gh: GitHubStandin, deployment: Json): string[] {
  const statuses = gh.deploymentStatuses(Number(deployment.id)).sort((a, b) => Number(a.id) - Number(b.id));
  return [
    `deployment #${String(deployment.id)} to ${String(deployment.environment)} at ${String(deployment.sha).slice(0, 7)}: ${String(deployment.description ?? '')}`,
    ...statuses.map((s) => `  ${String(s.created_at).slice(11, 19)}  ${String(s.state).padEnd(11)} ${String(s.description ?? '')}`),
  ];
}

/** An issue as its page shows it; diffs in the body are cut to their changed lines. */
export function issueText(issue: Json, maxLines: number): string {
  const labels = ((issue.labels ?? []) as Json[]).map((l) => String(l.name)).join(', ');
  const body = String(issue.body ?? '');
  // The body's own "Diffs" heading comes back as the first line; the header below says it already.
  const diffs = changeLines(body).filter((line, i) => !(i === 0 && /^Diffs?:$/.test(line.trim())));
  const prose = diffs.length > 0 ? body.split(/^#+ .*\bDiffs?\b.*$/m)[0] : body;
  return [
    `#${String(issue.number)} ${String(issue.title)}   [${String(issue.state)}]${labels ? `   labels: ${labels}` : ''}`,
    `opened by ${String((issue.user as Json | undefined)?.login ?? '?')}`,
    '',
    shorten(markdownToText(prose), maxLines),
    ...(diffs.length > 0 ? ['', 'Diffs (live → Git, changed lines):', ...diffs] : []),
  ].join('\n');
}

export function commentText(comment: Json, maxLines: number): string {
  return [
    `${String((comment.user as Json | undefined)?.login ?? '?')} commented (last edited ${String(comment.updated_at ?? comment.created_at)}):`,
    '',
    shorten(markdownToText(String(comment.body ?? '')), maxLines),
  ].join('\n');
}
