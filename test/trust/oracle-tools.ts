// The oracle's own access to git, kubectl and helm: plain child processes on trusted fixtures, none of
// bosun's renderers, sandbox or caches, so that what the oracle computes does not share bosun's mistakes.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, lstat, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { projectRoot } from '../../src/util/tools.ts';

export type Obj = Record<string, unknown> & { apiVersion?: string; kind?: string; metadata?: Record<string, unknown> };

const kubectl = join(projectRoot, '.tools', 'bin', 'kubectl');
const helm = join(projectRoot, '.tools', 'bin', 'helm');

/** A fixed bound on the oracle's parallel tool runs (the machine has 2 cores and is shared). */
let running = 0;
const waiting: Array<() => void> = [];
async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= 3) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: Buffer; root?: string } = {}): Promise<Buffer> {
  return slot(() => new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out));
      else reject(new Error(`${command.split('/').pop()} ${args.join(' ')} failed (${code}): ${Buffer.concat(err).toString().trim()}`));
    });
    // A tool that exits without reading its input (helm, kubectl, the strace probe) makes a write to stdin
    // fail with EPIPE: unhandled, that 'error' event crashed the test process now and then under load. The
    // exit code says whether the run worked; without input nothing is written, stdin is only closed.
    child.stdin.on('error', () => undefined);
    if (opts.input) child.stdin.end(opts.input);
    else child.stdin.end();
  }));
}

/**
 * Tool runs, remembered with the files they touched. A render is a function of what the tool reads, so a run
 * with the same command (the tree's folder written as <root>) may reuse an earlier output when every path
 * that earlier run opened or looked up under its root is the same in this root: same content for files,
 * same entries for folders it opened, same kind for everything else, still missing when it was missing.
 * What a run touched is observed with strace (not inferred from kustomize or Helm semantics, which would
 * repeat the input analysis under test); without strace nothing is reused.
 */
interface TracedRun { inputs: Map<string, string>; output: Buffer }
const traced = new Map<string, TracedRun[]>();
let straceWorks: Promise<boolean> | undefined;
const traceCalls = 'openat,open,newfstatat,statx,stat,lstat,readlinkat,faccessat,faccessat2,access';

async function pathState(path: string, listed: boolean): Promise<string> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return 'missing';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return listed ? `dir:${(await readdir(path)).sort().join('/')}` : 'dir';
  return `file:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
}

async function sameInputs(root: string, inputs: Map<string, string>): Promise<boolean> {
  for (const [rel, state] of inputs) {
    if (await pathState(join(root, rel), state.startsWith('dir:')) !== state) return false;
  }
  return true;
}

async function runTool(command: string, args: string[], opts: { root: string; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<Buffer> {
  const root = resolve(opts.root);
  const signature = JSON.stringify([command, ...args.map((a) => a.split(root).join('<root>'))]);
  for (const earlier of traced.get(signature) ?? []) {
    if (await sameInputs(root, earlier.inputs)) return earlier.output;
  }
  // BOSUN_TRUST_NO_TRACE=1 renders everything afresh (to check that reuse changes nothing).
  straceWorks ??= process.env.BOSUN_TRUST_NO_TRACE === '1' ? Promise.resolve(false) : run('strace', ['-o', '/dev/null', 'true']).then(() => true, () => false);
  if (!(await straceWorks)) return run(command, args, opts);
  const log = join(await freshDir('strace'), 'log');
  const output = await run('strace', ['-f', '--seccomp-bpf', '-qq', '-e', `trace=${traceCalls}`, '-e', 'signal=none', '-o', log, '--', command, ...args], opts);
  const inputs = new Map<string, string>();
  const opened = new Set<string>();
  const seen = new Set<string>();
  let complete = true;
  for (const line of (await readFile(log, 'utf8')).split('\n')) {
    const m = /^\d+\s+(\w+)\(([^",]*),?\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (!m) continue;
    // A path relative to another open folder cannot be placed: such a run is not remembered.
    if (m[2] !== '' && m[2] !== 'AT_FDCWD' && !m[3].startsWith('/') && m[3] !== '') complete = false;
    const path = resolve(opts.cwd ?? root, m[3]);
    if (path !== root && !path.startsWith(`${root}/`)) continue;
    seen.add(path);
    if (m[1] === 'openat' || m[1] === 'open') opened.add(path);
  }
  for (const path of seen) inputs.set(path.slice(root.length + 1) || '.', await pathState(path, opened.has(path)));
  await rm(log, { force: true });
  if (!complete) return output;
  const list = traced.get(signature) ?? [];
  list.push({ inputs, output });
  traced.set(signature, list);
  return output;
}

export function git(repoDir: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: repoDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

let scratch: Promise<string> | undefined;
/** One temporary folder for all of the oracle's trees and copies; the test removes it. */
export function oracleScratch(): Promise<string> {
  return (scratch ??= mkdtemp(join(tmpdir(), 'bosun-trust-oracle-')));
}
let counter = 0;
export async function freshDir(prefix: string): Promise<string> {
  const dir = join(await oracleScratch(), `${prefix}-${++counter}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

const trees = new Map<string, Promise<string>>();
/** The files of a commit in a folder of their own (read-only use), one per tree id. */
export async function treeDir(repoDir: string, sha: string): Promise<{ dir: string; treeId: string }> {
  const treeId = (await git(repoDir, 'rev-parse', `${sha}^{tree}`)).trim();
  let dir = trees.get(treeId);
  if (!dir) {
    dir = (async () => {
      const target = await freshDir(`tree-${treeId.slice(0, 8)}`);
      const tar = await new Promise<Buffer>((resolve, reject) => {
        execFile('git', ['archive', '--format=tar', treeId], { cwd: repoDir, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 }, (e, out) => (e ? reject(e) : resolve(out)));
      });
      await run('tar', ['-x', '-C', target], { input: tar });
      return target;
    })();
    trees.set(treeId, dir);
  }
  return { dir: await dir, treeId };
}

/** A writable copy of a folder (Flux and Fleet rewrite kustomization files before building). */
export async function copyDir(from: string, prefix: string): Promise<string> {
  const to = await freshDir(prefix);
  await cp(from, to, { recursive: true });
  return to;
}

export function parseDocs(text: string, where: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0].message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${where}: a document that is not a mapping`);
    out.push(value as Obj);
  }
  return out;
}

export async function readDocs(file: string): Promise<Obj[]> {
  if (!existsSync(file)) return [];
  return parseDocs(await readFile(file, 'utf8'), file);
}

/** `kubectl kustomize` of `dir`; `root` is the folder of the tree (or copy) it may read from. */
export async function kustomizeBuild(dir: string, root: string): Promise<Obj[]> {
  const out = await runTool(kubectl, ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', dir], { root });
  return parseDocs(out.toString(), `kustomize build ${dir}`);
}

const helmHomes = oracleScratch().then(async (root) => {
  const home = join(root, 'helm-home');
  await mkdir(home, { recursive: true });
  return { ...process.env, HELM_CACHE_HOME: join(home, 'cache'), HELM_CONFIG_HOME: join(home, 'config'), HELM_DATA_HOME: join(home, 'data') };
});

export interface HelmTemplate {
  /** The folder of the tree the chart and value files are in. */
  root: string;
  chartDir: string;
  release: string;
  namespace: string;
  valueFiles?: string[];
  /** Inline values, given after the files. */
  values?: Record<string, unknown>;
  /** `--set name=value` pairs (Argo CD parameters), last. */
  set?: Array<{ name: string; value: string; forceString?: boolean }>;
  includeCrds?: boolean;
}

const valuesFiles = new Map<string, Promise<string>>();
/**
 * Inline values as a file named by its content, so that the same values give the same command (and may reuse
 * a render). Written once and never again: the commits are rendered at the same time, and writing the file
 * anew for each render truncated it under a helm run reading it, which then rendered the chart's defaults
 * (a flaky phantom change under load: fleet-multi-cluster's helm@test lost its `replicas: 3`).
 */
function valuesFile(values: Record<string, unknown>): Promise<string> {
  const text = stringify(values);
  const hash = createHash('sha256').update(text).digest('hex');
  let file = valuesFiles.get(hash);
  if (!file) {
    file = (async () => {
      const dir = join(await oracleScratch(), 'values');
      await mkdir(dir, { recursive: true });
      const path = join(dir, `${hash}.yaml`);
      await writeFile(path, text);
      return path;
    })();
    valuesFiles.set(hash, file);
  }
  return file;
}

export async function helmTemplate(t: HelmTemplate): Promise<Obj[]> {
  const args = ['template', t.release, t.chartDir, '--namespace', t.namespace];
  if (t.includeCrds) args.push('--include-crds');
  for (const f of t.valueFiles ?? []) args.push('--values', f);
  if (t.values && Object.keys(t.values).length > 0) args.push('--values', await valuesFile(t.values));
  for (const s of t.set ?? []) args.push(s.forceString ? '--set-string' : '--set', `${s.name}=${s.value}`);
  const out = await runTool(helm, args, { root: t.root, env: await helmHomes });
  return parseDocs(out.toString(), `helm template ${t.chartDir}`);
}

/** Files below `dir` (recursively or not), as paths relative to it. */
export async function filesIn(dir: string, recursive: boolean): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}
