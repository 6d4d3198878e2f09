/**
 * Which step of an ApplicationSet's progressive sync (`strategy: RollingSync`) syncs each generated
 * Application, as the ApplicationSet controller picks them (applicationset_controller.go
 * buildAppDependencyList / labelMatchedExpression, docs operator-manual/applicationset/Progressive-Syncs.md):
 * - a step selects an Application when every one of its `matchExpressions` holds on the Application's
 *   labels (no expressions: every Application); `In` holds when the label is one of `values`, `NotIn` when
 *   it is none of them — or the label is absent; an absent label fails only `In`; any other operator fails
 *   on a present label (the controller logs it as invalid);
 * - an Application selected by several steps is counted in the first (its status step, whose `maxUpdate`
 *   governs it: buildAppDependencyList keeps the first in appStepMap and warns) but is listed in every one,
 *   and buildAppSyncMap sets its "may sync" flag once per listing step, so the LAST one wins: it may sync only
 *   once every step before its last is healthy — its own first step included, which is healthy only once it
 *   is synced. When a change puts it OutOfSync the rollout never syncs it and the steps after its first never
 *   start: someone must sync it by hand (it is placed in its first step, never synced by the rollout);
 * - steps run in order, each once the previous step's Applications are healthy; `maxUpdate` (an integer
 *   or a percentage of the step's Applications, rounded down but at least 1 unless `0%`; default all)
 *   caps how many sync at once, and `0` syncs none (they wait for a manual sync);
 * - an Application no step selects is never synced by the rollout: someone must sync it by hand.
 */
import type { RolloutOrder } from '../model/rollout.ts';
import { field, isRecord, list, str } from './object-fields.ts';

export interface MatchExpression {
  key: string;
  operator: string;
  values: string[];
}

export interface RollingStep {
  /** 1-based, as Argo CD numbers steps in the ApplicationSet's status. */
  number: number;
  expressions: MatchExpression[];
  maxUpdate?: number | string;
}

/** Where one generated Application sits in the rollout. */
export interface RolloutPlacement {
  appSet: string;
  steps: number;
  /** The step that syncs it; undefined when no step selects it. */
  step?: RollingStep;
  /** Later steps that select it too: the last of them decides when it may sync (see the file's comment). */
  alsoSelectedBy: number[];
  /** Argo CD's rollout never syncs it by itself: no step selects it, its step has `maxUpdate` 0, or several steps select it. */
  neverSynced: boolean;
  /** How many generated Applications its step syncs (what a percentage `maxUpdate` is taken of); set once all are placed. */
  stepSize?: number;
  /** `strategy.rollingSync.defaultPrune`: the rollout's syncs prune unless the Application's `automated.prune` says otherwise. */
  defaultPrune?: boolean;
}

/** The steps of `strategy.rollingSync`, or undefined when the strategy is not RollingSync. */
export function rollingSyncSteps(spec: unknown): RollingStep[] | undefined {
  if (str(field(spec, 'strategy', 'type')) !== 'RollingSync') return undefined;
  return list(field(spec, 'strategy', 'rollingSync', 'steps')).map((step, i): RollingStep => {
    const expressions = list(field(step, 'matchExpressions')).filter(isRecord).map((e) => ({
      key: String(e.key ?? ''),
      operator: String(e.operator ?? ''),
      values: list(e.values).map(String),
    }));
    const maxUpdate = field(step, 'maxUpdate');
    return { number: i + 1, expressions, ...(typeof maxUpdate === 'number' || typeof maxUpdate === 'string' ? { maxUpdate } : {}) };
  });
}

function holds(expression: MatchExpression, labels: Record<string, unknown>): boolean {
  const raw = labels[expression.key];
  if (raw === undefined || raw === null) return expression.operator !== 'In';
  const value = String(raw);
  if (expression.operator === 'In') return expression.values.includes(value);
  if (expression.operator === 'NotIn') return !expression.values.includes(value);
  return false;
}

/** Where an Application with these labels sits among `steps` of ApplicationSet `appSet`. */
export function placeInRollout(appSet: string, steps: readonly RollingStep[], labels: unknown): RolloutPlacement {
  const own = isRecord(labels) ? labels : {};
  const selecting = steps.filter((s) => s.expressions.every((e) => holds(e, own)));
  const step = selecting[0];
  return {
    appSet,
    steps: steps.length,
    ...(step ? { step } : {}),
    alsoSelectedBy: selecting.slice(1).map((s) => s.number),
    neverSynced: !step || syncsNone(step.maxUpdate) || selecting.length > 1,
  };
}

/** `0` or `0%`: the controller lets none of the step's Applications sync (any other percentage is at least 1). */
function syncsNone(maxUpdate: number | string | undefined): boolean {
  return (typeof maxUpdate === 'number' && maxUpdate <= 0) || maxUpdate === '0%';
}

/**
 * How many of a step's `stepSize` Applications sync at once, as updateApplicationSetApplicationStatusProgress
 * computes it (intstr.GetScaledValueFromIntOrPercent, rounded down; a string other than `0%` is floored at 1,
 * an invalid one included, since the controller only logs it); undefined without `maxUpdate` (all at once).
 */
export function maxAtOnce(maxUpdate: number | string | undefined, stepSize: number): number | undefined {
  if (maxUpdate === undefined) return undefined;
  if (typeof maxUpdate === 'number') return Math.max(0, Math.floor(maxUpdate));
  if (maxUpdate === '0%') return 0;
  const percent = /^(\d+)%$/.exec(maxUpdate);
  return Math.max(1, percent ? Math.floor((Number(percent[1]) * stepSize) / 100) : 0);
}

/** What the push needs of a placement (model/rollout.ts); `stepSize`: how many Applications its step syncs. */
export function rolloutOrder(p: RolloutPlacement, stepSize: number, file: string | undefined): RolloutOrder {
  const limit = p.step ? maxAtOnce(p.step.maxUpdate, stepSize) : undefined;
  return {
    appSet: p.appSet,
    ...(file ? { file } : {}),
    ...(p.step ? { step: p.step.number } : {}),
    ...(limit !== undefined ? { maxAtOnce: limit } : {}),
    ...(p.neverSynced ? { manual: manualWhy(p) } : {}),
  };
}

function manualWhy(p: RolloutPlacement): string {
  if (!p.step) return `no step of ApplicationSet ${p.appSet}'s RollingSync selects it: Argo CD syncs it only by hand`;
  if (p.alsoSelectedBy.length > 0) return `${severalSteps(p)}: Argo CD syncs it only by hand`;
  return `ApplicationSet ${p.appSet}'s RollingSync puts it in step ${p.step.number}, whose maxUpdate ${String(p.step.maxUpdate)} lets the rollout sync none of the step's Applications: Argo CD syncs it only by hand`;
}

/** Why an Application several steps select is never synced by the rollout once a change puts it OutOfSync. */
function severalSteps(p: RolloutPlacement): string {
  const last = p.alsoSelectedBy[p.alsoSelectedBy.length - 1];
  return `steps ${[p.step!.number, ...p.alsoSelectedBy].join(', ')} of ApplicationSet ${p.appSet}'s RollingSync all select it (the controller warns it is an invalid selection): `
    + `it counts in step ${p.step!.number}, but may sync only with step ${last}, the last that selects it, once the steps before it are healthy — step ${p.step!.number} included, which waits for it to be synced, `
    + `so once a change puts it OutOfSync the rollout never syncs it, and the steps after step ${p.step!.number} wait until someone syncs it`;
}

/** `envLabel In [dev, qa], tier NotIn [db]`; `every Application` for a step without expressions. */
export function stepSelector(step: RollingStep): string {
  if (step.expressions.length === 0) return 'every Application';
  return step.expressions.map((e) => `${e.key} ${e.operator} [${e.values.join(', ')}]`).join(', ');
}

function stepLabel(step: RollingStep): string {
  return `step ${step.number} (${stepSelector(step)}${step.maxUpdate !== undefined ? `; maxUpdate ${step.maxUpdate}` : ''})`;
}

const enabledCaveat = 'with progressive syncs enabled in the ApplicationSet controller (--enable-progressive-syncs), which bosun cannot see';

/** The note on a generated environment: which step syncs it, or loudly that none does. */
export function placementText(p: RolloutPlacement): string {
  if (!p.step) {
    return `NOT SYNCED BY ARGO CD: no step of ApplicationSet ${p.appSet}'s RollingSync (${p.steps} step${p.steps === 1 ? '' : 's'}) selects this Application, so ${enabledCaveat}, Argo CD never syncs it: what this plan shows for it reaches the cluster only when someone syncs it by hand (argocd app sync); bosun does not apply it on merge either: its merge apply waits for /bosun apply, the manual sync`;
  }
  if (p.alsoSelectedBy.length > 0 && !syncsNone(p.step.maxUpdate)) {
    return `NOT SYNCED BY ARGO CD: ${severalSteps(p)} by hand (argocd app sync): ${enabledCaveat}, what this plan shows for it reaches the cluster only then; bosun does not apply it on merge either: its merge apply waits for /bosun apply, the manual sync, and later steps wait for it`;
  }
  const also = p.alsoSelectedBy.length > 0 ? `; step${p.alsoSelectedBy.length === 1 ? '' : 's'} ${p.alsoSelectedBy.join(', ')} select${p.alsoSelectedBy.length === 1 ? 's' : ''} it too, which the ApplicationSet controller warns is an invalid selection (its status shows the first step)` : '';
  if (p.neverSynced) {
    return `NOT SYNCED BY ARGO CD: ApplicationSet ${p.appSet}'s RollingSync puts it in ${stepLabel(p.step)} of ${p.steps}, and maxUpdate ${String(p.step.maxUpdate)} lets the rollout sync none of that step's Applications: ${enabledCaveat}, what this plan shows for it reaches the cluster only when someone syncs it by hand (argocd app sync); bosun does not apply it on merge either: its merge apply waits for /bosun apply, the manual sync, and later steps wait for it${also}`;
  }
  const after = p.step.number === 1 ? 'first' : `once the Applications of steps 1–${p.step.number - 1} are healthy`;
  const batch = p.step.maxUpdate === undefined ? 'all of the step\'s Applications at once' : `at most ${String(p.step.maxUpdate)} of the step's Applications at a time`;
  return `RollingSync ${stepLabel(p.step)} of ${p.steps} of ApplicationSet ${p.appSet}: ${enabledCaveat}, Argo CD syncs it ${after}, ${batch}${also}; bosun applies it on merge in the same order (after the earlier steps' environments the merge applies are applied and healthy, ${batch}), without self-heal, as Argo CD turns automated sync off`;
}

const maxListed = 10;

/** The Applications in step order, for the ApplicationSet's note: `step 1 (…): a, b; …; no step: c`. */
export function stepOrderText(steps: readonly RollingStep[], apps: ReadonlyArray<{ name: string; placement: RolloutPlacement }>): string {
  const names = (list: string[]) => (list.length > maxListed ? `${list.slice(0, maxListed).join(', ')} and ${list.length - maxListed} more` : list.join(', '));
  const parts = steps.map((step) => {
    const mine = apps.filter((a) => a.placement.step?.number === step.number).map((a) => a.name).sort();
    const again = apps.filter((a) => a.placement.alsoSelectedBy.includes(step.number)).map((a) => `${a.name} (again: first in step ${a.placement.step!.number})`).sort();
    const all = [...mine, ...again];
    return `${stepLabel(step)}: ${all.length > 0 ? names(all) : 'none'}`;
  });
  const unselected = apps.filter((a) => !a.placement.step).map((a) => a.name).sort();
  if (unselected.length > 0) parts.push(`selected by no step, so never synced by the rollout: ${names(unselected)}`);
  return parts.join('; ');
}
