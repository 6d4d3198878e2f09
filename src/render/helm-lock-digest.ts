import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { parse } from 'yaml';
import { inRepo } from './files.ts';
import { RenderFailure } from './types.ts';

/**
 * Helm's digest of a chart's dependencies against its lock (helm internal/resolver HashReq:
 * `json.Marshal([2][]*chart.Dependency{req, lock})`, sha256), which `helm dependency build` compares with
 * Chart.lock's `digest` before fetching anything (pkg/downloader/manager.go Build: "the lock file
 * (Chart.lock) is out of sync with the dependencies file (Chart.yaml). Please update the dependencies").
 * Go's encoding: fields in chart.Dependency's order, `omitempty` ones left out when empty, HTML characters
 * escaped. `import-values` is `[]interface{}` (helm pkg/chart/dependency.go): a string, or the child/parent
 * form, a map that encoding/json writes with its keys sorted (checked against helm 3.18's `helm dependency
 * update`). Undefined when bosun cannot restate it: an `import-values` entry that is neither a string nor a
 * map of strings, a repository helm rewrites from its own repository configuration (`@name`, `alias:name`),
 * or a field of the wrong type.
 */
export function helmDependencyDigest(req: readonly unknown[], lock: readonly unknown[]): string | undefined {
  const reqJson = dependenciesJson(req, true);
  const lockJson = dependenciesJson(lock, false);
  if (reqJson === undefined || lockJson === undefined) return undefined;
  return `sha256:${createHash('sha256').update(`[${reqJson},${lockJson}]`).digest('hex')}`;
}

function dependenciesJson(list: readonly unknown[], declared: boolean): string | undefined {
  const out: string[] = [];
  for (const d of list) {
    const one = dependencyJson(d, declared);
    if (one === undefined) return undefined;
    out.push(one);
  }
  return `[${out.join(',')}]`;
}

function dependencyJson(d: unknown, declared: boolean): string | undefined {
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return undefined;
  const o = d as Record<string, unknown>;
  const text = (key: string): string | undefined => (o[key] === undefined || o[key] === null ? '' : typeof o[key] === 'string' ? o[key] : undefined);
  const [name, version, repository, condition, alias] = ['name', 'version', 'repository', 'condition', 'alias'].map(text);
  if (name === undefined || version === undefined || repository === undefined || condition === undefined || alias === undefined) return undefined;
  if (declared && (repository.startsWith('@') || repository.startsWith('alias:'))) return undefined;
  const tags = o.tags ?? [];
  const importValues = o['import-values'] ?? [];
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) return undefined;
  if (!Array.isArray(importValues)) return undefined;
  const imports = importValues.map(importValueJson);
  if (imports.some((v) => v === undefined)) return undefined;
  if (o.enabled !== undefined && o.enabled !== null && typeof o.enabled !== 'boolean') return undefined;
  const fields = [
    `"name":${goString(name)}`,
    ...(version ? [`"version":${goString(version)}`] : []),
    `"repository":${goString(repository)}`,
    ...(condition ? [`"condition":${goString(condition)}`] : []),
    ...(tags.length ? [`"tags":[${(tags as string[]).map(goString).join(',')}]`] : []),
    ...(o.enabled === true ? ['"enabled":true'] : []),
    ...(imports.length ? [`"import-values":[${imports.join(',')}]`] : []),
    ...(alias ? [`"alias":${goString(alias)}`] : []),
  ];
  return `{${fields.join(',')}}`;
}

/** One `import-values` entry as encoding/json writes an interface{}: a string, or a map (keys sorted) of strings. */
function importValueJson(v: unknown): string | undefined {
  if (typeof v === 'string') return goString(v);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.every(([, value]) => typeof value === 'string')) return undefined;
  // encoding/json sorts a map's keys by their UTF-8 bytes.
  entries.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${entries.map(([k, value]) => `${goString(k)}:${goString(value as string)}`).join(',')}}`;
}

/** encoding/json's string: JSON with <, >, & and U+2028/U+2029 escaped. */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A chart whose dependencies `helm dependency build` would fetch (not vendored) and whose Chart.lock no
 * longer matches Chart.yaml's `dependencies`: helm refuses to build it, so Argo CD's repo server fails the
 * Application (reposerver/repository/repository.go helmTemplate → runHelmBuild → `helm dependency build`)
 * and nothing of it syncs. bosun used the lock's versions as they were and could show a dependency bump as
 * no change; it now fails the render at the lock file with helm's reason. Only Chart.yaml (apiVersion v2)
 * with a Chart.lock is judged; without a lock `helm dependency build` resolves the ranges (as bosun does).
 */
export function lockOutOfSync(root: string, chartRepo: string, declaredIn: string): RenderFailure | undefined {
  if (!declaredIn.endsWith('Chart.yaml')) return undefined;
  const lockFile = posix.join(chartRepo, 'Chart.lock');
  let chart: unknown;
  let lock: unknown;
  try {
    const lockAbs = inRepo(root, lockFile);
    if (!statSync(lockAbs, { throwIfNoEntry: false })?.isFile()) return undefined;
    chart = parse(readFileSync(inRepo(root, declaredIn), 'utf8'));
    lock = parse(readFileSync(lockAbs, 'utf8'));
  } catch {
    return undefined; // helm reports a broken file itself
  }
  const req = (chart as { dependencies?: unknown } | null)?.dependencies;
  const locked = (lock as { dependencies?: unknown } | null)?.dependencies;
  const digest = (lock as { digest?: unknown } | null)?.digest;
  if (!Array.isArray(req) || !Array.isArray(locked) || typeof digest !== 'string') return undefined;
  const sum = helmDependencyDigest(req, locked);
  if (sum === undefined || sum === digest) return undefined;
  return new RenderFailure({
    kind: 'render',
    tool: 'helm',
    file: lockFile,
    field: 'digest',
    message: `the lock file (Chart.lock) is out of sync with the dependencies file (Chart.yaml): \`helm dependency build\` refuses to build ${chartRepo} (Argo CD's repo server runs it for dependencies not vendored under charts/, and fails the Application), so nothing of it deploys — run \`helm dependency update ${chartRepo}\` and commit Chart.lock`,
  });
}
