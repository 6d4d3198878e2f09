import type { KubeObject } from '../model/object.ts';

/**
 * Server-side apply treats Service ports and container ports as lists keyed by port *and* protocol, but
 * `protocol` is optional in manifests: an apply that leaves it out is refused by some API servers ("associative
 * list with keys has an element that omits key field \"protocol\"", kubernetes/kubernetes#113482 and
 * earlier), typically on the second apply of the same object. The API server defaults it to TCP anyway,
 * so bosun writes that default into what it sends; what the object becomes does not change.
 */

type Json = Record<string, unknown>;

const podTemplatePaths: Record<string, string[][]> = {
  Pod: [['spec']],
  Deployment: [['spec', 'template', 'spec']],
  StatefulSet: [['spec', 'template', 'spec']],
  DaemonSet: [['spec', 'template', 'spec']],
  ReplicaSet: [['spec', 'template', 'spec']],
  ReplicationController: [['spec', 'template', 'spec']],
  Job: [['spec', 'template', 'spec']],
  CronJob: [['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  PodTemplate: [['template', 'spec']],
};

const isRecord = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function at(obj: Json, path: string[]): Json | undefined {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    cur = cur[key];
  }
  return isRecord(cur) ? cur : undefined;
}

/** Sets `protocol: TCP` on list entries that have none; true when something changed. */
function defaultProtocols(list: unknown): boolean {
  if (!Array.isArray(list)) return false;
  let changed = false;
  for (const port of list) {
    if (isRecord(port) && port.protocol === undefined) {
      port.protocol = 'TCP';
      changed = true;
    }
  }
  return changed;
}

/** The object with `protocol: TCP` on every Service port and container port that omits it (a copy when changed). */
export function withPortProtocols(obj: KubeObject): KubeObject {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  const isCore = group === '';
  const workload = ['', 'apps', 'batch'].includes(group) && podTemplatePaths[obj.kind];
  if (!(isCore && obj.kind === 'Service') && !workload) return obj;
  const copy = structuredClone(obj) as unknown as Json;
  let changed = false;
  if (isCore && obj.kind === 'Service') changed = defaultProtocols(at(copy, ['spec'])?.ports);
  for (const path of workload || []) {
    const pod = at(copy, path);
    if (!pod) continue;
    for (const list of ['containers', 'initContainers']) {
      const containers = pod[list];
      if (!Array.isArray(containers)) continue;
      for (const c of containers) if (isRecord(c) && defaultProtocols(c.ports)) changed = true;
    }
  }
  return changed ? (copy as unknown as KubeObject) : obj;
}
