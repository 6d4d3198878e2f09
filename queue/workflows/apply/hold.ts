/**
 * Holds: whether an apply job of a merge waits for a person instead of applying. Pure rules; the apply
 * processor renders, previews and posts (apply-text.ts heldCheck) around them.
 */
import type { ApplyTrigger } from '../../../src/jobs.ts';
import type { Environment } from '../../../src/model/environment.ts';
import { keptRelease } from '../../../src/jobs/promotion.ts';
import type { PlanPin } from '../../../src/report/plan-pin.ts';

/** `manual`: the environment does not apply on merge; `plan-differs`: the merge is not what was reviewed. */
export type Hold = 'manual' | 'plan-differs';

/**
 * Only a merge is held: `/bosun apply` after merge, a sync or a rollback is a person deciding with the
 * check run's difference in front of them. Unverifiable (the planned head no longer renders) counts as
 * different: `requireMatchingPlan` asks for proof.
 */
export function holdOf(input: { trigger: ApplyTrigger; env: Pick<Environment, 'autoApply' | 'requireMatchingPlan'>; pin?: PlanPin }): Hold | undefined {
  if (input.trigger !== 'merge') return undefined;
  if (!input.env.autoApply) return 'manual';
  if (input.env.requireMatchingPlan && (input.pin?.kind === 'differs' || input.pin?.kind === 'unknown')) return 'plan-differs';
  return undefined;
}

/**
 * Whether a merge into an environment of an Argo CD ApplicationSet's RollingSync step may leave objects
 * Git dropped (its rollout sync does not prune): the apply processor then previews first and asks
 * rolloutPruneOffHold.
 */
export function mayLeaveRolloutOutOfSync(trigger: ApplyTrigger, env: Pick<Environment, 'prune' | 'rollout'>): boolean {
  return trigger === 'merge' && !env.prune && env.rollout?.step !== undefined && env.rollout.manual === undefined;
}

/**
 * Why a merge into an environment of a RollingSync step waits for `/bosun apply` when its sync leaves
 * objects Git dropped (prune off): the ApplicationSet controller syncs the Application with
 * `automated.prune` as the only prune (applicationset_controller.go syncValidApplications, syncApplication),
 * so what Git dropped stays and the Application stays OutOfSync; buildAppSyncMap lets the next step sync
 * only once appSyncEnabledForNextStep holds for every Application of this one — isApplicationHealthy (Healthy
 * and not OutOfSync) and its ApplicationSet status Healthy, which updateApplicationSetApplicationStatus
 * gives only on isApplicationHealthy. The step never completes until someone syncs it with prune: held as
 * a `manual` hold (the one a `maxUpdate: 0` step gets), so the later steps, ordered after it
 * (src/jobs/rollout-order.ts), wait for it too. Undefined: nothing is left, apply as usual.
 * What releases it is a sync with prune: `argocd app sync --prune` in Argo CD (the operation's own prune,
 * cmd/argocd/commands/app.go NewApplicationSyncCommand), `/bosun sync <env> --prune` (or `/bosun apply <env>
 * --prune` on the merged pull request) here. `/bosun apply <env>` alone applies without prune, as a manual
 * sync without the Prune box does: the objects stay, the step stays not done and every later merge is held
 * again. An object a rule keeps (`Prune=false`; `keptByPruneRule`, counted apart by the preview) stays even
 * then, as gitops-engine's pruneObject skips it ("ignored (no prune)") and the Application stays OutOfSync
 * (argo-cd docs/user-guide/sync-options.md "No Prune Resources"): a sync with prune does not release it, so
 * it alone does not hold the merge — the rollout's sync goes ahead as Argo CD's would, and the later steps
 * wait on the apply's record (src/jobs/promotion.ts) until it is deleted by hand; with objects to prune as
 * well, the hold's text says so.
 */
export function rolloutPruneOffHold(trigger: ApplyTrigger, env: Pick<Environment, 'name' | 'prune' | 'rollout'>, leftByPruneOff: number | undefined, keptByPruneRule?: number): string | undefined {
  if (!mayLeaveRolloutOutOfSync(trigger, env) || !leftByPruneOff) return undefined;
  const r = env.rollout!;
  const also = keptByPruneRule ? `; ${keptByPruneRule} more kept by Prune=false stay even then (${keptRelease(env.name)})` : '';
  return `ApplicationSet ${r.appSet}'s RollingSync syncs it in step ${String(r.step)} without prune, and ${leftByPruneOff} object(s) Git no longer has would stay: the Application stays OutOfSync after the rollout's sync, so Argo CD never finds step ${String(r.step)} done and later steps wait until someone syncs it with prune (argocd app sync --prune; with bosun, \`/bosun sync ${env.name} --prune\`)${also}`;
}

/** Whether a successful apply ends a rollback's pin: Git's state is back (a newer merge, or a sync). */
export function endsPin(trigger: ApplyTrigger): boolean {
  return trigger === 'merge' || trigger === 'sync';
}

/** Whether the merged pull request's comment gets an "applied to <env>" line for this apply. */
export function notesPullRequest(trigger: ApplyTrigger): boolean {
  return trigger === 'merge' || trigger === 'command';
}
