const refreshIntervalMs = 1_000;

/** How the API server serves one kind: the URL segment and whether objects live in namespaces. */
export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface DiscoveryList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean }>;
}

/** The minimal surface discovery needs, so it can be driven by any client. */
export interface DiscoveryTransport {
  getOrUndefined<T>(path: string): Promise<T | undefined>;
}

/**
 * Maps apiVersion + kind to a REST resource, one group-version document at a time (a full discovery walk
 * costs a request per group; we only ask for the group-versions we apply). Answers are cached for the
 * life of the connection; a kind that is not in the cached document triggers one refresh, because it may
 * come from a CRD created a moment ago. Concurrent lookups share one in-flight request.
 */
export class ResourceMapper {
  private readonly client: DiscoveryTransport;
  private readonly cache = new Map<string, { at: number; kinds: Promise<Map<string, ResourceInfo>> }>();

  constructor(client: DiscoveryTransport) {
    this.client = client;
  }

  /** The resource for apiVersion/kind, or undefined when the cluster does not serve it (even after a refresh). */
  async find(apiVersion: string, kind: string): Promise<ResourceInfo | undefined> {
    let entry = this.cache.get(apiVersion);
    if (entry) {
      const hit = (await entry.kinds).get(kind);
      if (hit) return hit;
      // Only the first caller to notice the miss refreshes, and not more than once a second: a hundred
      // objects of an unknown kind cost one extra request, not a hundred.
      const current = this.cache.get(apiVersion);
      entry = current && (current !== entry || Date.now() - current.at < refreshIntervalMs) ? current : this.load(apiVersion);
    } else {
      entry = this.load(apiVersion);
    }
    return (await entry.kinds).get(kind);
  }

  /** Forget what is known about one group-version (or all), e.g. after CRDs were created or deleted. */
  invalidate(apiVersion?: string): void {
    if (apiVersion === undefined) this.cache.clear();
    else this.cache.delete(apiVersion);
  }

  private load(apiVersion: string): { at: number; kinds: Promise<Map<string, ResourceInfo>> } {
    const entry = { at: Date.now(), kinds: this.fetch(apiVersion) };
    this.cache.set(apiVersion, entry);
    // A failed lookup must not stick: the next caller asks again.
    entry.kinds.catch(() => {
      if (this.cache.get(apiVersion) === entry) this.cache.delete(apiVersion);
    });
    return entry;
  }

  private async fetch(apiVersion: string): Promise<Map<string, ResourceInfo>> {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    const list = await this.client.getOrUndefined<DiscoveryList>(path);
    const map = new Map<string, ResourceInfo>();
    for (const r of list?.resources ?? []) {
      if (r.name.includes('/')) continue; // subresources such as deployments/status
      map.set(r.kind, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
    return map;
  }
}

/** The REST path of one object (or of the collection when `name` is omitted). */
export function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const root = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${ns}/${info.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
}
