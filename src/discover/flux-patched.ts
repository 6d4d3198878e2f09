import { lstatSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Environment } from '../model/environment.ts';
import { field, isRecord, list, str } from './object-fields.ts';

/**
 * Whether the Flux Kustomization defined in `file` (name, namespace) reaches the cluster changed by the
 * kustomize build of a Kustomization that applies it (`parent`): kustomize-controller applies what that
 * build outputs, so a patch there (a multi-cluster repository's `clusters/production/kustomization.yaml`
 * that sets `spec.path: ./apps/production` or `postBuild` on a Kustomization from `clusters/base/`), a
 * `namespace:`, `namePrefix:` or `nameSuffix:` transformer, or the parent's own `spec.patches` targeting
 * Flux Kustomizations make it another object than its file. bosun discovers Flux Kustomizations from
 * their files and does not apply those edits, so such a Kustomization is not previewed; this says why.
 *
 * `parentFiles` are the parent's static inputs: the kustomization files among them that include `file`
 * (through `resources`/`components`, transitively) are the ones whose edits apply to it.
 */
export function patchedBy(root: string, file: string, doc: { name: string; namespace?: string }, parent: Environment, parentFiles: readonly string[]): { by: string; file?: string; paths: string[] } | undefined {
  for (const p of parent.kustomize?.patches ?? []) {
    const text = 'patch' in p ? p.patch : undefined;
    if (patchTargets(p.target, text, doc.name) && changesWhatItDeploys(text)) return { by: `the spec.patches of Flux Kustomization ${parent.name}`, ...(parent.definedIn ? { file: parent.definedIn.file } : {}), paths: specPaths(text) };
  }
  const kustomizations = parentFiles.filter((f) => /(^|\/)(kustomization\.ya?ml|Kustomization)$/.test(f));
  const cache = new Map<string, unknown>();
  for (const k of kustomizations) {
    const kz = readKustomization(root, k, cache);
    if (!isRecord(kz) || !includes(root, k, file, cache, new Set())) continue;
    const dir = posix.dirname(k);
    const edits: string[] = [];
    const paths: string[] = [];
    for (const p of list(kz.patches)) {
      const inline = str(field(p, 'patch'));
      const path = str(field(p, 'path'));
      const text = inline ?? (path ? readText(root, posix.join(dir, path)) : undefined);
      if (!patchTargets(field(p, 'target'), text, doc.name) || !changesWhatItDeploys(text)) continue;
      edits.push(path ? `patch ${path}` : 'an inline patch');
      paths.push(...specPaths(text));
    }
    for (const p of list(kz.patchesStrategicMerge)) {
      const text = typeof p === 'string' && !p.includes('\n') ? readText(root, posix.join(dir, p)) : str(p);
      if (!patchTargets(undefined, text, doc.name) || !changesWhatItDeploys(text)) continue;
      edits.push('patchesStrategicMerge');
      paths.push(...specPaths(text));
    }
    for (const p of list(kz.patchesJson6902)) {
      const path = str(field(p, 'path'));
      const text = str(field(p, 'patch')) ?? (path ? readText(root, posix.join(dir, path)) : undefined);
      if (!patchTargets(field(p, 'target'), undefined, doc.name) || !changesWhatItDeploys(text)) continue;
      edits.push('patchesJson6902');
      paths.push(...specPaths(text));
    }
    const ns = str(kz.namespace);
    if (ns !== undefined && ns !== doc.namespace) edits.push(`namespace: ${ns}`);
    if (str(kz.namePrefix)) edits.push('namePrefix');
    if (str(kz.nameSuffix)) edits.push('nameSuffix');
    if (edits.length > 0) return { by: `${k} (${[...new Set(edits)].join(', ')})`, file: k, paths };
  }
  return undefined;
}

/**
 * Fields of a Flux Kustomization that change how kustomize-controller reconciles it, not what it applies
 * (kustomize-controller api/v1 KustomizationSpec): a patch that only sets these (a cluster-wide `decryption`
 * or `timeout`, say) leaves the preview of its file true.
 */
const reconcileOnly = new Set(['interval', 'retryInterval', 'timeout', 'decryption', 'serviceAccountName', 'wait', 'healthChecks', 'healthCheckExprs', 'force', 'dependsOn']);

/** Whether a patch (JSON 6902 operations or a patch document) touches more than reconcile-only fields; unreadable: yes. */
function changesWhatItDeploys(text: string | undefined): boolean {
  if (!text) return true;
  try {
    for (const d of parseAllDocuments(text)) {
      const o: unknown = d.toJS();
      if (Array.isArray(o)) {
        for (const op of o) {
          const [top, key] = (str(field(op, 'path')) ?? '').split('/').slice(1);
          if (top === 'spec' && key !== undefined && reconcileOnly.has(key)) continue;
          if (top === 'metadata' && (key === 'labels' || key === 'annotations')) continue;
          return true;
        }
      } else if (isRecord(o)) {
        for (const key of Object.keys(o)) {
          if (key === 'apiVersion' || key === 'kind') continue;
          if (key === 'metadata' && Object.keys(isRecord(o.metadata) ? o.metadata : {}).every((m) => ['name', 'namespace', 'labels', 'annotations'].includes(m))) continue;
          if (key === 'spec' && isRecord(o.spec) && Object.keys(o.spec).every((f) => reconcileOnly.has(f))) continue;
          return true;
        }
      } else if (o !== null && o !== undefined) return true;
    }
  } catch {
    return true;
  }
  return false;
}

/**
 * The `spec.path` values a patch sets (a JSON 6902 `add`/`replace` of `/spec/path`, or a patch document's
 * `spec.path`), as repository folders: what the patched Kustomization deploys, for the note's reads.
 */
function specPaths(text: string | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  try {
    for (const d of parseAllDocuments(text)) {
      const o: unknown = d.toJS();
      const ops = Array.isArray(o) ? o : [];
      for (const op of ops) if (str(field(op, 'path')) === '/spec/path' && typeof field(op, 'value') === 'string') out.push(field(op, 'value') as string);
      const smp = str(field(o, 'spec', 'path'));
      if (smp) out.push(smp);
    }
  } catch {
    return [];
  }
  return out.map((p) => posix.normalize(p.replace(/^\/+/, '')).replace(/\/+$/, '') || '.').filter((p) => !p.startsWith('..'));
}

const fluxGroup = /^kustomize\.toolkit\.fluxcd\.io(\/|$)/;

/** A kustomize patch aimed at Flux Kustomization `name`: by its target, or by the patch document it holds. */
function patchTargets(target: unknown, text: string | undefined, name: string): boolean {
  if (isRecord(target)) {
    const kind = str(target.kind);
    const group = str(target.group);
    const targetName = str(target.name);
    if (kind !== undefined && kind !== 'Kustomization') return false;
    if (kind === undefined && group === undefined && targetName === undefined && !isRecord(target.labelSelector) && str(target.labelSelector) === undefined) return false;
    if (group !== undefined && !fluxGroup.test(group)) return false;
    if (targetName !== undefined && !nameMatches(targetName, name)) return false;
    // A target of kind Kustomization (or selecting by name or labels) may reach it.
    return kind === 'Kustomization' || group !== undefined || targetName !== undefined;
  }
  if (!text) return false;
  try {
    return parseAllDocuments(text).some((d) => {
      const o: unknown = d.toJS();
      return isRecord(o) && o.kind === 'Kustomization' && typeof o.apiVersion === 'string' && fluxGroup.test(o.apiVersion) && str(field(o, 'metadata', 'name')) === name;
    });
  } catch {
    return false;
  }
}

/** kustomize matches a target name as a regular expression anchored at both ends. */
function nameMatches(pattern: string, name: string): boolean {
  try {
    return new RegExp(`^(?:${pattern})$`).test(name);
  } catch {
    return pattern === name;
  }
}

function readText(root: string, file: string): string | undefined {
  try {
    const stat = lstatSync(join(root, file), { throwIfNoEntry: false });
    return stat?.isFile() && stat.size <= 1024 * 1024 ? readFileSync(join(root, file), 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function readKustomization(root: string, file: string, cache: Map<string, unknown>): unknown {
  if (!cache.has(file)) {
    let parsed: unknown;
    try {
      parsed = parseAllDocuments(readText(root, file) ?? '')[0]?.toJS();
    } catch {
      parsed = undefined;
    }
    cache.set(file, parsed);
  }
  return cache.get(file);
}

const kustomizationNames = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** Whether the build of kustomization file `k` reads `target` as a resource (or through a component), at any depth. */
function includes(root: string, k: string, target: string, cache: Map<string, unknown>, seen: Set<string>): boolean {
  if (seen.has(k)) return false;
  seen.add(k);
  const kz = readKustomization(root, k, cache);
  if (!isRecord(kz)) return false;
  const dir = posix.dirname(k);
  for (const entry of [...list(kz.resources), ...list(kz.components), ...list(kz.bases)]) {
    if (typeof entry !== 'string' || entry.includes('://')) continue;
    const path = posix.normalize(posix.join(dir, entry)).replace(/\/+$/, '');
    if (path === target) return true;
    const child = kustomizationNames.map((n) => posix.join(path, n)).find((n) => readText(root, n) !== undefined);
    if (child && includes(root, child, target, cache, seen)) return true;
  }
  return false;
}
