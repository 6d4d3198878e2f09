// The test cluster has no kubelet: this plays one for a namespace, the way a test's Jobs and Deployments
// would finish on a real cluster. Jobs complete (or fail, when annotated test.bosun.dev/outcome: fail);
// Deployment pods become Running and Ready once `ready(app)` says so. It records what it saw, in order,
// so tests can assert what existed when each hook started.
import type { ClusterClient } from '../../src/cluster/client.ts';
import type { KubeObject } from '../../src/model/object.ts';

export interface StatusWriter {
  /** `job <name> started; configmaps: a,b; deployments: web` — one line per Job, when first seen. */
  events: string[];
  /** Let the pods of a Deployment (label app=<name>) become ready from now on. */
  ready(app: string): void;
  stop(): Promise<void>;
}

export const outcomeAnnotation = 'test.bosun.dev/outcome';

export function startStatusWriter(client: ClusterClient, namespace: string): StatusWriter {
  const events: string[] = [];
  const seenJobs = new Set<string>();
  const readyApps = new Set<string>();
  const readyPods = new Set<string>();
  let running = true;
  const list = async (path: string): Promise<KubeObject[]> => (await client.request<{ items: KubeObject[] }>({ method: 'GET', path }).catch(() => ({ body: { items: [] } }))).body.items ?? [];
  const names = (items: KubeObject[]): string => items.map((i) => i.metadata?.name).sort().join(',');

  const round = async (): Promise<void> => {
    for (const job of await list(`/apis/batch/v1/namespaces/${namespace}/jobs`)) {
      const name = job.metadata?.name ?? '';
      // By uid: a hook run again under the same name is a new Job.
      const uid = String(job.metadata?.uid ?? name);
      if (seenJobs.has(uid) || job.metadata?.deletionTimestamp) continue;
      seenJobs.add(uid);
      const [configMaps, deployments] = await Promise.all([list(`/api/v1/namespaces/${namespace}/configmaps`), list(`/apis/apps/v1/namespaces/${namespace}/deployments`)]);
      events.push(`job ${name} started; configmaps: ${names(configMaps.filter((c) => c.metadata?.name !== 'kube-root-ca.crt'))}; deployments: ${names(deployments)}`);
      const now = new Date().toISOString();
      const fail = job.metadata?.annotations?.[outcomeAnnotation] === 'fail';
      const condition = fail
        ? { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit', lastProbeTime: now, lastTransitionTime: now }
        : { type: 'Complete', status: 'True', lastProbeTime: now, lastTransitionTime: now };
      await client.request({
        method: 'PATCH', path: `/apis/batch/v1/namespaces/${namespace}/jobs/${name}/status`, contentType: 'application/merge-patch+json',
        body: { status: { startTime: now, ...(fail ? { failed: 1 } : { succeeded: 1, completionTime: now }), conditions: [condition] } },
      }).catch(() => seenJobs.delete(uid));
    }
    if (readyApps.size === 0) return;
    for (const pod of await list(`/api/v1/namespaces/${namespace}/pods`)) {
      const name = pod.metadata?.name ?? '';
      const app = pod.metadata?.labels?.app;
      if (!app || !readyApps.has(app) || readyPods.has(name)) continue;
      const now = new Date().toISOString();
      await client.request({
        method: 'PATCH', path: `/api/v1/namespaces/${namespace}/pods/${name}/status`, contentType: 'application/merge-patch+json',
        body: { status: { phase: 'Running', conditions: ['Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })) } },
      }).then(() => readyPods.add(name), () => undefined);
    }
  };

  // Polls like a controller resyncing; ends with stop().
  const loop = (async () => {
    while (running) {
      await round();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();

  return {
    events,
    ready: (app) => readyApps.add(app),
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
