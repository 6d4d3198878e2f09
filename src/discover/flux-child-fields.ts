import { parse, stringify } from 'yaml';
import type { Environment } from '../model/environment.ts';
import type { FluxPendingSubstitution } from '../model/flux-source.ts';
import type { KubeObject } from '../model/object.ts';
import { substituteText, substitutionDisabled, SubstitutionError } from '../render/substitute.ts';
import { parentFinder } from './flux-parent.ts';
import { isRecord } from './object-fields.ts';
import type { EnvInputs } from './types.ts';

/**
 * A Flux Kustomization object is an output of the build of the Kustomization that applies it, and
 * kustomize-controller runs that parent's postBuild substitution over the whole YAML of every object of
 * the build before applying it (fluxcd/pkg kustomize/kustomize_varsub.go SubstituteVariables: `res.AsYAML()`,
 * envsubst with the parent's variables — substituteFrom first, inline `postBuild.substitute` over them —,
 * then back to the object; skipped for an object labelled or annotated `kustomize.toolkit.fluxcd.io/substitute:
 * disabled` and when the parent has no variable). So the multi-cluster layout's `spec.path: ./apps/${CLUSTER}`
 * or `targetNamespace: ${TENANT}` in a shared ks.yaml reaches the cluster with each cluster's value: the
 * environment is built from the object as substituted, never from the literal `${…}`.
 *
 * Here, at discovery, with the parent's inline values (through chains of parents whose own values take their
 * parent's); values that may come from a parent's substituteFrom ConfigMaps and Secrets are left to the plan
 * (`fluxPending`, resolved in plan/substitute-from.ts). The child's own `postBuild.substitute` values are left
 * as written here: the plan substitutes them with every variable of the parent (plan/parent-substitution.ts).
 */
export type ChildSubstitution =
  /** The object to build the environment from; `files` define the values it took (the parents' files). */
  | { object: Record<string, unknown>; fields: string[]; by: string; files: string[] }
  /** Left for the plan, or not previewed when `pending.reason` says why. */
  | { pending: FluxPendingSubstitution };

/** The fields of a Kustomization object (besides its postBuild.substitute values) that hold `${`, as `spec.path`, `spec.dependsOn`. */
export function fieldsWithVariables(object: Record<string, unknown>): string[] {
  const out = new Set<string>();
  const walk = (value: unknown, path: string, top: string) => {
    if (typeof value === 'string') {
      if (value.includes('${')) out.add(top);
    } else if (Array.isArray(value)) {
      value.forEach((v) => walk(v, path, top));
    } else if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        const at = `${path}.${k}`;
        if (at === 'spec.postBuild.substitute') continue;
        if (k.includes('${')) out.add(top);
        walk(v, at, top === 'spec' || top === 'spec.postBuild' ? at : top);
      }
    }
  };
  walk(object.spec, 'spec', 'spec');
  const namespace = isRecord(object.metadata) ? object.metadata.namespace : undefined;
  if (typeof namespace === 'string' && namespace.includes('${')) out.add('metadata.namespace');
  return [...out].sort();
}

/** The variable names a text reads (`${NAME}`, `${#NAME}`, `${NAME:=…}`, nested ones too); `$${…}` is a literal. */
export function referencedVariables(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\$\$|\$\{#?([A-Za-z_][A-Za-z0-9_]*)/g)) if (m[1]) out.add(m[1]);
  return [...out];
}

/**
 * The object as the parent's substitution leaves it: its YAML substituted with `vars` and read back (so
 * `prune: ${PRUNE:=true}` becomes a boolean, as in kustomize-controller), its `postBuild.substitute` values
 * as written. `unset` collects the variables read without a default and without a value. Throws
 * SubstitutionError where Flux's envsubst fails (the parent's whole build fails then).
 */
export function substituteChild(object: Record<string, unknown>, vars: Record<string, string>, unset: Set<string>): Record<string, unknown> {
  const copy = structuredClone(object);
  const postBuild = isRecord(copy.spec) && isRecord(copy.spec.postBuild) ? copy.spec.postBuild : undefined;
  const substitute = postBuild?.substitute;
  if (postBuild) delete postBuild.substitute;
  const text = substituteText(stringify(copy, { lineWidth: 0 }), vars, unset);
  const out: unknown = parse(text);
  if (!isRecord(out)) throw new SubstitutionError('the substituted object is not a mapping', '');
  if (substitute !== undefined && isRecord(out.spec) && isRecord(out.spec.postBuild)) out.spec.postBuild.substitute = substitute;
  else if (substitute !== undefined && isRecord(out.spec)) out.spec.postBuild = { substitute };
  return out;
}

/** The text of the fields that hold `${`, for the names they read. */
function pendingText(object: Record<string, unknown>): string {
  const copy = structuredClone(object);
  if (isRecord(copy.spec) && isRecord(copy.spec.postBuild)) delete copy.spec.postBuild.substitute;
  return JSON.stringify(copy);
}

/** What discovery knows of a Kustomization's variables: inline values (`unknown`: ones that take values it cannot know), `open` when substituteFrom may set others. */
interface Known {
  vars: Record<string, string>;
  unknown: Set<string>;
  open: boolean;
  files: string[];
}

/**
 * For each environment (by index into `envs`, `objects` the Kustomization objects as the builds applying them
 * edit them) whose object holds `${…}` outside its postBuild.substitute values: the substituted object, or
 * why it waits for the plan. Absent: read as written (no applying Kustomization with variables, or opted out).
 */
export async function childFieldSubstitutions(envs: readonly Environment[], objects: ReadonlyArray<Record<string, unknown>>, skip: ReadonlySet<number>, inputsOf: (env: Environment) => Promise<EnvInputs | undefined>): Promise<Map<number, ChildSubstitution>> {
  const out = new Map<number, ChildSubstitution>();
  const waiting = envs.flatMap((env, i) => {
    if (skip.has(i) || env.source !== 'flux' || env.helmRelease || substitutionDisabled(objects[i] as KubeObject)) return [];
    const fields = fieldsWithVariables(objects[i]);
    return fields.length > 0 ? [{ i, fields }] : [];
  });
  if (waiting.length === 0) return out;
  const parentOf = parentFinder(new Map(envs.filter((_, i) => !skip.has(i)).map((e) => [e.name, e])), inputsOf);
  const memo = new Map<string, Promise<Known>>();
  const knownOf = (env: Environment, seen: ReadonlySet<string>): Promise<Known> => {
    let k = memo.get(env.name);
    if (!k) memo.set(env.name, (k = known(env, seen)));
    return k;
  };
  const known = async (env: Environment, seen: ReadonlySet<string>): Promise<Known> => {
    const own = env.substitute ?? {};
    const files = env.definedIn ? [env.definedIn.file, ...(env.definedByFiles ?? [])] : [];
    let outer: Known | undefined;
    let ambiguous = false;
    if (!env.substitutionDisabledByObject && Object.values(own).some((v) => v.includes('$')) && !seen.has(env.name)) {
      const parent = await parentOf(env);
      if (parent && 'ambiguous' in parent) ambiguous = true;
      else if (parent) outer = await knownOf(parent.env, new Set([...seen, env.name]));
    }
    const substituting = outer && (Object.keys(outer.vars).length > 0 || outer.open || outer.unknown.size > 0);
    const vars: Record<string, string> = {};
    const unknown = new Set<string>();
    for (const [key, value] of Object.entries(own)) {
      if (ambiguous && value.includes('$')) unknown.add(key);
      else if (!substituting || !outer) vars[key] = value.replace(/\n/g, '');
      else if (referencedVariables(value).some((n) => outer.unknown.has(n) || (outer.open && !(n in outer.vars)))) unknown.add(key);
      else {
        try {
          vars[key] = substituteText(value, outer.vars).replace(/\n/g, '');
        } catch (e) {
          if (!(e instanceof SubstitutionError)) throw e;
          unknown.add(key);
        }
      }
    }
    return { vars, unknown, open: (env.substituteFrom?.length ?? 0) > 0, files: [...files, ...(substituting && outer ? outer.files : [])] };
  };

  for (const { i, fields } of waiting) {
    const env = envs[i];
    const object = objects[i];
    const parent = await parentOf(env);
    if (!parent) continue; // no Kustomization with variables applies it: kustomize-controller substitutes nothing
    const pending = (reason?: string) => out.set(i, { pending: { object, fields, ...(reason ? { reason } : {}) } });
    if ('ambiguous' in parent) {
      pending(parent.ambiguous.replace(/, so bosun substitutes neither.*$/, ''));
      continue;
    }
    const k = await knownOf(parent.env, new Set([env.name]));
    const names = referencedVariables(pendingText(object));
    if (names.some((n) => k.unknown.has(n) || (k.open && !(n in k.vars)))) {
      // A value from the parent's substituteFrom (or one its own parent's substituteFrom gives): the plan reads those.
      if (fields.includes('spec.sourceRef')) pending(`spec.sourceRef takes a value of ${parent.env.name}'s postBuild.substituteFrom, which bosun reads only after deciding where the environment's files come from`);
      else pending();
      continue;
    }
    const unset = new Set<string>();
    try {
      const substituted = substituteChild(object, k.vars, unset);
      if (unset.size > 0) {
        pending(unsetReason(parent.env.name, [...unset]));
        continue;
      }
      out.set(i, { object: substituted, fields, by: parent.env.name, files: [...new Set(k.files)].sort() });
    } catch (e) {
      if (!(e instanceof SubstitutionError)) throw e;
      pending(`Flux's substitution fails on it (${e.message}), and with it the build of ${parent.env.name}`);
    }
  }
  return out;
}

/** Why a field reading a variable the parent does not set is not previewed: Flux's two modes give different objects. */
export function unsetReason(parent: string, names: readonly string[]): string {
  const list = names.map((n) => `\${${n}}`).join(', ');
  return `${list} ha${names.length === 1 ? 's' : 've'} no value and no default among ${parent}'s postBuild variables: kustomize-controller substitutes the empty string (its default mode) or, with the StrictPostBuildSubstitutions feature gate, fails ${parent}'s build`;
}
