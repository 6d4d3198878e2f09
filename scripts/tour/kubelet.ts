// The test cluster has no kubelet (and no scheduler): Pods are created by the ReplicaSet controller but
// never start, so no rollout would ever finish. The tour plays the kubelet for its own namespaces only:
// each new Pod is reported Running with its containers ready — what a kubelet writes to the Pod's
// status once the containers are up. The Deployment and ReplicaSet controllers do the rest for real.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterClient } from '../../src/cluster/client.ts';
import type { KubeObject } from '../../src/model/object.ts';

export interface PlayedKubelet {
  /** Pods reported ready so far. */
  readonly started: number;
  stop(): Promise<void>;
}

interface PodSpec {
  containers?: Array<{ name: string; image: string }>;
}

function isReady(pod: KubeObject): boolean {
  const status = pod.status as { conditions?: Array<{ type: string; status: string }> } | undefined;
  return status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

async function startPod(client: ClusterClient, namespace: string, pod: KubeObject): Promise<void> {
  const now = new Date().toISOString();
  const containers = (pod.spec as PodSpec | undefined)?.containers ?? [];
  await client.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}/pods/${pod.metadata?.name}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase: 'Running',
        startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
        containerStatuses: containers.map((c) => ({ name: c.name, image: c.image, imageID: '', ready: true, started: true, restartCount: 0, state: { running: { startedAt: now } } })),
      },
    },
  });
}

/** Polls the namespaces' Pods every 250 ms and starts those that are not ready yet. */
export function playKubelet(client: ClusterClient, namespaces: readonly string[]): PlayedKubelet {
  let stopped = false;
  let started = 0;
  const loop = (async () => {
    while (!stopped) {
      for (const namespace of namespaces) {
        try {
          const list = await client.request<{ items: KubeObject[] }>({ method: 'GET', path: `/api/v1/namespaces/${namespace}/pods` });
          for (const pod of list.body.items) {
            if (stopped || isReady(pod) || pod.metadata?.deletionTimestamp) continue;
            await startPod(client, namespace, pod);
            started++;
          }
        } catch {
          // A Pod deleted meanwhile or a namespace not created yet: look again next round.
        }
      }
      await sleep(250);
    }
  })();
  return {
    get started() {
      return started;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
