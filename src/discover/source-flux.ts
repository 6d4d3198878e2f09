import { posix } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { DiscoveryNote } from '../model/discovery.ts';
import { discoveredEnvironmentBase, type Environment, type KustomizeOptions } from '../model/environment.ts';
import { parseDuration } from '../config/duration.ts';
import { namespaceProblem } from '../util/argument-rules.ts';
import { needsAssembly, type SubstituteFromRef } from '../model/flux-source.ts';
import { BosunError } from '../model/errors.ts';
import { collectInputs, isInput } from './collect-inputs.ts';
import { applyingClusters } from './flux-clusters.ts';
import { fluxObjectNotes } from './flux-notes.ts';
import { applyPatches, patchedBy } from './flux-patched.ts';
import { childFieldSubstitutions } from './flux-child-fields.ts';
import { InputWalker, type InputsCache } from './input-walker.ts';
import { helmReleaseEnvironments } from './helmrelease.ts';
import { bootstrapName, FluxSources, type SourceResolution } from './flux-sources.ts';
import { assignUniqueNames } from './naming.ts';
import { environmentNote, existingRepoPath, objectNote } from './notes.ts';
import { bool, checkedArgument, field, isRecord, list, repoPathFrom, str, stringMap } from './object-fields.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import type { KubeObject } from '../model/object.ts';
import { substitutionDisabled } from '../render/substitute.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource, EnvInputs } from './types.ts';

const kustomizationApi = /^kustomize\.toolkit\.fluxcd\.io\//;

interface FluxKustomization {
  doc: YamlObjectDoc;
  name: string;
  namespace?: string;
  /** `clusters/<cluster>/…` files belong to that cluster. */
  cluster?: string;
}

export const fluxSource: DiscoverySource = {
  name: 'flux',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    const scan = await ctx.repoYaml();
    const { docs } = scan;
    const notes: DiscoveryNote[] = [];
    const sources = new FluxSources(ctx, docs, scan.sourceIgnores ?? []);

    const all: FluxKustomization[] = [];
    for (const doc of docs.filter((d) => isKind(d, kustomizationApi, 'Kustomization'))) {
      const name = str(field(doc.object, 'metadata', 'name'));
      if (!name) {
        notes.push(objectNote(doc, 'not-an-environment', 'not an environment: metadata.name is not set'));
        continue;
      }
      const cluster = /^clusters\/([^/]+)\//.exec(doc.file)?.[1];
      all.push({ doc, name, namespace: str(field(doc.object, 'metadata', 'namespace')), ...(cluster ? { cluster } : {}) });
    }

    const own: Array<FluxKustomization & { source: Extract<SourceResolution, { kind: 'here' }> }> = [];
    for (const k of all) {
      const remote = remoteClusterNote(ctx, k);
      if (remote) {
        notes.push(remote);
        continue;
      }
      const source = resolveSource(sources, k);
      if (source.kind === 'here') own.push({ ...k, source });
      else notes.push(sourceNote(ctx, k, source));
    }
    const naming = (into: DiscoveryNote[]) => assignUniqueNames(
      own.map((k) => ({
        name: k.cluster ? `${k.cluster}/${k.name}` : k.name,
        qualified: [k.cluster, k.namespace, k.name].filter(Boolean).join('/'),
      })),
      into,
      'Flux Kustomization',
    );
    let nameNotes: DiscoveryNote[] = [];
    const names = naming(nameNotes);
    let envNotes: DiscoveryNote[][] = own.map(() => []);
    let built = own.map((k, i) => toEnvironment(ctx, k, names[i], envNotes[i]));
    await ctx.tally?.add('environments', built.length);
    // One whose object the applying Kustomization's build edits is not what its file says: with patches
    // bosun can apply (JSON 6902, merge), the environment is made from the edited object; else not previewed.
    const { edits, parentsOf, editsByParent } = await patchedKustomizations(ctx, own, built);
    // A Kustomization outside bootstrap's clusters/<c>/ folders (a shared clusters/base/, an
    // infrastructure/flux/ folder) is deployed on the clusters whose builds apply it: one environment per
    // cluster, each reconciled there (flux-clusters.ts). One a build edits stays one (flux-patched.ts).
    const bootstrapped = new Set(own.filter((k) => k.name === bootstrapName).map((k) => k.cluster));
    const placed = applyingClusters(own, parentsOf, bootstrapped);
    const patched = new Map<number, NonNullable<ReturnType<typeof patchedBy>>>();
    const expanded: typeof own = [];
    for (const [i, k] of own.entries()) {
      const clusters = placed[i];
      // Edited by a build and applied by several: each cluster's copy is its one applying build's edit,
      // when every cluster has exactly one such build (each cluster overlay patching the shared file).
      const perCluster = clusters && clusters.length > 1 && edits.has(i) ? editsPerCluster(clusters, parentsOf.get(i) ?? [], built, editsByParent.get(i)) : undefined;
      for (const cluster of !clusters || (edits.has(i) && clusters.length > 1 && !perCluster) ? [k.cluster] : clusters) {
        const edit = perCluster ? perCluster.get(cluster) : edits.get(i);
        if (edit) patched.set(expanded.length, edit);
        expanded.push(cluster === k.cluster ? k : { ...k, cluster });
      }
    }
    const moved = expanded.some((k, i) => k !== own[i]) || expanded.length !== own.length;
    own.splice(0, own.length, ...expanded);
    if (moved) {
      nameNotes = [];
      names.splice(0, names.length, ...naming(nameNotes));
      envNotes = own.map(() => []);
      built = own.map((k, i) => toEnvironment(ctx, k, names[i], envNotes[i]));
    }
    notes.push(...nameNotes);
    const dropped = new Set<number>();
    for (const [i, edit] of patched) {
      const k = own[i];
      const object = edit.patches ? applyPatches(k.doc.object, edit.patches) : undefined;
      if (object) {
        const doc: YamlObjectDoc = { file: k.doc.file, line: k.doc.line, object, lineOf: (path) => k.doc.lineOf(path) };
        const editedNamespace = str(field(object, 'metadata', 'namespace'));
        const source = resolveSource(sources, { ...k, doc, ...(editedNamespace ? { namespace: editedNamespace } : {}) });
        if (source.kind === 'here') {
          own[i] = { ...k, doc, source, ...(editedNamespace ? { namespace: editedNamespace } : {}) };
          envNotes[i] = [environmentNote(names[i], `built from its object as ${edit.by} edits it: kustomize-controller applies the edited Kustomization`, { file: k.doc.file, line: k.doc.line })];
          built[i] = toEnvironment(ctx, own[i], names[i], envNotes[i]);
          // The edits define it too: inputs of its render (a change there affects it), and no reuse of a
          // discovery result across a change to them (reuse.ts).
          built[i].definedByFiles = [...new Set(edit.files)].sort();
          continue;
        }
      }
      const reads = [str(field(k.doc.object, 'spec', 'path')) ?? './', ...edit.paths].map((p) => existingRepoPath(ctx.root, p));
      notes.push(objectNote(k.doc, 'not-previewed',
        `not an environment: kustomize-controller applies this Flux Kustomization as the build of ${edit.by} outputs it, which bosun cannot apply to the Kustomization it finds in the file (${edit.patches ? 'the edited object' : 'an edit other than a JSON 6902 or merge patch, or one of several builds that read the file'}): what it deploys is not previewed (declare the environment in .bosun.yaml to preview it)`,
        { reads: [...new Set([...reads.filter((r): r is string => r !== undefined), ...edit.files])] }));
      dropped.add(i);
    }
    // Fields of a Kustomization object holding `${…}` take the applying Kustomization's variables (flux-child-fields.ts).
    await substituteChildFields(ctx, sources, { own, built, names, envNotes, dropped, notes });
    const keep = own.map((_, i) => !dropped.has(i));
    for (const [i, n] of envNotes.entries()) if (keep[i]) notes.push(...n);
    own.splice(0, own.length, ...own.filter((_, i) => keep[i]));
    names.splice(0, names.length, ...names.filter((_, i) => keep[i]));
    const environments = built.filter((_, i) => keep[i]);
    own.forEach((k, i) => {
      if (needsAssembly(k.source.spec)) environments[i].fluxSource = k.source.spec;
      for (const note of k.source.notes) notes.push(environmentNote(names[i], note, { file: k.doc.file, line: k.doc.line }));
    });
    own.forEach((k, i) => {
      environments[i].dependsOn = resolveDependsOn(k, own, names, notes);
    });
    notes.push(...fluxObjectNotes(ctx, docs, sources, usedArtifacts(own)));
    // HelmReleases these Kustomizations apply: environments of their own, or notes saying why not.
    const releases = await helmReleaseEnvironments(ctx, docs, scan.files, environments, (name, namespace, file) => {
      const resolved = sources.resolveGitRepository(name, namespace, file);
      return resolved.kind === 'here' ? { here: true } : { here: false, reason: resolved.reason };
    });
    notes.push(...releases.notes);
    return { environments: [...environments, ...releases.environments], notes };
  },
};

/**
 * The Kustomizations (by index) whose object the build of a Kustomization applying them edits, with what
 * edits it (flux-patched.ts): a parent is another environment whose static inputs hold the file.
 */
type Edit = NonNullable<ReturnType<typeof patchedBy>>;

/**
 * Which edit each cluster's copy of a Kustomization gets, when every one of `clusters` applies it through
 * exactly one build (`parents`, by index into `envs`) of its own: that build's edit, or none. Else undefined.
 */
function editsPerCluster(clusters: readonly string[], parents: readonly number[], envs: readonly Environment[], byParent: ReadonlyMap<number, Edit> | undefined): Map<string | undefined, Edit | undefined> | undefined {
  const out = new Map<string | undefined, Edit | undefined>();
  for (const cluster of clusters) {
    const builds = parents.filter((j) => envs[j].cluster === cluster);
    if (builds.length !== 1) return undefined;
    out.set(cluster, byParent?.get(builds[0]));
  }
  return out;
}

async function patchedKustomizations(ctx: DiscoveryContext, own: ReadonlyArray<FluxKustomization>, envs: Environment[]): Promise<{ edits: Map<number, Edit>; parentsOf: Map<number, number[]>; editsByParent: Map<number, Map<number, Edit>> }> {
  const out = new Map<number, Edit>();
  const parentsOf = new Map<number, number[]>();
  const editsByParent = new Map<number, Map<number, Edit>>();
  const cache: InputsCache = new Map();
  // The walk collectInputs takes (same cache and options): the kustomizations it read are read again from the cache.
  const model = new InputWalker(ctx.root, cache, { remoteCharts: true, remoteBases: true });
  const inputs = new Map<Environment, EnvInputs | undefined>();
  const inputsOf = async (env: Environment) => {
    if (!inputs.has(env)) {
      try {
        // What its build reads, not the file that defines it: Kustomizations written in one file do not apply
        // each other (with it, 9,999 in one file were each other's parents: 10^8 pairs, and two in a file a
        // build patches were 'applied by several builds').
        inputs.set(env, await collectInputs(ctx.root, { ...env, definedIn: undefined, definedByFiles: undefined }, cache));
      } catch (e) {
        if (!(e instanceof BosunError)) throw e;
        inputs.set(env, undefined); // the environment reports its own problem when rendered
      }
    }
    return inputs.get(env);
  };
  // Which environments read a file, from an index of their inputs: asking every environment about every
  // Kustomization's file was quadratic (9,999 Kustomizations: 10^8 questions, minutes before any render).
  const readers = new InputReaders();
  if (envs.length > 1) for (const [j, parent] of envs.entries()) {
    await ctx.tally?.add('walked');
    const ins = await inputsOf(parent);
    if (ins) readers.add(j, ins);
  }
  for (const [i, k] of own.entries()) {
    let parents = 0;
    for (const j of readers.of(k.doc.file)) {
      if (i === j) continue;
      const parent = envs[j];
      const ins = inputs.get(parent);
      if (!ins || !isInput(ins, k.doc.file)) continue;
      parents++;
      parentsOf.set(i, [...(parentsOf.get(i) ?? []), j]);
      const edit = patchedBy(model, k.doc.file, { name: k.name, ...(k.namespace ? { namespace: k.namespace } : {}) }, parent, ins);
      if (edit && !out.has(i)) out.set(i, edit);
      if (edit) editsByParent.set(i, new Map([...(editsByParent.get(i) ?? []), [j, edit]]));
    }
    // Applied by two builds, edited by one: two objects from one file, which one environment cannot be —
    // unless every build of the one cluster edits it into the same object (then that is what the cluster gets).
    const edit = out.get(i);
    if (edit && parents > 1) out.set(i, sameEdit(k.doc.object, parentsOf.get(i)!, envs, editsByParent.get(i)) ?? { by: edit.by, ...(edit.file ? { file: edit.file } : {}), paths: edit.paths, files: edit.files });
  }
  return { edits: out, parentsOf, editsByParent };
}

/**
 * Two Kustomizations of one cluster applying the same Kustomization object each server-side apply their
 * own copy, with the same field manager (kustomize-controller), so the object is whichever applied last:
 * no one state bosun could preview — unless the builds edit it alike, into one object. Then that edit
 * (the builds' files all define it); else undefined.
 */
function sameEdit(object: Record<string, unknown>, parents: readonly number[], envs: readonly Environment[], byParent: ReadonlyMap<number, Edit> | undefined): Edit | undefined {
  if (new Set(parents.map((j) => envs[j].cluster)).size !== 1) return undefined;
  const edits = parents.map((j) => byParent?.get(j));
  const objects = edits.map((e) => (e ? (e.patches ? applyPatches(object, e.patches) : undefined) : object));
  if (objects.some((o) => o === undefined) || !objects.every((o) => isDeepStrictEqual(o, objects[0]))) return undefined;
  const found = edits.filter((e): e is Edit => e !== undefined);
  return { by: found.map((e) => e.by).join(' and '), ...(found[0].file ? { file: found[0].file } : {}), paths: [...new Set(found.flatMap((e) => e.paths))], patches: found[0].patches, files: [...new Set(found.flatMap((e) => e.files))] };
}

/** The environments (by index) whose inputs may hold a file: its own entry, a folder above it, or the whole repository; in index order. */
class InputReaders {
  private readonly byFile = new Map<string, number[]>();
  private readonly byDir = new Map<string, number[]>();

  add(j: number, ins: EnvInputs): void {
    for (const f of ins.files) push(this.byFile, posix.normalize(f).replace(/^\.\//, ''), j);
    for (const d of ins.dirs) push(this.byDir, d, j);
  }

  of(file: string): number[] {
    const normal = posix.normalize(file).replace(/^\.\//, '');
    const found = new Set<number>([...(this.byFile.get(normal) ?? []), ...(this.byDir.get('.') ?? []), ...(this.byDir.get(normal) ?? [])]);
    for (let slash = normal.indexOf('/'); slash >= 0; slash = normal.indexOf('/', slash + 1)) {
      for (const j of this.byDir.get(normal.slice(0, slash)) ?? []) found.add(j);
    }
    return [...found].sort((a, b) => a - b);
  }
}

function push(map: Map<string, number[]>, key: string, j: number): void {
  const list = map.get(key);
  if (list) list.push(j);
  else map.set(key, [j]);
}

export function isKind(doc: YamlObjectDoc, api: RegExp, kind: string): boolean {
  const apiVersion = doc.object.apiVersion;
  return doc.object.kind === kind && typeof apiVersion === 'string' && api.test(apiVersion);
}

/** What the Kustomization's `sourceRef` comes to (kustomize-controller reads the source's artifact). */
function resolveSource(sources: FluxSources, k: FluxKustomization): SourceResolution {
  const ref = field(k.doc.object, 'spec', 'sourceRef');
  const kind = str(field(ref, 'kind'));
  const name = str(field(ref, 'name'));
  // A sourceRef without a namespace is in the Kustomization's own (kustomization_types.go).
  const namespace = str(field(ref, 'namespace')) ?? k.namespace;
  if (kind === 'GitRepository') return sources.resolveGitRepository(name, namespace, k.doc.file);
  if (kind === 'ExternalArtifact') return sources.resolveExternalArtifact(name, namespace, k.doc.file);
  if (!kind) return { kind: 'external', reason: 'spec.sourceRef.kind is not set', mayReadHere: false };
  return { kind: 'external', reason: `its source kind \`${kind}\`${name ? ` (${name})` : ''} is one bosun does not follow, so what it deploys is not previewed`, mayReadHere: true };
}

function sourceNote(ctx: DiscoveryContext, k: FluxKustomization, source: Exclude<SourceResolution, { kind: 'here' }>): DiscoveryNote {
  if (source.kind === 'pinned') return objectNote(k.doc, 'not-an-environment', `not an environment: ${source.reason}`);
  const path = str(field(k.doc.object, 'spec', 'path')) ?? './';
  const here = source.mayReadHere ? existingRepoPath(ctx.root, path) : undefined;
  return objectNote(k.doc, 'not-an-environment', `not an environment: ${source.reason}`, here !== undefined ? { reads: [here] } : {});
}

/**
 * kustomize-controller applies a Kustomization with `spec.kubeConfig` on the cluster that kubeconfig names
 * (a Secret, or a ConfigMap for workload identity), not on the one it runs in — bosun does not know that
 * cluster, so planning or applying the folder on the cluster of its own folder would show and change the
 * wrong cluster. It is not an environment; what it deploys is `not-previewed` (issue #11): a change under
 * its path is one bosun cannot judge (exit 3, the App's neutral check) even when a local Kustomization
 * reads the same folder and is previewed — that shows one cluster of two. When `.bosun.yaml` lists the
 * environments, its notes are `not-an-environment` like every Kustomization's (discover.ts unaskedObjectNotes).
 */
function remoteClusterNote(ctx: DiscoveryContext, k: FluxKustomization): DiscoveryNote | undefined {
  const kubeConfig = field(k.doc.object, 'spec', 'kubeConfig');
  if (kubeConfig === undefined || kubeConfig === null) return undefined;
  const secret = str(field(kubeConfig, 'secretRef', 'name'));
  const configMap = str(field(kubeConfig, 'configMapRef', 'name'));
  const where = secret ? `the kubeconfig in Secret ${secret}` : configMap ? `the cluster ConfigMap ${configMap} describes` : 'spec.kubeConfig';
  const path = str(field(k.doc.object, 'spec', 'path')) ?? './';
  const here = existingRepoPath(ctx.root, path);
  return objectNote(k.doc, 'not-previewed',
    `not an environment: spec.kubeConfig: kustomize-controller applies it on another cluster (${where}), which bosun does not know: what it deploys there is not previewed and bosun applies nothing there; to preview and apply it, declare an environment for that folder in .bosun.yaml with the cluster's name in bosun's cluster registry`,
    here !== undefined ? { reads: [here] } : {});
}

/**
 * The Kustomizations whose object holds `${…}` in fields other than its postBuild.substitute values, built
 * again from the object as the Kustomization applying it substitutes it (flux-child-fields.ts); those whose
 * values only the plan can know keep `fluxPending` (and are not rendered until it substitutes them). The
 * files the values come from define them too (`definedByFiles`: inputs, and no reuse of discovery across a
 * change to them). Where nothing substitutes them, a `${…}` targetNamespace is refused as before.
 */
async function substituteChildFields(ctx: DiscoveryContext, sources: FluxSources, s: {
  own: Array<FluxKustomization & { source: Extract<SourceResolution, { kind: 'here' }> }>;
  built: Environment[];
  names: string[];
  envNotes: DiscoveryNote[][];
  dropped: Set<number>;
  notes: DiscoveryNote[];
}): Promise<void> {
  const cache: InputsCache = new Map();
  const inputsOf = async (env: Environment) => {
    try {
      return await collectInputs(ctx.root, env, cache);
    } catch (e) {
      if (!(e instanceof BosunError)) throw e;
      return undefined;
    }
  };
  const found = await childFieldSubstitutions(s.built, s.own.map((k) => k.doc.object), s.dropped, inputsOf);
  for (const [i, c] of found) {
    const k = s.own[i];
    if ('pending' in c) {
      s.built[i].fluxPending = c.pending;
      continue;
    }
    const doc: YamlObjectDoc = { file: k.doc.file, line: k.doc.line, object: c.object, lineOf: (path) => k.doc.lineOf(path) };
    const namespace = str(field(c.object, 'metadata', 'namespace')) ?? k.namespace;
    const substituted = { ...k, doc, ...(namespace ? { namespace } : {}) };
    const source = resolveSource(sources, substituted);
    if (source.kind !== 'here') {
      s.notes.push(sourceNote(ctx, substituted, source));
      s.dropped.add(i);
      continue;
    }
    s.own[i] = { ...substituted, source };
    const definedBy = [...new Set([...(s.built[i].definedByFiles ?? []), ...c.files])].sort();
    // The edit notes of flux-patched.ts stay; toEnvironment's own notes are made again.
    s.envNotes[i] = [
      ...s.envNotes[i].filter((n) => n.reason.startsWith('built from its object as ')),
      environmentNote(s.names[i], `${c.fields.join(', ')} substituted as ${c.by} substitutes its build's objects (postBuild variables): kustomize-controller applies the substituted Kustomization`, { file: k.doc.file, line: k.doc.line }),
    ];
    s.built[i] = toEnvironment(ctx, s.own[i], s.names[i], s.envNotes[i]);
    if (definedBy.length > 0) s.built[i].definedByFiles = definedBy;
  }
  for (const [i, env] of s.built.entries()) {
    if (s.dropped.has(i) || env.fluxPending || !env.namespace?.includes('${')) continue;
    const doc = s.own[i].doc;
    checkedArgument(env.namespace, namespaceProblem, { file: doc.file, line: () => doc.lineOf(['spec', 'targetNamespace']), field: 'spec.targetNamespace' });
  }
}

/**
 * A Flux environment with the fields its Kustomization object's spec gives taken again from `object` (the
 * plan's substitution of a `fluxPending` one: plan/substitute-from.ts): path, targetNamespace, kustomize
 * options, substituteFrom, commonMetadata, prune. Throws BosunError for a path outside the repository or a
 * namespace Kubernetes refuses, as discovery does.
 */
export function withFluxObject(root: string, env: Environment, object: Record<string, unknown>): Environment {
  const at = env.definedIn;
  const doc: YamlObjectDoc = { file: at?.file ?? '', line: at?.line ?? 1, object, lineOf: () => at?.line };
  const namespace = str(field(object, 'metadata', 'namespace'));
  const fresh = toEnvironment({ root }, { doc, name: env.name, ...(namespace ? { namespace } : {}) }, env.name, []);
  if (fresh.namespace?.includes('${')) checkedArgument(fresh.namespace, namespaceProblem, { file: doc.file, line: () => at?.line, field: 'spec.targetNamespace' });
  const out: Environment = { ...env, path: fresh.path };
  for (const key of ['fluxPending', 'namespace', 'kustomize', 'substituteFrom', 'commonMetadata'] as const) delete out[key];
  if (typeof field(object, 'spec', 'prune') === 'boolean') out.prune = fresh.prune;
  return {
    ...out,
    ...(fresh.namespace ? { namespace: fresh.namespace } : {}),
    ...(fresh.kustomize ? { kustomize: fresh.kustomize } : {}),
    ...(fresh.substituteFrom ? { substituteFrom: fresh.substituteFrom } : {}),
    ...(fresh.commonMetadata ? { commonMetadata: fresh.commonMetadata } : {}),
  };
}

/** `namespace/name` of the ExternalArtifacts environments read, so their generators are not listed as unread. */
function usedArtifacts(own: ReadonlyArray<FluxKustomization>): Set<string> {
  const out = new Set<string>();
  for (const k of own) {
    const ref = field(k.doc.object, 'spec', 'sourceRef');
    if (str(field(ref, 'kind')) === 'ExternalArtifact') out.add(`${str(field(ref, 'namespace')) ?? k.namespace ?? ''}/${str(field(ref, 'name')) ?? ''}`);
  }
  return out;
}

function toEnvironment(ctx: Pick<DiscoveryContext, 'root' | 'defaults'>, k: FluxKustomization, name: string, notes: DiscoveryNote[]): Environment {
  const { root } = ctx;
  const { doc } = k;
  const spec = field(doc.object, 'spec');
  const at = { file: doc.file, line: doc.line };
  // Flux resolves spec.path inside the source, so a leading '/' means the repository root.
  const rawPath = (str(field(spec, 'path')) ?? './').replace(/^\/+/, '') || '.';
  const path = repoPathFrom(root, rawPath, { file: doc.file, line: () => doc.lineOf(['spec', 'path']), field: 'spec.path' });
  const suspended = bool(field(spec, 'suspend')) === true;
  if (suspended) notes.push(environmentNote(name, 'the Flux Kustomization is suspended: it is planned but never applied', at));

  const env: Environment = {
    ...discoveredEnvironmentBase(ctx.defaults),
    name,
    source: 'flux',
    path,
    definedIn: { file: doc.file, line: doc.line },
    render: 'auto',
    // Flux prunes only with spec.prune (a required field); without it, `defaults` decides, else off.
    prune: bool(field(spec, 'prune')) ?? ctx.defaults?.prune ?? false,
    autoApply: !suspended,
  };
  if (k.cluster) env.cluster = k.cluster;
  // Deleting the Kustomization deletes its objects only as its finalizer says (kustomize-controller
  // kustomization_controller.go finalizerShouldDeleteResources): not while suspended, not with deletionPolicy
  // Orphan, and with the default MirrorPrune only when spec.prune is on. Then a removal keeps them.
  const deletionPolicy = str(field(spec, 'deletionPolicy')) ?? 'MirrorPrune';
  const keeps = suspended ? 'the Kustomization is suspended: kustomize-controller\'s finalizer deletes nothing'
    : deletionPolicy === 'Orphan' ? 'deletionPolicy: Orphan: kustomize-controller\'s finalizer deletes nothing'
      : deletionPolicy === 'MirrorPrune' && !env.prune ? 'spec.prune is off: kustomize-controller\'s finalizer deletes nothing (deletionPolicy MirrorPrune)' : undefined;
  if (keeps) env.keepObjectsOnRemoval = keeps;
  const targetNamespace = str(field(spec, 'targetNamespace'));
  // One holding `${…}` is checked once the applying Kustomization's substitution is known (substituteChildFields).
  if (targetNamespace?.includes('${')) env.namespace = targetNamespace;
  else if (targetNamespace) {
    env.namespace = checkedArgument(targetNamespace, namespaceProblem, { file: doc.file, line: () => doc.lineOf(['spec', 'targetNamespace']), field: 'spec.targetNamespace' });
  }
  const timeout = parseDuration(str(field(spec, 'timeout')) ?? '');
  if (timeout !== undefined) env.healthTimeoutSeconds = timeout;
  const interval = parseDuration(str(field(spec, 'interval')) ?? '');
  if (interval !== undefined) env.reconcileIntervalSeconds = interval;
  // How kustomize-controller applies: spec.force, spec.wait (default false) and spec.healthChecks; the
  // per-object kustomize.toolkit.fluxcd.io/* annotations come with the 'flux' semantics (src/model/apply-options.ts).
  const healthChecks = list(field(spec, 'healthChecks')).flatMap((h) => {
    const check = { apiVersion: str(field(h, 'apiVersion')), kind: str(field(h, 'kind')), name: str(field(h, 'name')), namespace: str(field(h, 'namespace')) };
    if (!check.apiVersion || !check.kind || !check.name) {
      notes.push(environmentNote(name, 'a spec.healthChecks entry without apiVersion, kind and name is ignored', at));
      return [];
    }
    return [{ apiVersion: check.apiVersion, kind: check.kind, name: check.name, ...(check.namespace ? { namespace: check.namespace } : {}) }];
  });
  env.apply = {
    semantics: 'flux',
    wait: bool(field(spec, 'wait')) === true,
    ...(bool(field(spec, 'force')) === true ? { force: true } : {}),
    ...(healthChecks.length > 0 ? { healthChecks } : {}),
  };

  const kustomize = kustomizeOptions(spec);
  if (kustomize) env.kustomize = kustomize;
  const substitute = stringMap(field(spec, 'postBuild', 'substitute'));
  if (substitute && Object.keys(substitute).length > 0) env.substitute = substitute;
  if (substitutionDisabled(doc.object as KubeObject)) env.substitutionDisabledByObject = true;
  const substituteFrom = substituteFromRefs(spec, k.namespace ?? bootstrapName);
  if (substituteFrom.length > 0) env.substituteFrom = substituteFrom;
  const labels = stringMap(field(spec, 'commonMetadata', 'labels'));
  const annotations = stringMap(field(spec, 'commonMetadata', 'annotations'));
  if ((labels && Object.keys(labels).length > 0) || (annotations && Object.keys(annotations).length > 0)) {
    env.commonMetadata = { ...(labels && Object.keys(labels).length > 0 ? { labels } : {}), ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}) };
  }
  for (const unsupported of ['patchesStrategicMerge', 'patchesJson6902']) {
    if (field(spec, unsupported) !== undefined) notes.push(environmentNote(name, `spec.${unsupported} is not applied by bosun's render`, at));
  }
  return env;
}

/**
 * `postBuild.substituteFrom`: ConfigMaps and Secrets read from the Kustomization's own namespace
 * (fluxcd/pkg kustomize LoadVariables), later entries overriding earlier ones, `spec.postBuild.substitute` last.
 */
function substituteFromRefs(spec: unknown, namespace: string): SubstituteFromRef[] {
  const out: SubstituteFromRef[] = [];
  for (const ref of list(field(spec, 'postBuild', 'substituteFrom'))) {
    const kind = str(field(ref, 'kind'));
    const name = str(field(ref, 'name'));
    if ((kind !== 'ConfigMap' && kind !== 'Secret') || !name) continue;
    out.push({ kind, name, namespace, optional: bool(field(ref, 'optional')) === true });
  }
  return out;
}

function kustomizeOptions(spec: unknown): KustomizeOptions | undefined {
  const out: KustomizeOptions = {};
  const patches = list(field(spec, 'patches'))
    .filter((p) => typeof field(p, 'patch') === 'string')
    .map((p) => ({ patch: field(p, 'patch') as string, ...(isRecord(field(p, 'target')) ? { target: field(p, 'target') as Record<string, unknown> } : {}) }));
  if (patches.length > 0) out.patches = patches;
  const images = list(field(spec, 'images')).map(imageOverride).filter((i): i is string => i !== undefined);
  if (images.length > 0) out.images = images;
  const components = list(field(spec, 'components')).filter((c): c is string => typeof c === 'string' && c !== '');
  if (components.length > 0) out.components = components;
  const namePrefix = str(field(spec, 'namePrefix'));
  if (namePrefix) out.namePrefix = namePrefix;
  const nameSuffix = str(field(spec, 'nameSuffix'));
  if (nameSuffix) out.nameSuffix = nameSuffix;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Flux `{name, newName, newTag, digest}` as the `name=newName:tag` / `name@digest` form Argo CD and the config use. */
function imageOverride(image: unknown): string | undefined {
  const name = str(field(image, 'name'));
  if (!name) return undefined;
  const newName = str(field(image, 'newName'));
  const newTag = str(field(image, 'newTag'));
  const digest = str(field(image, 'digest'));
  const target = newName ? `${name}=${newName}` : name;
  if (digest) return `${target}@${digest}`;
  return newTag ? `${target}:${newTag}` : target;
}

/** Flux `dependsOn` entries are Kustomization references; only ones in the same cluster folder can match. */
function resolveDependsOn(k: FluxKustomization, own: FluxKustomization[], names: string[], notes: DiscoveryNote[]): string[] {
  const out: string[] = [];
  for (const dep of list(field(k.doc.object, 'spec', 'dependsOn'))) {
    const depName = typeof dep === 'string' ? dep : str(field(dep, 'name'));
    if (!depName) continue;
    const depNamespace = str(field(dep, 'namespace')) ?? k.namespace;
    const index = own.findIndex(
      (o) => o.cluster === k.cluster && o.name === depName && (depNamespace === undefined || o.namespace === undefined || o.namespace === depNamespace),
    );
    if (index >= 0) out.push(names[index]);
    else {
      const self = own.indexOf(k);
      notes.push(environmentNote(names[self], `depends on ${depNamespace ? `${depNamespace}/` : ''}${depName}, which is not an environment in this repository; the dependency is ignored`, { file: k.doc.file, line: k.doc.line }));
    }
  }
  return out;
}
