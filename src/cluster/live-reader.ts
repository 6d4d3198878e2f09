import type { KubeObject } from '../model/object.ts';
import { mapLimit } from '../util/limit.ts';
import type { ClusterClient } from './client.ts';
import { resourcePath, type ResourceInfo } from './discovery.ts';
import { getLive } from './objects.ts';

export interface LiveTarget {
  key: string;
  info: ResourceInfo;
  namespace: string;
  name: string;
}

/** From this many objects of one kind in one namespace, one LIST is cheaper than a GET each. */
const listThreshold = 8;

/**
 * The live state of many objects. Objects of one kind in one namespace are read with a single (paged)
 * LIST when there are enough of them, else one GET each; a LIST the credentials may not make (403) falls
 * back to GETs. Absent objects map to undefined.
 */
export async function readLive(client: ClusterClient, targets: readonly LiveTarget[]): Promise<Map<string, KubeObject | undefined>> {
  const out = new Map<string, KubeObject | undefined>();
  const groups = new Map<string, LiveTarget[]>();
  for (const t of targets) {
    const group = `${resourcePath(t.info, t.namespace)}`;
    groups.set(group, [...(groups.get(group) ?? []), t]);
  }
  const singles: LiveTarget[] = [];
  await mapLimit([...groups.values()], client.concurrency, async (group) => {
    if (group.length < listThreshold) {
      singles.push(...group);
      return;
    }
    const listed = await listAll(client, group[0].info, group[0].namespace).catch(() => undefined);
    if (!listed) {
      singles.push(...group);
      return;
    }
    for (const t of group) out.set(t.key, listed.get(t.name));
  });
  await mapLimit(singles, client.concurrency, async (t) => {
    out.set(t.key, await getLive(client, t.info, t.namespace, t.name));
  });
  return out;
}

async function listAll(client: ClusterClient, info: ResourceInfo, namespace: string): Promise<Map<string, KubeObject>> {
  const byName = new Map<string, KubeObject>();
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  let token: string | undefined;
  do {
    const res = await client.request<{ items?: KubeObject[]; metadata?: { continue?: string } }>({
      method: 'GET',
      path: resourcePath(info, namespace),
      query: { limit: '500', continue: token },
    });
    // List items omit apiVersion and kind; restore them so they compare like single reads.
    for (const item of res.body.items ?? []) byName.set(item.metadata?.name ?? '', { ...item, apiVersion, kind: info.kind });
    token = res.body.metadata?.continue || undefined;
  } while (token);
  return byName;
}
