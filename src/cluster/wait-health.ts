import type { KubeObject } from '../model/object.ts';
import { describeFailure } from './api-error.ts';
import type { ClusterClient } from './client.ts';
import { assessHealth } from './health.ts';
import { readLive } from './live-reader.ts';
import { refOf } from './prepare.ts';
import type { HealthReport, ObjectHealth, ProgressFn } from './types.ts';
import { objectLabel } from '../model/object.ts';

export interface WaitOptions {
  timeoutSeconds: number;
  onProgress?: ProgressFn;
  /** First pause between polls; grows by half each round up to maxIntervalMs. */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  /**
   * Keep waiting for the others when one fails (hooks: every running hook is waited for before the sync
   * is declared failed, as Argo CD does). Default: a failure ends the wait at once.
   */
  settleAll?: boolean;
}

/**
 * Polls the objects until all are healthy, one is failed (terminal: waiting longer cannot help), or the
 * timeout passes. Only objects not yet healthy are read again, in bulk where many share a kind and namespace. The verdict is 'unhealthy' for a failure,
 * 'timeout' when something was still progressing at the deadline.
 */
export async function waitForHealth(client: ClusterClient, objects: readonly KubeObject[], options: WaitOptions): Promise<HealthReport> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  const states: ObjectHealth[] = objects.map((obj) => ({ ...refOf(obj), status: 'progressing', message: 'not checked yet' }));
  let pending = states.map((_, i) => i);
  let interval = options.initialIntervalMs ?? 500;
  const maxInterval = options.maxIntervalMs ?? 5_000;

  for (;;) {
    try {
      const targets = await Promise.all(pending.map(async (i) => ({ i, info: await client.resources.find(objects[i].apiVersion, objects[i].kind) })));
      const live = await readLive(client, targets.filter((t) => t.info).map((t) => ({ key: String(t.i), info: t.info!, namespace: states[t.i].namespace, name: states[t.i].name })));
      for (const { i } of targets) Object.assign(states[i], assessHealth(live.get(String(i))));
    } catch (error) {
      // Keep polling: a transient read failure is not a health verdict.
      for (const i of pending) states[i].message = `cannot read it: ${describeFailure(error)}`;
    }
    pending = pending.filter((i) => states[i].status !== 'healthy' && !(options.settleAll && states[i].status === 'failed'));
    const failed = states.filter((s) => s.status === 'failed');
    const healthy = states.length - pending.length - (options.settleAll ? failed.length : 0);
    const first = pending.map((i) => states[i]).find((s) => s.status !== 'failed') ?? failed[0];
    options.onProgress?.({
      stage: 'health',
      message: pending.length === 0 ? 'all objects healthy' : `waiting for ${objectLabel(first)}: ${first.message}`,
      done: healthy,
      total: states.length,
    });
    if (failed.length > 0 && (!options.settleAll || pending.length === 0)) return { verdict: 'unhealthy', objects: states, elapsedMs: Date.now() - started };
    if (pending.length === 0) return { verdict: 'healthy', objects: states, elapsedMs: Date.now() - started };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { verdict: 'timeout', objects: states, elapsedMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, remaining)));
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}
