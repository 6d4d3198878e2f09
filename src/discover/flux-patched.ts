import { readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { field, isRecord, list, str } from './object-fields.ts';
import { applyJsonPatch, JsonPatchError } from '../util/json-patch.ts';
import { mergePatch } from '../util/merge-patch.ts';
import type { InputWalker } from './input-walker.ts';
import type { EnvInputs } from './types.ts';
import { isKustomizationFile, type KustomizationNode } from '../render/kustomize-model/index.ts';

/**
 * Whether the Flux Kustomization defined in `file` (name, namespace) reaches the cluster changed by the
 * kustomize build of a Kustomization that applies it (`parent`): kustomize-controller applies what that
 * build outputs, so a patch there (a multi-cluster repository's `clusters/production/kustomization.yaml`
 * that sets `spec.path: ./apps/production` or `postBuild` on a Kustomization from `clusters/base/`), a
 * `namespace:`, `namePrefix:` or `nameSuffix:` transformer, or the parent's own `spec.patches` targeting
 * Flux Kustomizations make it another object than its file. bosun discovers Flux Kustomizations from
 * their files and does not apply those edits, so such a Kustomization is not previewed; this says why.
 *
 * `parentInputs` are the parent's static inputs: the kustomization files among them (and, in the folders they
 * hold, the ones above `file`) that include `file`
 * (through `resources`/`components`, transitively) are the ones whose edits apply to it.
 */
export interface KustomizationEdit {
  /** What edits it, for notes: `clusters/production/kustomization.yaml (an inline patch)`. */
  by: string;
  /** The file holding the edit. */
  file?: string;
  /** `spec.path` values the edits set. */
  paths: string[];
  /** The edits in order, when each is a patch bosun can apply to the object (JSON 6902 or merge); else undefined. */
  patches?: PatchText[];
  /** The files the edits are read from (the kustomization file, its patch files): what defines the edited object besides its own file. */
  files: string[];
}

/** A patch's text: JSON 6902 operations, or a patch document (a strategic merge patch, which for a custom resource is a JSON merge patch). */
export type PatchText = string;

export function patchedBy(model: InputWalker, file: string, doc: { name: string; namespace?: string }, parent: Environment, parentInputs: Pick<EnvInputs, 'files' | 'dirs'>): KustomizationEdit | undefined {
  const own: PatchText[] = [];
  let ownApplicable = true;
  for (const p of parent.kustomize?.patches ?? []) {
    const text = 'patch' in p ? p.patch : undefined;
    if (!patchTargets(p.target, text, doc.name) || !changesWhatItDeploys(text)) continue;
    if (text === undefined) ownApplicable = false;
    else own.push(text);
  }
  // kustomize-controller writes the parent's targetNamespace as the `namespace:` of the kustomization it
  // builds, so kustomize's namespace transformer moves every namespaced object of the build — a child Flux
  // Kustomization included (kustomize takes a custom kind as namespaced) — after the spec.patches.
  const moves = parent.source === 'flux' && parent.namespace !== undefined && parent.namespace !== doc.namespace;
  if (moves) own.push(JSON.stringify([{ op: 'add', path: '/metadata/namespace', value: parent.namespace }]));
  const what = [...(own.length > (moves ? 1 : 0) || !ownApplicable ? ['spec.patches'] : []), ...(moves ? [`spec.targetNamespace ${parent.namespace}`] : [])].join(' and ');
  const fromSpec = own.length > 0 || !ownApplicable
    ? { by: `the ${what} of Flux Kustomization ${parent.name}`, ...(parent.definedIn ? { file: parent.definedIn.file } : {}), paths: own.flatMap(specPaths), ...(ownApplicable ? { patches: own } : {}), files: parent.definedIn ? [parent.definedIn.file] : [] }
    : undefined;
  const fromFiles = kustomizationEdits(model, file, doc, parentInputs);
  if (fromSpec && fromFiles) {
    // The inner build's edits first (its output is a resource of the parent's build), then the parent's own.
    const patches = fromFiles.patches && fromSpec.patches ? [...fromFiles.patches, ...fromSpec.patches] : undefined;
    return { by: `${fromFiles.by} and ${fromSpec.by}`, ...(fromFiles.file ? { file: fromFiles.file } : {}), paths: [...fromFiles.paths, ...fromSpec.paths], ...(patches ? { patches } : {}), files: [...fromFiles.files, ...fromSpec.files] };
  }
  return fromFiles ?? fromSpec;
}

/** Edits of the kustomization files (among the parent's inputs) whose build includes `file`. */
function kustomizationEdits(model: InputWalker, file: string, doc: { name: string; namespace?: string }, parentInputs: Pick<EnvInputs, 'files' | 'dirs'>): KustomizationEdit | undefined {
  const found: KustomizationEdit[] = [];
  const folders = new Set(parentInputs.files.filter((f) => isKustomizationFile(posix.basename(f))).map((f) => posix.dirname(f)));
  // A parent whose path has no kustomization (Flux generates one) reads whole folders: the kustomizations
  // above the file inside them (home-ops' kubernetes/apps/<namespace>/kustomization.yaml with `namespace:`).
  for (let dir = posix.dirname(file); dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) {
    if (parentInputs.dirs.some((d) => d === '.' || dir === d || dir.startsWith(`${d}/`))) folders.add(dir);
  }
  for (const folder of folders) {
    const node = readNode(model, folder);
    const kz = node?.data;
    if (!node || !isRecord(kz) || !builds(model, node, file)) continue;
    const k = node.file;
    const dir = posix.dirname(k);
    const edits: string[] = [];
    const paths: string[] = [];
    const patches: PatchText[] = [];
    const files = [k];
    let applicable = true;
    const take = (what: string, text: string | undefined, from?: string) => {
      if (from) files.push(posix.normalize(posix.join(dir, from)));
      edits.push(what);
      paths.push(...specPaths(text));
      if (text === undefined) applicable = false;
      else patches.push(text);
    };
    // kustomize applies patchesStrategicMerge, then patchesJson6902, then patches (api/krusty kusttarget.go runTransformers order: the
    // legacy fields are converted to patches ahead of `patches`).
    for (const p of list(kz.patchesStrategicMerge)) {
      const text = typeof p === 'string' && !p.includes('\n') ? readText(model, k, p) : str(p);
      if (patchTargets(undefined, text, doc.name) && changesWhatItDeploys(text)) take('patchesStrategicMerge', text, typeof p === 'string' && !p.includes('\n') ? p : undefined);
    }
    for (const p of list(kz.patchesJson6902)) {
      const path = str(field(p, 'path'));
      const text = str(field(p, 'patch')) ?? (path ? readText(model, k, path) : undefined);
      if (patchTargets(field(p, 'target'), undefined, doc.name) && changesWhatItDeploys(text)) take('patchesJson6902', text, path);
    }
    for (const p of list(kz.patches)) {
      const inline = str(field(p, 'patch'));
      const path = str(field(p, 'path'));
      const text = inline ?? (path ? readText(model, k, path) : undefined);
      if (patchTargets(field(p, 'target'), text, doc.name) && changesWhatItDeploys(text)) take(path ? `patch ${path}` : 'an inline patch', text, inline === undefined ? path : undefined);
    }
    const ns = str(kz.namespace);
    if (ns !== undefined && ns !== doc.namespace) {
      // kustomize's namespace transformer sets metadata.namespace (a custom resource's spec is left alone):
      // applied after the others, as a JSON 6902 operation (a patch document keeps the namespace, below).
      edits.push(`namespace: ${ns}`);
      patches.push(JSON.stringify([{ op: 'add', path: '/metadata/namespace', value: ns }]));
    }
    for (const t of ['namePrefix', 'nameSuffix']) {
      if (str(kz[t])) {
        edits.push(t);
        applicable = false;
      }
    }
    if (edits.length > 0) found.push({ by: `${k} (${[...new Set(edits)].join(', ')})`, file: k, paths, ...(applicable ? { patches } : {}), files });
  }
  // Edits in two kustomization files of one build (a base's and an overlay's): said, not applied.
  if (found.length > 1) return { by: found.map((f) => f.by).join(' and '), ...(found[0].file ? { file: found[0].file } : {}), paths: found.flatMap((f) => f.paths), files: found.flatMap((f) => f.files) };
  return found[0];
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

/** The kustomization in repo folder `dir` as the kustomize model read it; undefined where there is none or it cannot be read. */
function readNode(model: InputWalker, dir: string): KustomizationNode | undefined {
  if (model.kustomizationFiles(join(model.root, dir)).length === 0) return undefined;
  try {
    return model.node(dir);
  } catch (e) {
    if (e instanceof BosunError) return undefined; // the parent's render reports it
    throw e;
  }
}

/** Whether the build of `node` reads `file` as a resource (directly, through a base or a component), as the model walks it. */
function builds(model: InputWalker, node: KustomizationNode, file: string): boolean {
  try {
    return model.tree(node.dir).resourceFiles.includes(file);
  } catch (e) {
    if (e instanceof BosunError) return false;
    throw e;
  }
}

/** A patch file `ref` of kustomization file `k`, where the model's one repository check resolves it; undefined when it cannot be read. */
function readText(model: InputWalker, k: string, ref: string): string | undefined {
  try {
    const r = model.paths.resolve(posix.dirname(k), ref, { file: k, field: '', line: () => undefined });
    const stat = r.kind === 'file' ? statSync(r.abs) : undefined;
    return stat && stat.size <= 1024 * 1024 ? readFileSync(r.abs, 'utf8') : undefined;
  } catch {
    return undefined; // refused or unreadable: the parent's inputs said so already
  }
}

/**
 * The object with the patches applied as kustomize applies them to a custom resource: JSON 6902 operations
 * (RFC 6902, util/json-patch.ts), or a patch document merged as a JSON merge patch (RFC 7386: maps merge key
 * by key, anything else replaces, null deletes — kustomize's strategic merge of a kind it has no schema
 * for). Undefined when one cannot be applied so (an operation that fails, such as a path that is not there).
 */
export function applyPatches(object: Record<string, unknown>, patches: readonly PatchText[]): Record<string, unknown> | undefined {
  let out: unknown = structuredClone(object);
  for (const text of patches) {
    let docs: unknown[];
    try {
      docs = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    } catch {
      return undefined;
    }
    if (docs.length !== 1) return undefined;
    const [patch] = docs;
    if (Array.isArray(patch)) {
      try {
        out = applyJsonPatch(out, patch);
      } catch (e) {
        if (e instanceof JsonPatchError) return undefined;
        throw e;
      }
    } else if (isRecord(patch)) out = keepingIdentity(out, mergePatch(out, patch));
    else return undefined;
  }
  return isRecord(out) ? out : undefined;
}

/**
 * kustomize's strategic merge keeps the patched object's kind, name and namespace whatever the patch
 * document says (api/resource/resource.go ApplySmPatch: SetKind, SetName unless the patch's
 * `allowNameChange`/`allowKindChange` options, SetNamespace always): cluster-template's cluster-apps patches
 * every child Kustomization with a document named `not-used`, and each keeps its own name.
 */
function keepingIdentity(before: unknown, after: unknown): unknown {
  if (!isRecord(before) || !isRecord(after)) return after;
  const was = isRecord(before.metadata) ? before.metadata : {};
  const metadata: Record<string, unknown> = { ...(isRecord(after.metadata) ? after.metadata : {}) };
  for (const key of ['name', 'namespace']) {
    if (was[key] === undefined) delete metadata[key];
    else metadata[key] = was[key];
  }
  return { ...after, ...(before.kind !== undefined ? { kind: before.kind } : {}), metadata };
}
