import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvInputs } from '../discover/types.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';
import type { SubstituteFromRef } from '../model/flux-source.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import { isSopsEncrypted, isSopsValue } from '../model/sops.ts';
import { substituteText, SubstitutionError } from '../render/substitute.ts';
import type { RenderOutcome } from '../render/types.ts';
import { parentFinder, readsParentVariables, type ParentSubstitution } from './parent-substitution.ts';
import { referencedVariables, substituteChild, unsetReason } from '../discover/flux-child-fields.ts';
import { collectInputs } from '../discover/collect-inputs.ts';
import { withFluxObject } from '../discover/source-flux.ts';
import { BosunError, type Problem } from '../model/errors.ts';
import { pendingReason } from '../model/flux-source.ts';

/**
 * Flux `postBuild.substituteFrom`, resolved the way kustomize-controller does it after the other
 * Kustomizations of the cluster are synced: the ConfigMaps and Secrets are looked up in what those
 * environments render (at the same commit), their `data` (a Secret's `stringData` too, as the API server
 * merges it) become variables in order, `postBuild.substitute` last (fluxcd/pkg kustomize LoadVariables:
 * later entries override earlier ones, inline values override all; newlines are removed). The files those
 * objects come from become inputs of the environment that reads them.
 *
 * In a preview (plan, render, validate) a value from a Secret is never substituted: its place holds a
 * marker naming the Secret and key with a keyed hash of the value (the key is random per process), so a
 * changed secret reads as a changed marker and nothing of the value is shown. Apply substitutes the values.
 */
export type SubstitutionMode = 'preview' | 'apply';

export interface SubstitutionDeps {
  /** The render of another environment of the same checkout (cached by the caller). */
  render(env: Environment): Promise<RenderOutcome>;
  /** Its inputs, when they could be analysed. */
  inputs(env: Environment): Promise<EnvInputs | undefined>;
}

export interface ResolvedSubstitution {
  /** The environment to render: `substitute` holds the substituteFrom values with the inline ones on top. */
  env: Environment;
  /** Repository files the objects came from (and their patches): inputs of the environment. */
  files: string[];
  /** Every variable and a digest of its value (secret values keyed-hashed), to tell base and head apart. */
  digest: string;
  /** What could not be resolved, in words. */
  notes: DiscoveryNote[];
  /** For an environment whose Kustomization object the applying one substitutes (`fluxPending`): the inputs of the environment as substituted. */
  inputs?: EnvInputs | { problem: Problem };
}

const markerKey = randomBytes(32);

/** The marker a Secret's value is previewed as: keyed hash only, stable within this process. */
export function secretMarker(ref: SubstituteFromRef, key: string, value: string): string {
  const digest = createHmac('sha256', markerKey).update(value).digest('hex').slice(0, 10);
  return `(secret ${ref.namespace}/${ref.name} key ${key}, value ${digest})`;
}

/**
 * The environments of one checkout whose postBuild variables come from elsewhere, resolved (others are
 * absent from the map): those that read substituteFrom, and those whose `postBuild.substitute` values the
 * Kustomization applying their object substitutes first (parent-substitution.ts).
 */
export async function resolveSubstituteFrom(envs: ReadonlyMap<string, Environment>, dir: string, deps: SubstitutionDeps, mode: SubstitutionMode, only?: ReadonlySet<string>): Promise<Map<string, ResolvedSubstitution>> {
  const out = new Map<string, ResolvedSubstitution>();
  const candidates = [...envs.values()].filter((e) => (!only || only.has(e.name)) && ((e.substituteFrom?.length ?? 0) > 0 || readsParentVariables(e)));
  if (candidates.length === 0) return out;
  const texts = new TextCache(dir);
  const renders = new Map<string, Promise<RenderOutcome>>();
  const renderOf = (env: Environment) => {
    let r = renders.get(env.name);
    if (!r) renders.set(env.name, (r = deps.render(env)));
    return r;
  };
  const parentOf = parentFinder(envs, deps.inputs);
  const memo = new Map<string, Promise<Variables>>();
  const variablesOf = (env: Environment, seen: ReadonlySet<string>): Promise<Variables> => {
    let v = memo.get(env.name);
    if (!v) memo.set(env.name, (v = computeVariables(env, seen)));
    return v;
  };
  const computeVariables = async (written: Environment, seen: ReadonlySet<string>): Promise<Variables> => {
    const v: Variables = { vars: {}, marked: {}, secret: new Set(), files: new Set(), notes: [] };
    // The inline values — and, for a pending object, its other fields — as the Kustomization applying this
    // one's object substitutes them (its own variables first).
    const parent = readsParentVariables(written) ? await parentOf(written) : undefined;
    const outer = parent && 'env' in parent && !seen.has(parent.env.name) ? await variablesOf(parent.env, new Set([...seen, written.name])) : undefined;
    if (parent && 'ambiguous' in parent && !written.fluxPending) v.notes.push(note(written, parent.ambiguous));
    const substituting = outer !== undefined && Object.keys(outer.vars).length > 0;
    if (substituting) {
      for (const f of outer.files) v.files.add(f);
      if (parent && 'env' in parent && parent.env.definedIn) v.files.add(parent.env.definedIn.file);
    }
    const consumer = written.fluxPending ? substitutePending(written, parent, substituting ? outer : undefined, dir, v) : written;
    v.env = consumer;
    // kustomize-controller reads the cluster: what the other Kustomizations of the same cluster apply.
    const providers = [...envs.values()].filter((e) => e !== written && e.source === 'flux' && e.cluster === consumer.cluster).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const ref of consumer.substituteFrom ?? []) {
      const found = await findObject(ref, providers, deps, renderOf, texts);
      if (!found) {
        if (!ref.optional) {
          v.notes.push(note(consumer, `postBuild.substituteFrom ${ref.kind} ${ref.namespace}/${ref.name} is not applied by any environment of ${consumer.cluster ? `cluster ${consumer.cluster}` : 'this repository'}: kustomize-controller reads it from the cluster (made outside this repository?) and fails the Kustomization when it is missing; bosun substitutes without it, so variables it would set stay empty or take their defaults`));
        }
        continue;
      }
      for (const f of sourceFiles(found.rendered)) v.files.add(f);
      for (const [key, raw] of Object.entries(valuesOf(ref, found.rendered.object))) {
        const value = raw.value.replace(/\n/g, '');
        const secret = ref.kind === 'Secret' || raw.encrypted;
        v.marked[key] = secret ? secretMarker(ref, key, value) : value;
        v.vars[key] = mode === 'preview' ? v.marked[key] : value;
        if (secret) v.secret.add(key);
        else v.secret.delete(key);
        if (raw.encrypted && mode === 'apply') {
          v.notes.push(note(consumer, `postBuild.substituteFrom ${ref.kind} ${ref.namespace}/${ref.name} is SOPS-encrypted: its value of ${key} is substituted encrypted (give bosun the age key to decrypt it)`));
        }
      }
    }
    for (const [key, value] of Object.entries(consumer.substitute ?? {})) {
      const inline = substituting ? substitutedValue(value, outer, consumer, key, v.notes) : { value, marked: value };
      v.vars[key] = inline.value.replace(/\n/g, '');
      v.marked[key] = inline.marked.replace(/\n/g, '');
      if (substituting && referencedVariables(value).some((n) => outer.secret.has(n))) v.secret.add(key);
      else v.secret.delete(key);
    }
    return v;
  };
  for (const consumer of candidates) {
    const v = await variablesOf(consumer, new Set());
    if (consumer.fluxPending) {
      // Built again from its substituted object, or still pending with the reason (not previewed); its inputs follow its substituted path.
      const env = v.env && !v.env.fluxPending && Object.keys(v.vars).length > 0 ? { ...v.env, substitute: { ...v.vars } } : v.env ?? consumer;
      out.set(consumer.name, { env, files: [...v.files].sort(), digest: digestOf(v), notes: v.notes, inputs: await inputsOrProblem(env, dir, deps) });
      continue;
    }
    if ((consumer.substituteFrom?.length ?? 0) === 0 && !Object.entries(consumer.substitute ?? {}).some(([k, value]) => v.vars[k] !== value)) {
      // Nothing substituted its inline values (no parent with variables): nothing to resolve; only the notes stay.
      if (v.notes.length > 0) out.set(consumer.name, { env: consumer, files: [], digest: digestOf(v), notes: v.notes });
      continue;
    }
    out.set(consumer.name, {
      env: { ...consumer, substitute: { ...v.vars } },
      files: [...v.files].sort(),
      digest: digestOf(v),
      notes: v.notes,
    });
  }
  return out;
}

/** The variables an environment substitutes: values for the render (`vars`), and with every Secret's value as its marker (`marked`, for digests and notes). */
interface Variables {
  vars: Record<string, string>;
  marked: Record<string, string>;
  /** Variables whose value comes from a Secret (or an encrypted value), directly or through a parent's. */
  secret: Set<string>;
  files: Set<string>;
  notes: DiscoveryNote[];
  /** The environment the variables belong to: a pending one as its substituted object defines it. */
  env?: Environment;
  /** For a pending object: the parent's variables its fields read, `name=marked value` (a change to them changes it). */
  read?: string[];
}

function digestOf(v: Variables): string {
  return [...Object.entries(v.marked).map(([k, value]) => `${k}=${value}`), ...(v.read ?? [])].join('\n');
}

/**
 * A Kustomization whose fields wait for the applying Kustomization's variables (discover/flux-child-fields.ts),
 * built again from its object as `outer` (that one's variables) substitutes it; still pending, with the reason
 * in words, where that cannot be previewed: no Kustomization with variables applies it, or two do; a field
 * reads a value from a Secret (never shown, and nothing to build a path from); a variable has no value and
 * no default (Flux's two modes differ); Flux's substitution fails; the result is no environment.
 */
function substitutePending(env: Environment, parent: ParentSubstitution, outer: Variables | undefined, dir: string, v: Variables): Environment {
  const pending = env.fluxPending!;
  const still = (reason: string): Environment => {
    v.notes.push(note(env, `${pendingReason({ ...pending, reason })}: not previewed when a change reaches it`));
    return { ...env, fluxPending: { ...pending, reason } };
  };
  if (parent && 'ambiguous' in parent) return still(parent.ambiguous.replace(/, so bosun substitutes neither.*$/, ''));
  if (!parent || !outer) return still('no variable of the Kustomization applying it has a value here (its substituteFrom objects are not applied by this repository?), so kustomize-controller leaves the fields as written');
  const names = referencedVariables(JSON.stringify(pending.object));
  const secret = names.filter((n) => outer.secret.has(n));
  if (secret.length > 0) return still(`${secret.map((n) => `\${${n}}`).join(', ')} ${secret.length === 1 ? 'comes' : 'come'} from a Secret, whose values bosun never shows`);
  v.read = names.filter((n) => n in outer.marked).map((n) => `${n}=${outer.marked[n]}`);
  const unset = new Set<string>();
  try {
    const object = substituteChild(pending.object, outer.vars, unset);
    if (unset.size > 0) return still(unsetReason(parent.env.name, [...unset]));
    return withFluxObject(dir, env, object);
  } catch (e) {
    if (e instanceof SubstitutionError) return still(`Flux's substitution fails on it (${e.message}), and with it the build of ${parent.env.name}`);
    if (e instanceof BosunError) return still(e.message);
    throw e;
  }
}

/** The inputs of an environment built again from its substituted object, or the problem that names why they cannot be analysed. */
async function inputsOrProblem(env: Environment, dir: string, deps: SubstitutionDeps): Promise<EnvInputs | { problem: Problem }> {
  const inputs = await deps.inputs(env);
  if (inputs) return inputs;
  try {
    return await collectInputs(dir, env);
  } catch (e) {
    if (e instanceof BosunError) return { problem: e.toProblem() };
    throw e;
  }
}

/** One inline value with the parent's variables substituted; a `${` Flux cannot parse stays as written, with a note (the parent's render fails on it). */
function substitutedValue(value: string, outer: Variables, consumer: Environment, key: string, notes: DiscoveryNote[]): { value: string; marked: string } {
  try {
    return { value: substituteText(value, outer.vars), marked: substituteText(value, outer.marked) };
  } catch (e) {
    if (!(e instanceof SubstitutionError)) throw e;
    notes.push(note(consumer, `postBuild.substitute ${key}: the Kustomization applying this one cannot substitute it (${e.message}); bosun keeps the value as written`));
    return { value, marked: value };
  }
}

function note(env: Environment, reason: string): DiscoveryNote {
  return {
    status: 'info', kind: 'Environment', name: env.name, environments: [env.name], reason,
    ...(env.definedIn?.file ? { file: env.definedIn.file } : {}), ...(env.definedIn?.line ? { line: env.definedIn.line } : {}),
  };
}

interface Found {
  provider: Environment;
  rendered: RenderedObject;
}

/**
 * The object in the first provider (by name) that renders it. Only providers whose inputs mention the
 * name are rendered: an object is named in the repository files it comes from (a name prefix or suffix
 * added by kustomize is the exception, so when no input mentions the name every provider is tried).
 */
async function findObject(ref: SubstituteFromRef, providers: readonly Environment[], deps: SubstitutionDeps, renderOf: (env: Environment) => Promise<RenderOutcome>, texts: TextCache): Promise<Found | undefined> {
  const mentioning: Environment[] = [];
  for (const provider of providers) {
    const inputs = await deps.inputs(provider);
    if (!inputs || texts.mentions(inputs, ref.name)) mentioning.push(provider);
  }
  for (const candidates of [mentioning, providers.filter((p) => !mentioning.includes(p))]) {
    for (const provider of candidates) {
      const outcome = await renderOf(provider);
      if (!outcome.ok) continue;
      const rendered = outcome.objects.find((o) => matches(o.object, ref, provider));
      if (rendered) return { provider, rendered };
    }
  }
  return undefined;
}

function matches(object: KubeObject, ref: SubstituteFromRef, provider: Environment): boolean {
  if (object.kind !== ref.kind || object.apiVersion !== 'v1' || object.metadata?.name !== ref.name) return false;
  // A namespaced object without a namespace lands in the environment's target namespace, else `default`.
  return (object.metadata?.namespace ?? provider.namespace ?? 'default') === ref.namespace;
}

function sourceFiles(rendered: RenderedObject): string[] {
  if (!rendered.source) return [];
  return [rendered.source.file, ...(rendered.source.patches ?? []).map((p) => p.file)];
}

/** The variables an object holds: a ConfigMap's `data`; a Secret's `data` decoded with `stringData` on top. */
function valuesOf(ref: SubstituteFromRef, object: KubeObject): Record<string, { value: string; encrypted: boolean }> {
  const out: Record<string, { value: string; encrypted: boolean }> = {};
  const sops = isSopsEncrypted(object);
  const put = (key: string, value: unknown, decode: boolean) => {
    if (value === undefined || value === null) return;
    const text = String(value);
    const encrypted = sops && isSopsValue(text);
    out[key] = { value: decode && !encrypted ? Buffer.from(text, 'base64').toString('utf8') : text, encrypted };
  };
  const data = object.data;
  if (data && typeof data === 'object') for (const [k, v] of Object.entries(data)) put(k, v, ref.kind === 'Secret');
  const stringData = object.stringData;
  if (ref.kind === 'Secret' && stringData && typeof stringData === 'object') for (const [k, v] of Object.entries(stringData)) put(k, v, false);
  return out;
}

/** Repository file texts, read once per checkout, for the cheap "does any input name it" test. */
class TextCache {
  private readonly dir: string;
  private readonly texts = new Map<string, string>();
  private readonly listed = new Map<string, string[]>();

  constructor(dir: string) {
    this.dir = dir;
  }

  mentions(inputs: EnvInputs, name: string): boolean {
    return this.filesMentioning(inputs, name).length > 0;
  }

  filesMentioning(inputs: EnvInputs, name: string): string[] {
    const pattern = new RegExp(`(^|[^A-Za-z0-9.-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9.-])`);
    const files = [...inputs.files, ...inputs.dirs.flatMap((d) => this.filesUnder(d))];
    return files.filter((f) => pattern.test(this.text(f)));
  }

  private text(file: string): string {
    let text = this.texts.get(file);
    if (text === undefined) {
      try {
        const abs = join(this.dir, file);
        text = statSync(abs).size <= 1024 * 1024 ? readFileSync(abs, 'utf8') : '';
      } catch {
        text = '';
      }
      this.texts.set(file, text);
    }
    return text;
  }

  private filesUnder(dir: string): string[] {
    let files = this.listed.get(dir);
    if (!files) {
      files = [];
      const walk = (rel: string) => {
        let entries;
        try {
          entries = readdirSync(join(this.dir, rel), { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of entries) {
          if (e.name === '.git') continue;
          const path = rel === '.' ? e.name : `${rel}/${e.name}`;
          if (e.isDirectory()) walk(path);
          else if (e.isFile() && /\.(ya?ml|json)$|(^|\/)Kustomization$/.test(e.name)) files!.push(path);
        }
      };
      walk(dir);
      this.listed.set(dir, files);
    }
    return files;
  }
}

/**
 * The decision for an environment that reads substituteFrom: besides its own inputs, the files of the
 * objects it reads at either side; and when none of those changed but the values did (a patch, a
 * generator, another environment's substitution), it is affected all the same.
 */
export function substitutionReason(base: ResolvedSubstitution | undefined, head: ResolvedSubstitution | undefined): string | undefined {
  if (!base || !head || base.digest === head.digest) return undefined;
  const names = (r: ResolvedSubstitution) => new Map(r.digest.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l]));
  const [b, h] = [names(base), names(head)];
  const changed = [...new Set([...b.keys(), ...h.keys()])].filter((k) => b.get(k) !== h.get(k)).sort();
  return `postBuild variable${changed.length === 1 ? '' : 's'} ${changed.map((k) => `\${${k}}`).join(', ')} changed (values from postBuild.substituteFrom)`;
}

/** An environment's inputs with the files its substituteFrom objects come from. */
export function withSubstitutionInputs<T extends { inputs: EnvInputs } | { problem: unknown }>(found: T, resolved: ResolvedSubstitution | undefined): T {
  // A pending Kustomization's inputs are those of its path as substituted, not of the `${…}` it is written with.
  const result = resolved?.inputs ? ('problem' in resolved.inputs ? { problem: resolved.inputs.problem } : { inputs: resolved.inputs }) as T : found;
  if (!resolved || resolved.files.length === 0 || !('inputs' in result)) return result;
  const inputs = result.inputs;
  const covered = (f: string) => inputs.files.includes(f) || inputs.dirs.some((d) => d === '.' || f.startsWith(`${d}/`));
  const extra = resolved.files.filter((f) => !covered(f));
  return extra.length === 0 ? result : { ...result, inputs: { ...inputs, files: [...inputs.files, ...extra].sort() } };
}

/**
 * Without rendering (what a merge applies): the files, among the inputs of the same cluster's other Flux
 * environments, that name an object some environment reads through substituteFrom — an over-estimate of
 * the files that object comes from, so a change to it is never missed; for an environment whose inline
 * values the applying Kustomization substitutes, that one's file and files too (through chains of them).
 */
export async function substituteFromFiles(envs: readonly Environment[], dir: string, inputsOf: (env: Environment) => Promise<EnvInputs | undefined>): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const texts = new TextCache(dir);
  for (const consumer of envs.filter((e) => (e.substituteFrom?.length ?? 0) > 0)) {
    const files = new Set<string>();
    for (const provider of envs.filter((e) => e !== consumer && e.source === 'flux' && e.cluster === consumer.cluster)) {
      const inputs = await inputsOf(provider);
      if (!inputs) continue;
      for (const ref of consumer.substituteFrom!) for (const f of texts.filesMentioning(inputs, ref.name)) files.add(f);
    }
    if (files.size > 0) out.set(consumer.name, [...files].sort());
  }
  // Inline values the applying Kustomization substitutes: its file and the files its variables come from.
  // Through chains of them too (a parent that takes its own parent's variables): repeated until nothing grows.
  const parentOf = parentFinder(new Map(envs.map((e) => [e.name, e])), inputsOf);
  const children: Array<[Environment, Environment]> = [];
  for (const child of envs.filter(readsParentVariables)) {
    const parent = await parentOf(child);
    if (parent && 'env' in parent) children.push([child, parent.env]);
  }
  for (let grew = true, rounds = 0; grew && rounds <= children.length; rounds++) {
    grew = false;
    for (const [child, parent] of children) {
      const before = out.get(child.name) ?? [];
      const files = new Set([...before, ...(out.get(parent.name) ?? []), ...(parent.definedIn ? [parent.definedIn.file] : [])]);
      if (files.size > before.length) {
        out.set(child.name, [...files].sort());
        grew = true;
      }
    }
  }
  return out;
}
