/**
 * Holds: whether an apply job of a merge waits for a person instead of applying. Pure rules; the apply
 * processor renders, previews and posts (apply-text.ts heldCheck) around them.
 */
import type { ApplyTrigger } from '../../../src/jobs.ts';
import type { Environment } from '../../../src/model/environment.ts';
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

/** Whether a successful apply ends a rollback's pin: Git's state is back (a newer merge, or a sync). */
export function endsPin(trigger: ApplyTrigger): boolean {
  return trigger === 'merge' || trigger === 'sync';
}

/** Whether the merged pull request's comment gets an "applied to <env>" line for this apply. */
export function notesPullRequest(trigger: ApplyTrigger): boolean {
  return trigger === 'merge' || trigger === 'command';
}
