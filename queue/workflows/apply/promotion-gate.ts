/**
 * The promotion gate: an apply listing `after` (dependsOn, same push) runs once those environments
 * are applied and healthy at its commit or a newer one (src/jobs/promotion.ts decides). This file turns
 * the verdict into what the job layer does and what the check run says. Pure; the apply processor reads
 * the dependencies' last applies and posts. An earlier RollingSync step applied without prune that left
 * objects Git no longer has is not done (src/jobs/promotion.ts): the waiting check run says so and names the
 * sync that releases it, as its queued text ("Waiting for …") alone would read as still running.
 */
import type { ApplyJob } from '../../../src/jobs.ts';
import { keptRelease, leftText, type PromotionVerdict } from '../../../src/jobs/promotion.ts';
import { short } from './apply-text.ts';

export type GateDecision =
  | { status: 'go' }
  /** `check`: what the waiting (queued) check run says instead, when a dependency waits for a person. */
  | { status: 'wait'; retryInMs: number; message: string; check?: { title: string; summary: string } }
  /** Not applied: the check run is cancelled with these texts and the failure is recorded. */
  | { status: 'stop'; message: string; title: string; summary: string; note: string };

export function promotionDecision(job: Pick<ApplyJob, 'env' | 'sha' | 'removed' | 'afterWhy'>, verdict: PromotionVerdict): GateDecision {
  if (verdict.status === 'go') return verdict;
  if (verdict.status === 'wait') {
    const message = `${job.env} waits for ${verdict.waitingFor.join(', ')} at ${short(job.sha)}`;
    const left = verdict.outOfSync ?? [];
    if (left.length === 0) return { status: 'wait', retryInMs: verdict.retryInMs, message };
    const pending = verdict.waitingFor.filter((w) => !left.some((o) => o.env === w));
    // What a sync with prune releases, and what only goes by hand (kept by Prune=false…: promotion.ts keptRelease).
    const prunable = left.filter((o) => o.left > 0);
    const kept = left.filter((o) => o.kept);
    const count = (o: (typeof left)[number]) => [o.left > 0 ? `${o.left} object(s) out of sync` : '', o.kept ? `${o.kept} kept by Prune=false` : ''].filter(Boolean).join(' and ');
    return {
      status: 'wait',
      retryInMs: verdict.retryInMs,
      message: `${message} (${left.map((o) => `${o.env} left ${count(o)}`).join(', ')})`,
      check: {
        title: prunable.length > 0
          ? `Waiting for a sync with prune: ${prunable.map((o) => `/bosun sync ${o.env} --prune`).join(', ')}`
          : `Waiting for objects kept by Prune=false in ${kept.map((o) => o.env).join(', ')} to be deleted`,
        summary: [
          `\`${job.env}\` is applied once ${verdict.waitingFor.map((w) => `\`${w}\``).join(', ')} ${verdict.waitingFor.length === 1 ? 'is' : 'are'} applied, healthy and in sync at \`${short(job.sha)}\` or a newer commit:`,
          ...left.map((o) => `- ${leftText(o)}. \`${job.env}\` waits for it: ${job.afterWhy?.[o.env] ?? 'an earlier RollingSync step'}.`),
          ...pending.map((w) => `- \`${w}\`: no result at this commit yet (${job.afterWhy?.[w] ?? 'listed in `dependsOn`'}).`),
          '',
          ...(prunable.length > 0 ? [`Comment ${prunable.map((o) => `\`/bosun sync ${o.env} --prune\``).join(', ')} on any pull request to apply the default branch's tip with prune and delete what Git no longer has; \`${job.env}\` then follows. A plain \`/bosun apply\` leaves those objects, as a manual sync without prune does.`] : []),
          ...kept.map((o) => `\`${o.env}\`: a sync with prune leaves what \`Prune=false\` keeps (gitops-engine: "ignored (no prune)") and its Application stays OutOfSync: ${keptRelease(o.env)}; \`${job.env}\` then follows.`),
        ].join('\n'),
      },
    };
  }
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
