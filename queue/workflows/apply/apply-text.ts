/**
 * What an apply says where people look: the check run's title and summary, the deployment's
 * description, the one-line summary in the environment's apply record. Pure text from facts; the life
 * cycle (life-cycle.ts) posts it and the rules (hold.ts, plan-pin.ts, promotion-gate.ts) decide it.
 */
import { renderApplySummary, type ApplyReport } from '../../../src/cluster/index.ts';
import { applyCheckRunName } from '../../../src/github/names.ts';
import type { ApplyJob, OwedPrune } from '../../../src/jobs.ts';
import { keptRelease } from '../../../src/jobs/promotion.ts';
import type { RolloutOrder } from '../../../src/model/rollout.ts';
import type { PreviewResult } from '../../../src/model/preview.ts';
import { renderPreviewMarkdown } from '../../../src/report/preview-section.ts';
import { planPinSummary, planPinText, type PlanPin } from '../../../src/report/plan-pin.ts';
import type { Hold } from './hold.ts';

export const short = (sha: string): string => sha.slice(0, 7);


type Facts = Pick<ApplyJob, 'env' | 'sha' | 'trigger'> & Partial<Pick<ApplyJob, 'pr' | 'requestedBy' | 'removed'>>;

/** The check run while the apply works. */
export function workingText(job: Facts): { title: string; summary: string } {
  const title = job.removed ? `Removing ${job.env}…` : job.trigger === 'rollback' ? `Rolling ${job.env} back to ${short(job.sha)}…` : `Applying to ${job.env}…`;
  return { title, summary: `Rendering, validating and applying \`${short(job.sha)}\` to \`${job.env}\`.` };
}

/**
 * The check run of an apply inside another job (a `/bosun apply` before merge) that found no turn free
 * under the apply limits: queued, saying what it waits for (`wait`: src/jobs/apply-slots.ts applySlotWaitText).
 */
export function waitingForTurnText(job: Facts, wait: string): { title: string; summary: string } {
  return { title: `Waiting for an apply slot for ${job.env}`, summary: `\`${short(job.sha)}\` is applied to \`${job.env}\` once it has its turn: ${wait}.` };
}

/** The queued run of an apply whose job stopped while it waited (a worker shutting down): the job runs again. */
export function stoppedWaitingText(job: Facts): { title: string; summary: string } {
  return { title: `Stopped waiting for an apply slot for ${job.env}`, summary: `The worker stopped while \`${short(job.sha)}\` waited for its turn to be applied to \`${job.env}\`; the command runs again on another worker, and its reply says how it ended.` };
}

/** The deployment's `in_progress` description. */
export function inProgressText(job: Facts): string {
  return `Applying ${short(job.sha)} to ${job.env}`;
}

/** A rollback or a sync deploys an older or the same commit again: its deployment must not read like a merge. */
export function deploymentDescription(job: Facts): string {
  const sha = short(job.sha);
  const by = job.requestedBy ? ` for @${job.requestedBy}` : '';
  switch (job.trigger) {
    case 'merge':
      return `bosun applies the merge ${sha} to ${job.env}`;
    case 'rollback':
      return `bosun rolls ${job.env} back to ${sha}${job.pr ? ` (rollback of #${job.pr})` : ''}${by}`;
    case 'sync':
      return `bosun syncs ${job.env} with ${sha} (full desired state)${by}`;
    case 'pre-merge':
      return `bosun applies #${job.pr ?? '?'}'s head ${sha} to ${job.env} before merge${by}`;
    case 'heal':
      return `bosun heals drift in ${job.env} at ${sha}`;
    default:
      return `bosun applies ${sha} to ${job.env}`;
  }
}

/** `3 created, 1 configured, 0 pruned, healthy`: the apply record's summary. */
export function countsLine(report: ApplyReport): string {
  const c = report.counts;
  const parts = [`${c.created} created`, `${c.configured} configured`, `${c.pruned} pruned`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (report.health) parts.push(report.health.verdict);
  return parts.join(', ');
}

/** The check run's title for an apply that ran. */
export function appliedTitle(job: Facts, ok: boolean): string {
  if (!ok) return `Apply of ${short(job.sha)} to ${job.env} failed`;
  return job.trigger === 'rollback' ? `Rolled ${job.env} back to ${short(job.sha)}` : `Applied ${short(job.sha)} to ${job.env}`;
}

export function applySummaryMarkdown(job: Facts, report: ApplyReport): string {
  const c = report.counts;
  const lines = [
    `${report.ok ? '✅' : '❌'} \`${short(job.sha)}\` → \`${job.env}\` on cluster \`${report.cluster}\` in ${(report.durationMs / 1000).toFixed(1)} s (${job.trigger}).`,
    '',
    '| created | configured | unchanged | pruned | skipped | failed |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${c.created} | ${c.configured} | ${c.unchanged} | ${c.pruned} | ${c.skipped} | ${c.failed} |`,
    '',
  ];
  if (report.health) {
    const h = report.health;
    const healthy = h.objects.filter((o) => o.status === 'healthy').length;
    lines.push(`**Health:** ${h.verdict} (${healthy} of ${h.objects.length} healthy after ${(h.elapsedMs / 1000).toFixed(1)} s)`);
  } else {
    lines.push('**Health:** not checked');
  }
  const prunes = report.objects.filter((o) => o.stage === 'prune');
  lines.push(`**Prune:** ${report.pruned} deleted${prunes.length > report.pruned ? `, ${prunes.length - report.pruned} kept` : ''}`);
  const sync = syncLine(report);
  if (sync) lines.push(`**Sync:** ${sync}`);
  for (const note of report.notes) lines.push(`- ${note}`);
  return lines.join('\n');
}

/** Argo CD hooks and waves, when the apply had them: `PreSync ✓ → wave -1 ✓ → wave 1 ✗ → PostSync not run`. */
function syncLine(report: ApplyReport): string | undefined {
  if (!report.steps || report.steps.length === 0) return undefined;
  const mark = { ok: '✓', failed: '✗ failed', unhealthy: '✗ unhealthy', timeout: '✗ timed out', 'not run': 'not run' } as const;
  return report.steps.map((s) => `${s.phase === 'Sync' ? `wave ${s.wave}` : `${s.phase}${s.wave ? ` (wave ${s.wave})` : ''}`} ${mark[s.outcome] ?? s.outcome}`).join(' → ');
}

/** Why a sync stopped, for the deployment status: the first failed step's own words. */
function syncFailure(report: ApplyReport): string | undefined {
  return report.steps?.find((s) => s.outcome !== 'ok' && s.outcome !== 'not run' && s.phase !== 'SyncFail')?.message;
}

/**
 * The check run of an apply that ran: verdict, table, plan pinning; for an environment of a RollingSync step
 * (`rollout`), whether objects Git no longer has keep its step not done (stepNotDone).
 */
export function appliedCheck(job: Facts, report: ApplyReport, pin: PlanPin | undefined, rollout?: RolloutOrder): { title: string; summary: string; text: string; description: string } {
  const title = appliedTitle(job, report.ok);
  const notDone = rollout ? stepNotDone(job.env, report, rollout) : undefined;
  return {
    title,
    summary: [applySummaryMarkdown(job, report), ...(notDone ? ['', notDone] : []), ...(pin ? ['', planPinSummary(pin, job.sha)] : [])].join('\n'),
    text: `\`\`\`\n${renderApplySummary(report)}\`\`\`\n${pin ? `\n${planPinText(pin, job.sha)}` : ''}`,
    description: `${title}: ${(!report.ok && syncFailure(report)) || countsLine(report)}`,
  };
}

/**
 * A successful apply of a RollingSync step that left objects Git no longer has is not the step done: the
 * Application stays OutOfSync (argo-cd docs/user-guide/sync-options.md "No Prune Resources": "The app will be
 * out of sync if Argo CD expects a resource to be pruned"), and applicationset_controller.go
 * appSyncEnabledForNextStep (isApplicationHealthy: not OutOfSync) keeps the later steps waiting
 * (src/jobs/promotion.ts). Said on the step's own check run, which alone would read as plain success, with
 * what releases it: a sync with prune for what prune-off left, deleting by hand for what Prune=false kept.
 */
export function stepNotDone(env: string, report: Pick<ApplyReport, 'ok' | 'leftByPruneOff' | 'keptByPruneRule'>, rollout: Pick<RolloutOrder, 'appSet' | 'step'>): string | undefined {
  const left = report.leftByPruneOff ?? 0;
  const kept = report.keptByPruneRule ?? 0;
  if (!report.ok || rollout.step === undefined || left + kept === 0) return undefined;
  const step = `step ${String(rollout.step)} of ApplicationSet \`${rollout.appSet}\``;
  return [
    `**RollingSync:** ${String(left + kept)} object(s) Git no longer has stay in \`${env}\`, so its Application stays OutOfSync and ${step} is not done: any later RollingSync step waits.`,
    ...(left > 0 ? [`- ${String(left)} left because prune was off: comment \`/bosun sync ${env} --prune\` on any pull request to delete them.`] : []),
    ...(kept > 0 ? [`- ${String(kept)} kept by \`Prune=false\` (or \`Prune=confirm\`, \`bosun.dev/prune: disabled\`), which a sync with prune leaves too: ${keptRelease(env)}.`] : []),
  ].join('\n');
}

/** A failure that a retry may fix (the cluster, git or GitHub did not answer), after the last attempt. */
export function gaveUpCheck(job: Facts, attempts: number, message: string): { title: string; summary: string; description: string } {
  return {
    title: `Apply of ${short(job.sha)} to ${job.env} failed`,
    summary: `bosun gave up applying \`${short(job.sha)}\` to \`${job.env}\` after ${attempts} attempt(s): ${message}`,
    description: `Apply failed: ${message}`,
  };
}

/** The commit itself cannot be applied (render, validation, configuration). */
export function nothingAppliedCheck(job: Facts, problem: string): { title: string; summary: string; description: string } {
  return {
    title: `Nothing applied to ${job.env}`,
    summary: `bosun could not apply \`${short(job.sha)}\` to \`${job.env}\`; nothing was changed in the cluster.\n\n\`\`\`\n${problem}\n\`\`\``,
    description: `Nothing applied: ${problem}`,
  };
}

/** The environment lease was lost while the run worked: another job may be changing the environment. */
export function leaseLostCheck(job: Facts): { title: string; summary: string; description: string } {
  return {
    title: `Apply of ${short(job.sha)} to ${job.env} stopped: environment lease lost`,
    summary: `bosun lost \`${job.env}\`'s environment lease while applying \`${short(job.sha)}\` (its renewal found the lease gone or Redis out of reach), so it stopped before reporting a result: another job may be changing \`${job.env}\`. The cluster may be partly changed; the next apply, \`/bosun sync ${job.env}\` or a drift heal brings it back to Git.`,
    description: `Stopped: the environment lease was lost`,
  };
}

/** The check run while a failed attempt waits for the next. */
export function retryingText(job: Facts, attempt: number, message: string): { title: string; summary: string } {
  return { title: `Applying to ${job.env}…`, summary: `Attempt ${attempt} failed: ${message}; bosun tries again.` };
}

/** A merge that waits for `/bosun apply <env>`: the check run shows what applying would do. */
export function heldCheck(job: Facts, hold: Hold, cluster: string, preview: PreviewResult, pin: PlanPin | undefined, manual?: string): { title: string; summary: string; text: string } {
  // An Argo CD rollout waits until this Application is synced and not OutOfSync: with prune off, only a
  // sync with prune gets there (hold.ts rolloutPruneOffHold); one without leaves what Git dropped and the
  // step, and every later merge, held.
  const withPrune = hold === 'manual' && manual !== undefined && (preview.leftByPruneOff ?? 0) > 0;
  const how = withPrune
    ? `${job.pr ? `Comment \`/bosun apply ${job.env} --prune\` on #${job.pr} (this merge commit) or` : 'No pull request brought this commit in; comment'} \`/bosun sync ${job.env} --prune\` on any pull request (the default branch's tip) to apply it and delete the ${String(preview.leftByPruneOff)} object(s) Git no longer has; without \`--prune\` they stay and the step stays not done.`
    : job.pr
      ? `Comment \`/bosun apply ${job.env}\` on #${job.pr} to apply it.`
      : `No pull request brought this commit in; \`/bosun sync ${job.env}\` on any pull request applies the default branch.`;
  const reason = hold === 'manual'
    ? manual ? `\`${job.env}\` waits for a manual sync: ${manual}, so bosun does not apply it on merge either.` : `\`${job.env}\` does not apply on merge (\`autoApply: false\`).`
    : `\`${job.env}\` has \`requireMatchingPlan: true\` and the merge commit ${pin?.kind === 'unknown' ? 'could not be compared with' : 'differs from'} what #${job.pr}'s last plan showed, so bosun did not apply it.`;
  const c = preview.counts;
  return {
    title: hold === 'manual' ? (withPrune ? `Waits for a sync with prune: /bosun sync ${job.env} --prune` : manual ? `Waits for a manual sync: /bosun apply ${job.env}` : `Waiting for /bosun apply ${job.env}`) : pin?.kind === 'unknown' ? 'Not applied: cannot compare with the reviewed plan' : 'Not applied: differs from the reviewed plan',
    summary: [
      `${reason} ${how}`,
      '',
      `Applying \`${short(job.sha)}\` now would: **+${c.create} ~${c.update} −${c.prune}**, ${c.unchanged} unchanged${c.conflict ? `, ${c.conflict} conflict(s)` : ''}${c.rejected ? `, ${c.rejected} rejected` : ''} on cluster \`${cluster}\`.`,
      ...(pin ? ['', planPinSummary(pin, job.sha)] : []),
    ].join('\n'),
    text: `${pin ? planPinText(pin, job.sha) : ''}${renderPreviewMarkdown(preview)}`,
  };
}

/** The note on the merged PR's "applied to" line for a held apply. */
export function heldNote(hold: Hold, pin: PlanPin | undefined, manual?: string): string {
  if (hold === 'manual') return manual ? 'waits for a manual sync (Argo CD RollingSync)' : 'autoApply is off';
  return pin?.kind === 'unknown' ? 'the merge commit could not be compared with the reviewed plan' : 'the merge commit differs from the reviewed plan';
}

/** The removed environment kept its objects (`prune: false`, or why its controller leaves them: removalKeepReason). */
export function pruneOffCheck(job: Facts, cluster: string, why = 'prune: false'): { title: string; summary: string } {
  const had = why === 'prune: false' ? 'It had `prune: false`' : `Its objects stay: ${why}`;
  return { title: `${job.env} removed; its objects stay (${truncate(why, 120)})`, summary: `\`${job.env}\` is no longer in the configuration at \`${short(job.sha)}\`. ${had}, so bosun left its objects on cluster \`${cluster}\`.` };
}

export function pruneUnregisteredCheck(job: Facts, cluster: string): { title: string; summary: string; description: string } {
  const title = `Not pruned: cluster ${cluster} is not registered`;
  return { title, summary: `\`${job.env}\` was removed from the configuration, but this bosun has no credentials for cluster \`${cluster}\` (BOSUN_CLUSTERS), so its objects stay.`, description: title };
}

export function prunedCheck(job: Facts, definedAt: string, cluster: string, report: ApplyReport): { title: string; summary: string; text: string; description: string } {
  const kept = report.notes.length ? `\n\n${report.notes.map((n) => `- ${n}`).join('\n')}` : '';
  const title = report.ok ? `Removed ${job.env}: pruned ${report.pruned} object(s)` : `Pruning the removed ${job.env} failed`;
  return {
    title,
    summary: `\`${job.env}\` is no longer in the configuration at \`${short(job.sha)}\` (it was defined at \`${short(definedAt)}\`): bosun ${report.ok ? 'deleted' : 'tried to delete'} what it had applied for it on cluster \`${cluster}\`. **Prune:** ${report.pruned} deleted. Objects that another environment applied since (a rename) are kept.${kept}`,
    text: `\`\`\`\n${renderApplySummary(report)}\`\`\`\n`,
    description: `${title}: ${countsLine(report)}`,
  };
}

export function supersededCheck(job: Pick<Facts, 'env' | 'sha'> & Partial<Pick<ApplyJob, 'prune'>>, by: { sha: string } | undefined): { title: string; summary: string } {
  const newer = by ? `\`${short(by.sha)}\`` : 'a newer commit';
  // The prune is owed to the environment, not to this job (src/jobs/owed-prune.ts): say where it went.
  const prune = job.prune
    ? ` Its \`--prune\` is not dropped: the next merge, sync or \`/bosun apply ${job.env}\` of ${newer} or a newer commit prunes what Git no longer has (a rollback does not), and its check run says so.`
    : '';
  return {
    title: `Superseded by ${by ? short(by.sha) : 'a newer commit'}`,
    summary: `\`${short(job.sha)}\` was not applied to \`${job.env}\`: it was superseded by ${newer}, which was merged later. bosun never applies an older commit after a newer one; see the newer commit's \`${applyCheckRunName(job.env)}\` check.${prune}`,
  };
}

/** The line an apply's check run carries when it prunes for a `--prune` an older request asked for (owed-prune.ts). */
export function carriedPruneLine(job: Pick<Facts, 'env' | 'sha'>, owed: OwedPrune): string {
  const who = owed.requestedBy ? ` by @${owed.requestedBy}` : '';
  return `**Prune:** this apply prunes what Git no longer has because of the \`--prune\` asked${who} for \`${short(owed.sha)}\`, whose apply \`${short(job.sha)}\` superseded before it ran.`;
}

export function abandonedCheck(job: Pick<Facts, 'env' | 'sha'>, message: string): { title: string; summary: string; description: string } {
  return {
    title: `Apply of ${short(job.sha)} to ${job.env} abandoned`,
    summary: `The apply of \`${short(job.sha)}\` to \`${job.env}\` did not finish: ${message}. The cluster may be partly changed; the next merge, \`/bosun sync ${job.env}\` or a drift heal brings it back to Git.`,
    description: 'Abandoned: the workers running it stopped responding',
  };
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
