import { describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { waitForHealth } from '../../src/cluster/wait-health.ts';
import type { KubeObject } from '../../src/model/object.ts';
import type { ProgressEvent } from '../../src/cluster/types.ts';
import { deployment, environment, markPodsReady, ns, rendered, testClient, suiteCleanup } from './helpers.ts';

const client = testClient();
const { setup } = suiteCleanup(client, 'hl');

const job = (namespace: string, name: string): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace },
  spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['false'] }] } } },
});

describe('health', () => {
  it('holds a Deployment as progressing until its pods report ready, then calls it healthy', async () => {
    const { env, space } = setup();
    const web = deployment(space, 'web', 'nginx:1.27', 2);
    const applied = await applyEnvironment({ client, env: environment(env, { healthTimeoutSeconds: 1 }), objects: rendered(ns(space), web) });
    // No kubelet runs: nothing makes the pods ready, so the rollout cannot finish.
    expect(applied.health?.verdict).toBe('timeout');
    expect(applied.ok).toBe(false);
    const stuck = applied.health?.objects.find((o) => o.kind === 'Deployment');
    expect(stuck?.status).toBe('progressing');
    expect(stuck?.message).toMatch(/replicas (updated|available)|generation/);

    await markPodsReady(client, space, 'web', 2);
    const events: ProgressEvent[] = [];
    const health = await waitForHealth(client, [web], { timeoutSeconds: 60, onProgress: (e) => events.push(e) });
    expect(health.verdict).toBe('healthy');
    expect(health.objects[0]).toMatchObject({ kind: 'Deployment', status: 'healthy', message: '2 of 2 replicas available' });
    expect(events.at(-1)).toMatchObject({ stage: 'health', done: 1, total: 1 });
  });

  it('reports a Job whose Failed condition is set as unhealthy without waiting for the timeout', async () => {
    const { env, space } = setup();
    const migrate = job(space, 'migrate');
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), migrate), wait: false });
    // What the job controller would write after the pod failed.
    const now = new Date().toISOString();
    await client.request({
      method: 'PATCH', path: `/apis/batch/v1/namespaces/${space}/jobs/migrate/status`, contentType: 'application/merge-patch+json',
      body: { status: { failed: 1, startTime: now, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now }] } },
    });
    // A 120 s budget: were failure not terminal, this would time out instead (and outlast the test).
    const health = await waitForHealth(client, [ns(space), migrate], { timeoutSeconds: 120 });
    expect(health.verdict).toBe('unhealthy');
    expect(health.objects.find((o) => o.kind === 'Job')).toMatchObject({ status: 'failed', message: 'job failed (BackoffLimitExceeded): Job has reached the specified backoff limit' });
  });

  it('times out on objects that never become healthy and says which', async () => {
    const { env, space } = setup();
    const pending = job(space, 'pending');
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), pending), wait: false });
    const health = await waitForHealth(client, [ns(space), pending], { timeoutSeconds: 1 });
    expect(health.verdict).toBe('timeout');
    expect(health.objects.map((o) => `${o.kind}:${o.status}`)).toEqual(['Namespace:healthy', 'Job:progressing']);
    expect(health.objects[1].message).toMatch(/^job running/);
  });

  it('reports objects that do not exist as missing', async () => {
    const health = await waitForHealth(client, [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nope', namespace: 'default' } }], { timeoutSeconds: 0 });
    expect(health.verdict).toBe('timeout');
    expect(health.objects[0].status).toBe('missing');
  });
});
