import { readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { chartFoldersOf, kindByName, type ContentVerdict } from '../discover/gitops-files.ts';
import type { EnvInputs } from '../discover/index.ts';
import { filesContaining, type PartialCheckout } from '../git/index.ts';
import type { Environment } from '../model/environment.ts';
import { readersOf, type InputIndex } from './input-index.ts';
import type { TreeIndex } from './render-key.ts';

/**
 * Which files of a commit a plan writes out when that commit's input index already holds its discovery
 * result (and, at head, its coverage verdicts and CRD files): the inputs of every environment a changed
 * path reaches, each input file's whole folder (a render may look for a file beside it) unless the file
 * only defines an environment, the changed files,
 * the top-level files (`.bosun.yaml`), every `Chart.yaml`, and `extra` (the head's CRD files, which
 * validation reads). Undefined when that is not known for sure (an environment whose inputs are unsure,
 * or that reads the whole repository): then the plan writes out everything. Anything the plan turns out
 * to need beyond this makes it complete the checkout first (`ensureInputs`, and any input walk).
 */
export function partialPaths(args: { tree: TreeIndex; index: InputIndex; changed: readonly string[]; extra?: readonly string[] }): Set<string> | undefined {
  const { tree, index } = args;
  const out = new Set<string>();
  const addFile = (path: string) => {
    if (tree.blobs.has(path)) out.add(path);
  };
  const addFolderFiles = (dir: string) => {
    for (const [p] of tree.under(dir)) if (posix.dirname(p) === dir) out.add(p);
  };
  // A file that defines an environment is read by discovery (held in the index), not by a render: its
  // folder — in a Flux layout the one holding every environment's Kustomization — is not written out for
  // it. A render that reads beside it names that folder's files or the folder among its inputs anyway.
  const definitions = new Set((index.discovery?.environments ?? []).map((env) => env.definedIn?.file));
  for (const name of readersOf(index, args.changed)) {
    const inputs = index.envs[name]?.inputs;
    if (!inputs) continue; // a recorded problem: reported as it is, nothing is read
    if (inputs.unsure !== undefined) return undefined;
    for (const dir of inputs.dirs) {
      if (dir === '.' || dir === '') return undefined;
      for (const [p] of tree.under(dir)) out.add(p);
    }
    for (const file of inputs.files) {
      addFile(file);
      if (!definitions.has(file)) addFolderFiles(posix.dirname(file));
    }
  }
  for (const file of args.changed) addFile(file);
  for (const path of tree.paths) if (!path.includes('/') || path.endsWith('/Chart.yaml')) out.add(path);
  for (const file of args.extra ?? []) addFile(file);
  return out;
}

/**
 * Which files of a new pull request head a plan writes out, when only the base's index is stored (with its
 * discovery, coverage verdicts and CRD files) and the head's is derived from it (`deriveIndex` dropped
 * the entries a changed path reaches): what those environments read at base, as far as it reaches in
 * the head's tree (`reachOf`: their files, the other files beside each, their folders — new files
 * there included), the changed files, the top-level files, every `Chart.yaml` and the base's CRD files.
 * Their inputs are then walked again on this checkout and kept only when the walk stayed inside it
 * (`walkedWithin`); undefined when some dropped environment's inputs were unsure or the whole repository.
 */
export function newHeadPaths(args: { tree: TreeIndex; base: InputIndex; head: InputIndex; changed: readonly string[] }): Set<string> | undefined {
  const { tree, base } = args;
  const out = new Set<string>();
  const definitions = new Map((base.discovery?.environments ?? []).map((env) => [env.name, ownDefinitionFiles(env)]));
  for (const [name, entry] of Object.entries(base.envs)) {
    if (args.head.envs[name]) continue; // kept: looked up, not walked
    const inputs = entry.inputs;
    if (!inputs) continue; // a problem at base: walked again, and a walk that fails completes the checkout
    if (inputs.unsure !== undefined || inputs.dirs.some((d) => d === '.' || d === '')) return undefined;
    for (const path of reachOf(tree, inputs, definitions.get(name) ?? new Set())) out.add(path);
  }
  for (const file of args.changed) if (tree.blobs.has(file)) out.add(file);
  for (const path of tree.paths) if (!path.includes('/') || path.endsWith('/Chart.yaml')) out.add(path);
  for (const file of base.crdFiles ?? []) if (tree.blobs.has(file)) out.add(file);
  return out;
}

/**
 * Whether an input walk on a partial checkout can be trusted: it found its inputs for sure and every
 * path they reach was written out, so the walk saw what it would have seen on the whole commit. That
 * is the input index's own rule (`deriveIndex`): a walk's result holds for any commit that differs
 * only by paths none of its files, the files beside them, or its folders take in. The files that only
 * define the environment (added by collectInputs, never read beside) need only be there themselves.
 */
export function walkedWithin(co: PartialCheckout, tree: TreeIndex, env: Environment, inputs: EnvInputs): boolean {
  if (inputs.unsure !== undefined || inputs.dirs.some((d) => d === '.' || d === '')) return false;
  for (const path of reachOf(tree, inputs, ownDefinitionFiles(env))) if (!co.wrote(path)) return false;
  return true;
}

/** The files of `tree` that `inputs` reach: its files, the files beside each (not beside `definitions`), and everything under its folders. */
function* reachOf(tree: TreeIndex, inputs: EnvInputs, definitions: ReadonlySet<string>): Generator<string> {
  for (const dir of inputs.dirs) for (const [p] of tree.under(dir)) yield p;
  const folders = new Set<string>();
  for (const file of inputs.files) {
    if (tree.blobs.has(file)) yield file;
    if (!definitions.has(file)) folders.add(posix.dirname(file));
  }
  for (const dir of folders) {
    if (dir === '.' || dir === '') {
      for (const p of tree.paths) if (!p.includes('/')) yield p;
    } else {
      for (const [p] of tree.under(dir)) if (posix.dirname(p) === dir) yield p;
    }
  }
}

/** The files collectInputs adds because they define the environment (its HelmRelease's parent's too). */
function ownDefinitionFiles(env: Environment): Set<string> {
  const out = new Set<string>();
  for (let e: Environment | undefined = env; e; e = e.helmRelease?.parent) {
    if (e.definedIn?.file) out.add(e.definedIn.file);
    for (const file of [...(e.definedByFiles ?? []), ...(e.fleet?.definedBy ?? [])]) out.add(file);
  }
  return out;
}

/** Completes a partial checkout unless every file `inputs` names (and every file under its folders) is in it. */
export async function ensureInputs(co: PartialCheckout | undefined, tree: TreeIndex, inputs: EnvInputs | undefined): Promise<void> {
  if (!co || co.completed) return;
  if (!inputs || inputs.unsure !== undefined) return co.complete();
  for (const file of inputs.files) if (tree.blobs.has(file) && !co.has(file)) return co.complete();
  for (const dir of inputs.dirs) for (const [p] of tree.under(dir)) if (!co.has(p)) return co.complete();
}

/** Whether every file coverage will read at this side (a GitOps-looking file whose verdict `known` lacks) is in the checkout. */
export function coverageReadsWithin(co: PartialCheckout, tree: TreeIndex, known: ((path: string) => ContentVerdict | undefined) | undefined): boolean {
  const charts = chartFoldersOf(tree.paths);
  for (const path of tree.paths) if (!co.has(path) && kindByName(path, charts) === 'content' && known?.(path) === undefined) return false;
  return true;
}

const crdMarker = 'CustomResourceDefinition';
const maxCrdFileBytes = 20 * 1024 * 1024;

/**
 * The files of commit `sha` that may hold a CustomResourceDefinition (YAML naming the kind), which is all
 * validation reads of the repository (validate/repo-crds.ts): with `from` (another commit's list) only
 * the changed files are read, from the checkout `dir` (a partial checkout holds them); else every YAML
 * file of the commit, searched in git's object store (no checkout needed).
 */
export async function crdFilesOf(repoDir: string, sha: string, dir: string, tree: TreeIndex, from?: { files: readonly string[]; changed: readonly string[] }): Promise<string[]> {
  if (!from) {
    const found = await filesContaining(repoDir, sha, crdMarker, ['yaml', 'yml']);
    return found.filter((f) => f.size <= maxCrdFileBytes).map((f) => f.path).sort();
  }
  const touched = new Set(from.changed);
  const known = from.files.filter((f) => tree.blobs.has(f) && !touched.has(f));
  const out: string[] = [...known];
  for (const path of touched) {
    if (!tree.blobs.has(path) || !/\.ya?ml$/i.test(path)) continue;
    const abs = join(dir, path);
    const st = await stat(abs).catch(() => undefined);
    if (!st?.isFile() || st.size > maxCrdFileBytes) continue;
    if ((await readFile(abs, 'utf8')).includes(crdMarker)) out.push(path);
  }
  return out.sort();
}
