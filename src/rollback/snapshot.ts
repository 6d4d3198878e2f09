/**
 * `/bosun rollback <env> --now` re-applies the environment's last good state from before the PR: the
 * newest successful apply older than the (newest) apply of the PR's merge commit. Only commits bosun
 * applied successfully qualify; the history is the EnvStatusStore's, newest first.
 */
import type { ApplyRecord } from '../jobs.ts';

export type SnapshotChoice =
  | {
    ok: true;
    /** What to apply again. */
    target: ApplyRecord;
    /** The apply of the PR's merge commit. */
    applied: ApplyRecord;
    /** Other commits applied after the target, newest first: the rollback takes them back too. */
    alsoUndone: ApplyRecord[];
  }
  | { ok: false; reason: 'never-applied' | 'nothing-before'; message: string };

export function chooseSnapshot(history: readonly ApplyRecord[], mergeSha: string, env: string): SnapshotChoice {
  const successful = history.filter((r) => r.ok);
  const at = successful.findIndex((r) => r.sha === mergeSha);
  if (at < 0) {
    const last = successful[0];
    return {
      ok: false,
      reason: 'never-applied',
      message: `the merge commit \`${mergeSha.slice(0, 7)}\` was never applied successfully to \`${env}\`${last ? ` (its last successful apply is \`${last.sha.slice(0, 7)}\`)` : ''}, so there is no state from before it to go back to`,
    };
  }
  const targetAt = successful.findIndex((r, i) => i > at && r.sha !== mergeSha);
  if (targetAt < 0) {
    return {
      ok: false,
      reason: 'nothing-before',
      message: `bosun has no successful apply to \`${env}\` from before \`${mergeSha.slice(0, 7)}\` (it keeps the last ${historyNote(successful.length)})`,
    };
  }
  const undone: ApplyRecord[] = [];
  const seen = new Set([mergeSha, successful[targetAt]!.sha]);
  for (const r of successful.slice(0, targetAt)) {
    if (seen.has(r.sha)) continue;
    seen.add(r.sha);
    undone.push(r);
  }
  return { ok: true, target: successful[targetAt]!, applied: successful[at]!, alsoUndone: undone };
}

function historyNote(n: number): string {
  return `${n} successful appl${n === 1 ? 'y' : 'ies'}`;
}

/** An apply order (`ApplyJob.seq`) newer than every one given: the rollback must win over them. */
export function seqAfter(...seqs: Array<number | undefined>): number {
  const known = seqs.filter((s): s is number => typeof s === 'number' && Number.isFinite(s));
  return known.length ? Math.max(...known) + 1 : Date.now();
}
