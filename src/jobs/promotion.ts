/**
 * Promotion order (`dependsOn`): whether an apply may run now, must wait, or must not run because an
 * environment it depends on failed. Pure: the caller reads each dependency's last apply from the
 * EnvStatusStore (Redis), so the decision survives worker restarts and needs no state of its own.
 *
 * The rule: an apply of commit C (order `seq`) waits for a result of each dependency at C or at a newer
 * commit (seq ≥ C's). A result at C itself decides: ok → go, failed/unhealthy → stop. When the
 * dependency's apply of C was superseded by a newer commit, the newer result decides the same way: a
 * healthy newer staging contains C's change too, and a broken newer staging means production must not
 * move either. A result older than C means the dependency has not got there yet: wait.
 *
 * An earlier step of an Argo CD RollingSync (`rollout`: an edge of src/jobs/rollout-order.ts) is done only
 * when its result is ok AND left nothing out of sync: argo-cd applicationset/controllers/
 * applicationset_controller.go buildAppSyncMap lets the next step sync only when appSyncEnabledForNextStep
 * holds for every Application of the step — isApplicationHealthy (Healthy, sync status not OutOfSync,
 * operation Succeeded or none) and its ApplicationSet status Healthy, which
 * updateApplicationSetApplicationStatus gives only on isApplicationHealthy. An apply without prune that left
 * objects Git no longer has (a plain `/bosun apply <env>` of a step held by prune-off) succeeded, but the
 * Application stays OutOfSync: later steps keep waiting until a sync with prune leaves nothing. `dependsOn`
 * keeps its own rule (docs/github-app.md: successful and healthy at the commit or a newer one).
 */
import type { ApplyRecord } from './env-status.ts';

export interface DependencyState {
  env: string;
  /** The dependency's last recorded apply, if any. */
  last?: Pick<ApplyRecord, 'sha' | 'seq' | 'ok' | 'health' | 'checkRunUrl' | 'summary' | 'leftByPruneOff' | 'keptByPruneRule'>;
  /**
   * An earlier RollingSync step (or a `maxUpdate` lane: updateApplicationSetApplicationStatusProgress counts an
   * Application still Progressing against maxUpdate, and one left OutOfSync never leaves Progressing): done only
   * once its last apply left nothing out of sync.
   */
  rollout?: boolean;
}

/** A RollingSync dependency applied without prune that left objects Git no longer has: its step is not done. */
export interface LeftOutOfSync {
  env: string;
  /** The commit of its last apply. */
  sha: string;
  /** Objects left that keep it OutOfSync and a sync with prune deletes (ApplyRecord.leftByPruneOff). */
  left: number;
  /**
   * Objects a rule (`Prune=false`…) kept that keep it OutOfSync too (ApplyRecord.keptByPruneRule): a sync with
   * prune leaves them (gitops-engine sync_context.go pruneObject: "ignored (no prune)"), so only deleting them
   * by hand or removing the option releases the step. Absent: none.
   */
  kept?: number;
}

export type PromotionVerdict =
  | { status: 'go' }
  | { status: 'wait'; waitingFor: string[]; retryInMs: number; outOfSync?: LeftOutOfSync[] }
  | { status: 'stop'; env: string; sha?: string; reason: 'failed' | 'unhealthy' | 'timeout'; checkRunUrl?: string; title: string; detail: string };

export interface PromotionInput {
  sha: string;
  seq: number;
  dependencies: DependencyState[];
  /** How long the apply has been waiting (ms since it was queued). */
  waitedMs: number;
  /** Give up waiting after this long: the promotion stops, saying which dependency never finished. */
  maxWaitMs: number;
}

const short = (sha: string): string => sha.slice(0, 7);

/** Poll quickly at first (a staging apply takes seconds), then settle at 30 s. */
export function promotionRetryMs(waitedMs: number): number {
  return Math.min(30_000, Math.max(1_000, Math.round(waitedMs / 10)));
}

export function decidePromotion(input: PromotionInput): PromotionVerdict {
  const waitingFor: string[] = [];
  const outOfSync: LeftOutOfSync[] = [];
  for (const dep of input.dependencies) {
    const last = dep.last;
    if (!last || last.seq < input.seq) {
      waitingFor.push(dep.env);
      continue;
    }
    if (last.ok && dep.rollout && (last.leftByPruneOff || last.keptByPruneRule)) {
      waitingFor.push(dep.env);
      outOfSync.push({ env: dep.env, sha: last.sha, left: last.leftByPruneOff ?? 0, ...(last.keptByPruneRule ? { kept: last.keptByPruneRule } : {}) });
      continue;
    }
    if (last.ok) continue;
    const at = short(last.sha);
    const newer = last.sha !== input.sha ? ` (a newer commit than ${short(input.sha)})` : '';
    const unhealthy = last.health === 'unhealthy' || last.health === 'timeout';
    return {
      status: 'stop',
      env: dep.env,
      sha: last.sha,
      reason: unhealthy ? 'unhealthy' : 'failed',
      ...(last.checkRunUrl ? { checkRunUrl: last.checkRunUrl } : {}),
      title: `Not applied: ${dep.env} ${unhealthy ? 'is unhealthy' : 'failed'} at ${at}`,
      detail: `\`${dep.env}\` ${unhealthy ? 'did not become healthy' : 'failed'} at \`${at}\`${newer}: ${last.summary}.`,
    };
  }
  if (waitingFor.length === 0) return { status: 'go' };
  if (input.waitedMs >= input.maxWaitMs) {
    const env = waitingFor[0];
    const minutes = Math.round(input.maxWaitMs / 60_000);
    const pending = waitingFor.filter((w) => !outOfSync.some((o) => o.env === w));
    const lines = [
      ...(pending.length > 0 ? [`\`${pending.join('`, `')}\` had no result for \`${short(input.sha)}\` (or a newer commit) after ${minutes} min of waiting.`] : []),
      ...outOfSync.map((o) => `${leftText(o)} after ${minutes} min of waiting.`),
    ];
    return {
      status: 'stop',
      env,
      reason: 'timeout',
      title: outOfSync.some((o) => o.env === env) ? `Not applied: ${env} stayed out of sync` : `Not applied: ${env} did not finish`,
      detail: lines.join(' '),
    };
  }
  return { status: 'wait', waitingFor, retryInMs: promotionRetryMs(input.waitedMs), ...(outOfSync.length > 0 ? { outOfSync } : {}) };
}

/** Why a RollingSync dependency is not done (objects Git no longer has stay), and what releases it. */
export function leftText(o: LeftOutOfSync): string {
  const kept = o.kept ? `${o.kept} object(s) Git no longer has are kept by \`Prune=false\` (or \`Prune=confirm\`, \`bosun.dev/prune: disabled\`), which a sync with prune leaves too` : '';
  if (o.left === 0) return `\`${o.env}\` was applied at \`${short(o.sha)}\` and ${kept}, so its Application stays OutOfSync and its RollingSync step is not done until they are gone (${keptRelease(o.env)})`;
  const also = kept ? `; ${kept} (${keptRelease(o.env)})` : '';
  return `\`${o.env}\` was applied at \`${short(o.sha)}\` without prune and ${o.left} object(s) Git no longer has stay, so its Application stays OutOfSync and its RollingSync step is not done until it is synced with prune (\`/bosun sync ${o.env} --prune\`)${also}`;
}

/** What releases a step held by objects a rule keeps: they must go, by hand or by dropping the rule and pruning. */
export function keptRelease(env: string): string {
  return `delete them by hand or remove Prune=false from them, then \`/bosun sync ${env} --prune\``;
}

/** The dependencies of `env` that the same push applies: the ones worth waiting for. */
export function dependenciesToWaitFor(dependsOn: readonly string[], appliedInPush: ReadonlySet<string>): string[] {
  return dependsOn.filter((d) => appliedInPush.has(d));
}
