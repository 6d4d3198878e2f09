/**
 * What people read about a rollback: the revert pull request's title and body, and the replies on the
 * rolled-back PR. Pure text from facts, so the wording is tested without GitHub.
 */
import type { ApplyRecord } from '../jobs.ts';
import { describeMode, type RevertPlan } from './revert-mode.ts';

const short = (sha: string): string => sha.slice(0, 7);

/** GitHub caps pull request titles at 256 characters. */
export function revertTitle(pr: number, title: string): string {
  const full = `Revert #${pr}: ${title}`;
  return full.length <= 256 ? full : `${full.slice(0, 255)}…`;
}

export interface RevertBodyFacts {
  pr: number;
  prUrl: string;
  prTitle: string;
  env: string;
  requestedBy: string;
  /** The command as written (`/bosun rollback staging --now`). */
  command: string;
  /** The ChatOps prefix, for the `sync` hint. */
  prefix: string;
  defaultBranch: string;
  plan: RevertPlan;
  /** Set when `--now` re-applied an older state at once. */
  now?: { target: ApplyRecord };
}

export function revertBody(f: RevertBodyFacts): string {
  const lines = [
    `This reverts #${f.pr} (${f.prUrl}), "${f.prTitle}".`,
    '',
    `@${f.requestedBy} asked for it with \`${f.command}\` on #${f.pr}. bosun ${describeMode(f.plan)} on top of \`${f.defaultBranch}\`.`,
    '',
    `**Merging this pull request applies the revert**: like any merge, it is applied to every environment it touches, \`${f.env}\` included.`,
  ];
  if (f.now) {
    lines.push(
      '',
      `\`${f.env}\` was already rolled back to \`${short(f.now.target.sha)}\`, its last successful state from before #${f.pr}, and is pinned there: drift detection compares it with that commit and does not undo the rollback. The pin ends when the next merge to \`${f.defaultBranch}\` (this one, or any other) is applied, or with \`${f.prefix} sync ${f.env}\`.`,
    );
  }
  return lines.join('\n');
}

/** The files a conflicting revert left unmerged, as a reply. */
export function conflictReply(f: { pr: number; env: string; mergeSha: string; defaultBranch: string; files: readonly string[]; plan: RevertPlan }): string {
  const list = f.files.length ? f.files.map((file) => `- \`${file}\``).join('\n') : '- (git named no file)';
  const how = f.plan.mode === 'merge-commit' ? `git revert -m 1 ${short(f.mergeSha)}` : `git revert ${f.plan.commits.map(short).join(' ')}`;
  return [
    `❌ #${f.pr} cannot be reverted automatically on \`${f.defaultBranch}\`: later changes touch the same lines. Conflicting file${f.files.length === 1 ? '' : 's'}:`,
    '',
    list,
    '',
    `Nothing was pushed. Revert it by hand (\`${how}\`, resolve the conflicts) and open a pull request; merging it applies the revert to \`${f.env}\`.`,
  ].join('\n');
}

/** "also undoes" line for `--now` when commits after the PR were applied to the environment. */
export function alsoUndoneLine(env: string, undone: readonly ApplyRecord[]): string | undefined {
  if (undone.length === 0) return undefined;
  const items = undone.map((r) => `\`${short(r.sha)}\`${r.pr ? ` (#${r.pr})` : ''}`).join(', ');
  return `⚠️ This also takes back what was applied to \`${env}\` after it: ${items}. Merging the revert pull request brings those back.`;
}
