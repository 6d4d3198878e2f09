import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { EnvInputs } from '../discover/index.ts';
import type { Environment } from '../model/environment.ts';
import type { Problem } from '../model/errors.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { StoredVerdicts } from './content-verdicts.ts';

/**
 * The input index of one commit: for each environment, the files and folders its render reads (or the
 * problem that stopped them being found), so affected detection for a change is a lookup of the changed
 * paths instead of a walk of every environment. Pure: the stores (Redis for the workers, a folder for the
 * CLI) are adapters that only keep and hand back `InputIndex` values.
 *
 * Keyed by the commit's git tree id and everything else that changes the answer (bosun's version, the
 * discovery scope). An entry is used only for an environment whose definition hashes the same; an index
 * derived from another commit's keeps only entries no changed path could have changed (`deriveIndex`).
 */
export const inputIndexFormat = 2;

export interface IndexedInputs {
  /** Hash of the environment's whole definition (`definitionHash`). */
  def: string;
  inputs?: EnvInputs;
  problem?: Problem;
}

export interface InputIndex {
  format: typeof inputIndexFormat;
  key: string;
  tree: string;
  /** By environment name. */
  envs: Record<string, IndexedInputs>;
  /**
   * The commit's discovery result, when it may be kept (plan/discovery-sides.ts: no chart source was
   * asked about); environments and notes as discovery returned them.
   */
  discovery?: StoredDiscovery;
  /** The commit's coverage verdicts (plan/content-verdicts.ts). */
  content?: StoredVerdicts;
  /** The commit's files that may hold a CustomResourceDefinition (plan/partial-sides.ts `crdFilesOf`). */
  crdFiles?: string[];
}

export interface StoredDiscovery {
  environments: Environment[];
  notes: DiscoveryNote[];
}

/** Where indexes are kept between runs: Redis for the workers (src/jobs), a folder for the CLI (src/cli). */
export interface InputIndexStore {
  get(key: string): Promise<InputIndex | undefined>;
  put(index: InputIndex): Promise<void>;
}

export interface IndexScope {
  /** bosun's version: a new release may read inputs differently. */
  version: string;
  /** Anything else discovery or input collection depends on (repository URLs, registered clusters, branch). */
  scope?: unknown;
}

/** The store key of a tree's index in a scope. */
export function inputIndexKey(tree: string, scope: IndexScope): string {
  return createHash('sha256').update(stableJson([inputIndexFormat, tree, scope.version, scope.scope ?? null])).digest('hex').slice(0, 40);
}

export function emptyIndex(key: string, tree: string): InputIndex {
  return { format: inputIndexFormat, key, tree, envs: {} };
}

/** A definition's identity: any change to it (even where it sits) makes its indexed inputs unusable. */
export function definitionHash(env: Environment): string {
  return createHash('sha256').update(stableJson(env)).digest('hex').slice(0, 32);
}

/** The indexed result for `env`, when it was recorded for this very definition. */
export function lookupInputs(index: InputIndex, env: Environment): IndexedInputs | undefined {
  const entry = index.envs[env.name];
  return entry && entry.def === definitionHash(env) ? entry : undefined;
}

export function recordInputs(index: InputIndex, env: Environment, result: { inputs: EnvInputs } | { problem: Problem }): void {
  index.envs[env.name] = { def: definitionHash(env), ...result };
}

/**
 * The index of a commit derived from another commit's (its parent, or a pull request's base) and the
 * paths changed between them. Conservative — a stale entry could turn into a false "no changes":
 * an entry is kept only when its inputs were known for sure (no problem, nothing unsure) and no changed
 * path is one of its files, lies in one of its folders, or sits in a folder holding one of its files
 * (a file added next to a kustomization can change what it means). Everything dropped is recomputed
 * when asked for; definition changes are caught at lookup by the definition hash.
 */
export function deriveIndex(from: InputIndex, changed: readonly string[], key: string, tree: string): InputIndex {
  const out = emptyIndex(key, tree);
  const paths = changed.map(normalize);
  const changedSet = new Set(paths);
  const changedParents = new Set(paths.map((p) => posix.dirname(p)));
  for (const [name, entry] of Object.entries(from.envs)) {
    if (!entry.inputs || entry.problem || entry.inputs.unsure !== undefined) continue;
    if (touched(entry.inputs, paths, changedSet, changedParents)) continue;
    out.envs[name] = entry;
  }
  return out;
}

/** Keeps only the named environments (those the commit defines), so an index does not grow with history. */
export function pruneIndex(index: InputIndex, names: Iterable<string>): InputIndex {
  const keep = new Set(names);
  return { ...index, envs: Object.fromEntries(Object.entries(index.envs).filter(([name]) => keep.has(name))) };
}

/**
 * The environments of `index` that read any of `changed` (a changed path is one of its files, or lies in
 * or is one of its folders), plus those whose inputs are not known for sure. An environment missing
 * from the index is not named here: the caller treats it as unknown. One pass over the entries with
 * set lookups: no map of every indexed path is built for a change that touches a few.
 */
export function readersOf(index: InputIndex, changed: readonly string[]): Set<string> {
  const files = new Set<string>();
  // Each changed path and every folder above it: a folder input reaches a path when it is one of these.
  const folders = new Set<string>();
  for (const file of changed.map(normalize)) {
    files.add(file);
    for (let dir = file; dir !== '.' && dir !== '/' && !folders.has(dir); dir = posix.dirname(dir)) folders.add(dir);
  }
  const out = new Set<string>();
  for (const [name, entry] of Object.entries(index.envs)) {
    const inputs = entry.inputs;
    if (!inputs || inputs.unsure !== undefined) out.add(name);
    else if (files.size > 0 && (inputs.files.some((f) => files.has(f)) || inputs.dirs.some((d) => d === '.' || folders.has(d)))) out.add(name);
  }
  return out;
}

function touched(inputs: EnvInputs, paths: readonly string[], changed: Set<string>, changedParents: Set<string>): boolean {
  for (const f of inputs.files) if (changed.has(f) || changedParents.has(posix.dirname(f))) return true;
  for (const d of inputs.dirs) if (d === '.' || paths.some((p) => p === d || p.startsWith(`${d}/`))) return true;
  return false;
}

function normalize(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}

/** JSON with object keys sorted, so equal values hash equal; Maps and Sets as sorted entries. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Map) return { $map: [...v.entries()].sort() };
    if (v instanceof Set) return { $set: [...v].sort() };
    if (v && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    if (typeof v === 'function' || typeof v === 'bigint') return String(v);
    return v;
  });
}
