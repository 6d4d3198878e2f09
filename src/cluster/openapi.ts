import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeKubernetesVersion } from '../model/kubernetes-version.ts';
import { schemaSetFromOpenApiV2, type ClusterSchemaSet } from '../validate/openapi-v2.ts';
import { toClusterError, type ClusterClient } from './client.ts';

/**
 * A registered cluster's own schemas (validate/openapi-v2.ts) from its API server's `/openapi/v2`, which
 * every Kubernetes version serves (1.20, the test cluster's, serves only v2). Cached per cluster: in
 * memory for `ttlMs`, so the plans of one worker share one download; and on disk under
 * `<cacheDir>/openapi/<cluster>/`, keyed by the server's version and the document's hash, so a new process
 * within the TTL of the last download, on the same server version, reads the file instead.
 */
export interface OpenApiCacheOptions {
  /** Where the converted sets are kept (the server's data dir); none: memory only. */
  cacheDir?: string;
  /** How long a download is trusted (default 5 minutes): a CRD installed since shows up after it. */
  ttlMs?: number;
}

const defaultTtlMs = 5 * 60_000;
const memory = new Map<string, { at: number; set: Promise<ClusterSchemaSet> }>();

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, '_');
}

interface DiskIndex { gitVersion: string; hash: string; at: number }

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

async function writeJson(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

async function download(client: ClusterClient, gitVersion: string, opts: OpenApiCacheOptions): Promise<ClusterSchemaSet> {
  const ttl = opts.ttlMs ?? defaultTtlMs;
  const dir = opts.cacheDir ? join(opts.cacheDir, 'openapi', safeName(client.name)) : undefined;
  const kubernetesVersion = normalizeKubernetesVersion(gitVersion) ?? gitVersion;
  if (dir) {
    const index = await readJson<DiskIndex>(join(dir, 'latest.json'));
    if (index && index.gitVersion === gitVersion && Date.now() - index.at < ttl) {
      const cached = await readJson<ClusterSchemaSet>(join(dir, `${safeName(gitVersion)}-${index.hash}.json`));
      if (cached?.cluster === client.name) return cached;
    }
  }
  let text: string;
  try {
    const res = await client.request<unknown>({ method: 'GET', path: '/openapi/v2' });
    text = typeof res.body === 'string' ? res.body : JSON.stringify(res.body);
  } catch (error) {
    throw toClusterError(client.name, client.server, error);
  }
  const hash = createHash('sha256').update(text).digest('hex');
  const file = dir ? join(dir, `${safeName(gitVersion)}-${hash}.json`) : undefined;
  let set = file ? await readJson<ClusterSchemaSet>(file) : undefined;
  if (set?.cluster !== client.name) set = schemaSetFromOpenApiV2(JSON.parse(text), { cluster: client.name, gitVersion, kubernetesVersion }, hash);
  if (dir && file) {
    // The cache is a convenience: a read-only or full disk costs a download next time, nothing more.
    await mkdir(dir, { recursive: true })
      .then(() => writeJson(file, set))
      .then(() => writeJson(join(dir, 'latest.json'), { gitVersion, hash, at: Date.now() } satisfies DiskIndex))
      .catch(() => undefined);
  }
  return set;
}

/** The cluster's schema set, from memory, the disk cache or its API server. */
export async function clusterSchemaSet(client: ClusterClient, opts: OpenApiCacheOptions = {}): Promise<ClusterSchemaSet> {
  const key = `${client.name}\n${client.server}`;
  const hit = memory.get(key);
  if (hit && Date.now() - hit.at < (opts.ttlMs ?? defaultTtlMs)) return hit.set;
  const entry = {
    at: Date.now(),
    set: client.verify().then((v) => download(client, v.gitVersion ?? 'unknown', opts)),
  };
  memory.set(key, entry);
  // A failure must not stick: the next plan asks again.
  entry.set.catch(() => {
    if (memory.get(key) === entry) memory.delete(key);
  });
  return entry.set;
}

/** Forgets what is cached in memory (tests; after installing CRDs). */
export function forgetClusterSchemas(): void {
  memory.clear();
}
