import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { extractChartArchive, type ExtractLimits } from './extract.ts';

export interface CachedChart {
  /** The unpacked chart folder (read-only for renders). */
  dir: string;
  /** `sha256:<hex>` of the archive (or, for OCI, of the chart layer). */
  digest: string;
  name: string;
  version: string;
  /** Where it came from: the archive URL or the OCI reference. */
  source: string;
}

interface Meta {
  digest: string;
  name: string;
  version: string;
  source: string;
  top: string;
  bytes: number;
}

export interface ChartCacheOptions {
  /** Unpacked bytes kept on disk; least recently used charts go first past it. Default 512 MiB. */
  maxBytes?: number;
  /** A chart used this recently is never evicted (another worker may be rendering it). Default 15 minutes. */
  keepRecentMs?: number;
  limits?: ExtractLimits;
}

/**
 * Unpacked charts by digest, under the data dir (`<data dir>/charts/sha256-<hex>/`), shared by every
 * worker on the host: an entry is unpacked into a private temporary folder and renamed into place, so a
 * reader sees a whole chart or none, and two workers fetching the same chart keep one copy. Bounded by
 * size, least recently used first (a use touches the entry's meta file).
 */
export class ChartCache {
  readonly root: string;
  private readonly maxBytes: number;
  private readonly keepRecentMs: number;
  private readonly limits?: ExtractLimits;

  constructor(root: string, opts: ChartCacheOptions = {}) {
    this.root = root;
    this.maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
    this.keepRecentMs = opts.keepRecentMs ?? 15 * 60 * 1000;
    this.limits = opts.limits;
  }

  private entryDir(digest: string): string {
    const hex = /^sha256:([0-9a-f]{64})$/.exec(digest)?.[1];
    if (!hex) throw new Error(`not a sha256 digest: ${digest}`);
    return join(this.root, `sha256-${hex}`);
  }

  /** The cached chart with this digest, touched as used; undefined when not cached. */
  async get(digest: string): Promise<CachedChart | undefined> {
    const dir = this.entryDir(digest);
    const meta = await readMeta(dir);
    if (!meta) return undefined;
    const now = new Date();
    await utimes(join(dir, 'meta.json'), now, now).catch(() => undefined);
    return { dir: join(dir, meta.top), digest: meta.digest, name: meta.name, version: meta.version, source: meta.source };
  }

  /** Unpacks `archive` (already checked against `digest`) into the cache and returns it. */
  async put(digest: string, info: { name: string; version: string; source: string }, archive: Buffer): Promise<CachedChart> {
    const existing = await this.get(digest);
    if (existing) return existing;
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    await chmod(this.root, 0o755).catch(() => undefined);
    const tmp = await mkdtemp(join(this.root, '.tmp-'));
    try {
      await chmod(tmp, 0o755);
      const unpacked = await extractChartArchive(archive, join(tmp, 'chart-files'), this.limits);
      // The chart folder is named as the archive's top-level folder (the chart's name), as helm unpacks it.
      await rename(join(tmp, 'chart-files'), join(tmp, unpacked.top));
      const meta: Meta = { digest, ...info, top: unpacked.top, bytes: unpacked.bytes };
      await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta), { mode: 0o644 });
      try {
        await rename(tmp, this.entryDir(digest));
      } catch (e) {
        // Another worker put the same chart first: theirs is as good as ours.
        if (!['EEXIST', 'ENOTEMPTY'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
      }
    } finally {
      if (existsSync(tmp)) await rm(tmp, { recursive: true, force: true });
    }
    await this.evict(digest);
    const stored = await this.get(digest);
    if (!stored) throw new Error(`chart ${digest} vanished from the cache right after it was stored`);
    return stored;
  }

  /** Removes least recently used entries until the cache fits its bound (never `keep`, never recent ones). */
  async evict(keep?: string): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const entries: Array<{ dir: string; bytes: number; used: number }> = [];
    for (const name of names) {
      if (!name.startsWith('sha256-')) continue;
      const dir = join(this.root, name);
      const meta = await readMeta(dir);
      const used = await stat(join(dir, 'meta.json')).then((s) => s.mtimeMs, () => 0);
      entries.push({ dir, bytes: meta?.bytes ?? 0, used });
    }
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    const keepDir = keep ? this.entryDir(keep) : undefined;
    const now = Date.now();
    for (const e of entries.sort((a, b) => a.used - b.used)) {
      if (total <= this.maxBytes) break;
      if (e.dir === keepDir || now - e.used < this.keepRecentMs) continue;
      await rm(e.dir, { recursive: true, force: true });
      total -= e.bytes;
    }
  }
}

async function readMeta(dir: string): Promise<Meta | undefined> {
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as Meta;
    return typeof meta.top === 'string' && existsSync(join(dir, meta.top)) ? meta : undefined;
  } catch {
    return undefined;
  }
}
