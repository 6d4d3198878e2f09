/**
 * The promotion gate: an apply listing `after` (dependsOn, same push) runs once those environments
 * are applied and healthy at its commit or a newer one (src/jobs/promotion.ts decides). This file turns
 * the verdict into what the job layer does and what the check run says. Pure; the apply processor reads
 * the dependencies' last applies and posts.
 */
import type { ApplyJob } from '../../../src/jobs.ts';
import type { PromotionVerdict } from '../../../src/jobs/promotion.ts';
import { short } from './apply-text.ts';

export type GateDecision =
  | { status: 'go' }
  | { status: 'wait'; retryInMs: number; message: string }
  /** Not applied: the check run is cancelled with these texts and the failure is recorded. */
  | { status: 'stop'; message: string; title: string; summary: string; note: string };

export function promotionDecision(job: Pick<ApplyJob, 'env' | 'sha' | 'removed' | 'afterWhy'>, verdict: PromotionVerdict): GateDecision {
  if (verdict.status === 'go') return verdict;
  if (verdict.status === 'wait') return { status: 'wait', retryInMs: verdict.retryInMs, message: `${job.env} waits for ${verdict.waitingFor.join(', ')} at ${short(job.sha)}` };
  const title = job.removed ? verdict.title.replace(/^Not applied/, 'Not pruned') : verdict.title;
  const link = verdict.checkRunUrl ? ` See [${verdict.env}'s check run](${verdict.checkRunUrl}).` : '';
  const why = job.afterWhy?.[verdict.env];
  const action = job.removed ? `nothing of the removed \`${job.env}\` was pruned` : `\`${job.env}\` was not touched`;
  return {
    status: 'stop',
    message: title,
    title,
    summary: `${verdict.detail}\n\n\`${job.env}\` ${why ? `waits for \`${verdict.env}\` (${why})` : `depends on \`${verdict.env}\` (\`dependsOn\`)`}, so ${action}.${link} Fix \`${verdict.env}\` in a new pull request; its merge promotes again.`,
    note: title.replace(/^Not (applied|pruned): /, ''),
  };
}
