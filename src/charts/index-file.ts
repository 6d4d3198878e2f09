import { parse } from 'yaml';

/** One chart version in a Helm repository's index.yaml (helm's repo.ChartVersion, the fields bosun uses). */
export interface IndexEntry {
  name: string;
  version: string;
  /** Archive URLs, absolute or relative to the repository URL; the first is used (as helm and Flux do). */
  urls: string[];
  /** sha256 of the archive, hex (helm writes it on `helm repo index`). */
  digest?: string;
  created?: string;
}

export class IndexError extends Error {}

/** A parsed index.yaml: its `entries`, by chart name. */
export type ParsedIndex = Record<string, unknown>;

/** Parses an index.yaml (YAML or JSON); a document that is not an index is an error that does not quote it. */
export function parseIndex(text: string, url: string): ParsedIndex {
  let doc: unknown;
  try {
    // Aliases are capped (a "billion laughs" index must not take the worker down).
    doc = parse(text, { maxAliasCount: 1000, uniqueKeys: false });
  } catch {
    throw new IndexError(`${url} is not a Helm repository index (not valid YAML)`);
  }
  const entries = (doc as { entries?: unknown } | null)?.entries;
  if (typeof doc !== 'object' || doc === null || typeof entries !== 'object' || entries === null) {
    throw new IndexError(`${url} is not a Helm repository index (no entries)`);
  }
  return entries as ParsedIndex;
}

/** The versions of `chart` in a parsed index; entries without a version or URL are left out. */
export function indexEntries(index: ParsedIndex, chart: string): IndexEntry[] {
  const list = Object.hasOwn(index, chart) ? index[chart] : undefined;
  if (!Array.isArray(list)) return [];
  const out: IndexEntry[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue;
    const e = item as Record<string, unknown>;
    const version = typeof e.version === 'string' ? e.version : typeof e.version === 'number' ? String(e.version) : undefined;
    const urls = Array.isArray(e.urls) ? e.urls.filter((u): u is string => typeof u === 'string' && u !== '') : [];
    if (!version || urls.length === 0) continue;
    out.push({
      name: chart,
      version,
      urls,
      ...(typeof e.digest === 'string' && /^[0-9a-f]{64}$/i.test(e.digest) ? { digest: e.digest.toLowerCase() } : {}),
      ...(typeof e.created === 'string' ? { created: e.created } : e.created instanceof Date ? { created: e.created.toISOString() } : {}),
    });
  }
  return out;
}

/** The index URL of a repository: `<url>/index.yaml` (source-controller's DownloadIndex). */
export function indexUrl(repoUrl: string): string {
  const u = new URL(repoUrl);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/index.yaml`;
  return u.toString();
}

/** An archive URL from the index, resolved against the repository URL as helm's repo.ResolveReferenceURL does. */
export function archiveUrl(repoUrl: string, ref: string): string {
  // The repository URL is a folder: relative references resolve inside it.
  const base = new URL(repoUrl);
  base.pathname = `${base.pathname.replace(/\/+$/, '')}/`;
  return new URL(ref, base).toString();
}
