import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { resolveInRepo } from '../util/paths.ts';
import { kustomizationFileIn } from './detect.ts';
import { RenderFailure } from './types.ts';

/** What a kustomization tree references locally, found without running kustomize. */
export interface KustomizeTree {
  /** Repo paths of every kustomization file reached, root first. */
  kustomizations: string[];
  /** Repo paths of files listed under `resources` (the only place pass-through objects come from). */
  resourceFiles: string[];
  /** Kustomization files that declare `helmCharts` (kustomize must then run with --enable-helm). */
  helmChartFiles: string[];
  /** Some kustomization asks for origin annotations itself, so they are part of the desired state. */
  keepsOriginAnnotations: boolean;
}

interface Ref {
  field: string;
  value: string;
  line: number;
  role: 'resource' | 'component' | 'path';
}

/**
 * Walks the kustomization in `dirRepoPath` and everything it references, refusing any local reference
 * that leaves the repository (kustomize runs with LoadRestrictionsNone, as Flux does, so this check is
 * what keeps `../../../etc/passwd` out of a rendered ConfigMap). Remote references are left to kustomize.
 */
export async function walkKustomizeTree(root: string, dirRepoPath: string): Promise<KustomizeTree> {
  const tree: KustomizeTree = { kustomizations: [], resourceFiles: [], helmChartFiles: [], keepsOriginAnnotations: false };
  const visited = new Set<string>();
  await visit(root, dirRepoPath, tree, visited);
  return tree;
}

async function visit(root: string, dirRepoPath: string, tree: KustomizeTree, visited: Set<string>): Promise<void> {
  if (visited.has(dirRepoPath)) return;
  visited.add(dirRepoPath);
  const absDir = resolveInRepo(root, dirRepoPath);
  const name = kustomizationFileIn(absDir);
  if (!name) return; // kustomize reports a missing kustomization itself, with its own words
  const file = posix.join(dirRepoPath, name);
  tree.kustomizations.push(file);
  const { doc, lineCounter } = await parseKustomization(root, file);
  const refs = collectRefs(doc, lineCounter);

  for (const ref of refs) {
    if (!isLocal(ref.value)) continue;
    const local = ref.value.replace(/^file:\/\//, '');
    const target = posix.normalize(posix.join(dirRepoPath, local));
    let abs: string;
    try {
      abs = resolveInRepo(root, target === '' ? '.' : target, { file, line: ref.line, field: ref.field });
    } catch (e) {
      if (e instanceof BosunError) throw new RenderFailure({ ...e.toProblem(), tool: 'kustomize' });
      throw e;
    }
    if (ref.role === 'path' || !existsSync(abs)) continue;
    if (statSync(abs).isDirectory()) await visit(root, target, tree, visited);
    else if (ref.role === 'resource') tree.resourceFiles.push(target);
  }

  const js = doc.toJS() as Record<string, unknown>;
  if (Array.isArray(js.buildMetadata) && js.buildMetadata.includes('originAnnotations')) tree.keepsOriginAnnotations = true;
  if (Array.isArray(js.helmCharts) && js.helmCharts.length > 0) {
    tree.helmChartFiles.push(file);
    checkChartsVendored(root, dirRepoPath, file, js, doc, lineCounter);
  }
}

async function parseKustomization(root: string, file: string): Promise<{ doc: Document.Parsed; lineCounter: LineCounter }> {
  const text = await readFile(resolveInRepo(root, file), 'utf8');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, version: '1.1', uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    throw new RenderFailure({
      kind: 'yaml',
      tool: 'kustomize',
      file,
      line: problem.linePos?.[0]?.line ?? lineCounter.linePos(problem.pos[0]).line,
      message: `invalid YAML in kustomization: ${problem.message.split('\n')[0]}`,
    });
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new RenderFailure({ kind: 'render', tool: 'kustomize', file, line: 1, message: 'a kustomization must be a YAML mapping' });
  }
  return { doc, lineCounter };
}

function collectRefs(doc: Document.Parsed, lc: LineCounter): Ref[] {
  const refs: Ref[] = [];
  const lineOf = (node: unknown) => lc.linePos((node as { range?: [number, number, number] }).range?.[0] ?? 0).line;
  const scalarAt = (node: unknown, field: string, role: Ref['role']) => {
    if (isScalar(node) && typeof node.value === 'string') {
      // Inline patches and inline generator configs are YAML text, not paths.
      if (role === 'path' && node.value.includes('\n')) return;
      refs.push({ field, value: node.value, line: lineOf(node), role });
    }
  };
  const eachItem = (key: string, fn: (item: unknown, field: string) => void) => {
    const seq = doc.get(key, true);
    if (isSeq(seq)) seq.items.forEach((item, i) => fn(item, `${key}[${i}]`));
  };
  const mapGet = (node: unknown, key: string): unknown => (isMap(node) ? node.get(key, true) : undefined);

  eachItem('resources', (item, field) => scalarAt(item, field, 'resource'));
  eachItem('bases', (item, field) => scalarAt(item, field, 'resource'));
  eachItem('components', (item, field) => scalarAt(item, field, 'component'));
  for (const key of ['patchesStrategicMerge', 'crds', 'configurations', 'transformers', 'generators', 'validators']) {
    eachItem(key, (item, field) => scalarAt(item, field, 'path'));
  }
  for (const key of ['patches', 'patchesJson6902', 'replacements']) {
    eachItem(key, (item, field) => scalarAt(mapGet(item, 'path'), `${field}.path`, 'path'));
  }
  for (const key of ['configMapGenerator', 'secretGenerator']) {
    eachItem(key, (item, field) => {
      const files = mapGet(item, 'files');
      if (isSeq(files)) {
        files.items.forEach((f, j) => {
          if (isScalar(f) && typeof f.value === 'string') {
            // `key=path` names the data key; the path is what is read.
            const eq = f.value.indexOf('=');
            refs.push({ field: `${field}.files[${j}]`, value: eq >= 0 ? f.value.slice(eq + 1) : f.value, line: lineOf(f), role: 'path' });
          }
        });
      }
      const envs = mapGet(item, 'envs');
      if (isSeq(envs)) envs.items.forEach((f, j) => scalarAt(f, `${field}.envs[${j}]`, 'path'));
      scalarAt(mapGet(item, 'env'), `${field}.env`, 'path');
    });
  }
  scalarAt(mapGet(doc.get('openapi', true), 'path'), 'openapi.path', 'path');
  const helmGlobals = doc.get('helmGlobals', true);
  scalarAt(mapGet(helmGlobals, 'chartHome'), 'helmGlobals.chartHome', 'path');
  scalarAt(mapGet(helmGlobals, 'configHome'), 'helmGlobals.configHome', 'path');
  eachItem('helmCharts', (item, field) => {
    scalarAt(mapGet(item, 'valuesFile'), `${field}.valuesFile`, 'path');
    const extra = mapGet(item, 'additionalValuesFiles');
    if (isSeq(extra)) extra.items.forEach((f, j) => scalarAt(f, `${field}.additionalValuesFiles[${j}]`, 'path'));
  });
  return refs;
}

const remotePrefixes = ['git::', 'gh:', 'ssh://', 'https://', 'http://', 'git@', 'github.com:', 'github.com/', 'oci://'];

/** Same split as Flux's IsLocalRelativePath: URLs and git specs are remote; absolute paths stay local (and get refused). */
function isLocal(value: string): boolean {
  const lower = value.toLowerCase();
  return !remotePrefixes.some((p) => lower.startsWith(p) && lower.length > p.length);
}

/**
 * Kustomize pulls a helmCharts entry with a `repo` when the chart is not already under chartHome. bosun
 * renders offline, so a chart that is not vendored is a clear error instead of a network timeout.
 */
function checkChartsVendored(root: string, dirRepoPath: string, file: string, js: Record<string, unknown>, doc: Document.Parsed, lc: LineCounter): void {
  const globals = (js.helmGlobals ?? {}) as { chartHome?: unknown };
  const chartHome = posix.normalize(posix.join(dirRepoPath, typeof globals.chartHome === 'string' ? globals.chartHome : 'charts'));
  const seq = doc.get('helmCharts', true);
  (js.helmCharts as unknown[]).forEach((chart, i) => {
    const c = (chart ?? {}) as { name?: unknown; repo?: unknown; version?: unknown };
    if (typeof c.name !== 'string' || typeof c.repo !== 'string' || c.repo === '') return;
    const candidates = [posix.join(chartHome, c.name)];
    if (typeof c.version === 'string') candidates.push(posix.join(chartHome, `${c.name}-${c.version}`, c.name));
    if (candidates.some((p) => existsSync(resolveInRepo(root, p)))) return;
    const node = isSeq(seq) ? seq.items[i] : undefined;
    const line = lc.linePos((node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? 0).line;
    throw new RenderFailure({
      kind: 'render',
      tool: 'kustomize',
      file,
      line,
      field: `helmCharts[${i}]`,
      message: `helm chart "${c.name}" from ${c.repo} is not vendored under ${chartHome}/; bosun renders without network access, so pull it into the repository `
        + `(helm pull ${c.name} --repo ${c.repo}${typeof c.version === 'string' ? ` --version ${c.version}` : ''} --untar --untardir ${chartHome}) and commit it`,
    });
  });
}
