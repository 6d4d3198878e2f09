import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { isMap, LineCounter, parseDocument, type Document } from 'yaml';
import { BosunError } from '../model/errors.ts';
import { resolveInRepo } from '../util/paths.ts';
import { classifyRef, refusalMessage, remoteRefusal, remoteWhenMissing } from '../util/remote-refs.ts';
import { checkChartFolder } from './chart-checks.ts';
import { kustomizationFileIn } from './detect.ts';
import { chartFolder, kustomizationRefs, lineOfSpot, pluginConfigFileRefs, type KustomizationRefs, type RefSpot } from './kustomize-refs.ts';
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

/**
 * Walks the kustomization in `dirRepoPath` and everything it references, before kustomize runs. Every
 * reference kustomize would follow is checked (the rules live in kustomize-refs.ts): remote ones (URLs,
 * git specs) and absolute paths are refused, local ones must stay inside the repository (kustomize runs
 * with LoadRestrictionsNone, as Flux does, so this check is what keeps `../../../etc/passwd` out of a
 * rendered ConfigMap), and charts it inflates must be vendored and must not reach outside either.
 */
export async function walkKustomizeTree(root: string, dirRepoPath: string): Promise<KustomizeTree> {
  const tree: KustomizeTree = { kustomizations: [], resourceFiles: [], helmChartFiles: [], keepsOriginAnnotations: false };
  await visit(root, dirRepoPath, tree, { visited: new Set(), plugins: new Set() });
  return tree;
}

interface Walk {
  /** Kustomization folders already walked (bases shared by overlays are walked once). */
  visited: Set<string>;
  /** Plugin config folders already followed, per listing folder (their paths are relative to it). */
  plugins: Set<string>;
}

interface Where {
  file: string;
  line?: number;
  field?: string;
}

async function visit(root: string, dirRepoPath: string, tree: KustomizeTree, walk: Walk): Promise<void> {
  if (walk.visited.has(dirRepoPath)) return;
  walk.visited.add(dirRepoPath);
  const absDir = resolveInRepo(root, dirRepoPath);
  const name = kustomizationFileIn(absDir);
  if (!name) return; // kustomize reports a missing kustomization itself, with its own words
  const file = posix.join(dirRepoPath, name);
  tree.kustomizations.push(file);
  const { doc, lineCounter } = await parseKustomization(root, file);
  const js = (doc.toJS() ?? {}) as Record<string, unknown>;
  const found = kustomizationRefs(js);
  const where = (spot: RefSpot): Where => ({ file, line: lineOfSpot(doc.contents, lineCounter, spot), field: spot.field });
  await followRefs(root, dirRepoPath, found, where, tree, walk);

  if (Array.isArray(js.buildMetadata) && js.buildMetadata.includes('originAnnotations')) tree.keepsOriginAnnotations = true;
  if (found.charts.length > 0 && !tree.helmChartFiles.includes(file)) tree.helmChartFiles.push(file);
}

/**
 * Checks and follows what one kustomization (or one file of plugin configs it lists) references; paths
 * are relative to `baseDir`, the kustomization's folder.
 */
async function followRefs(root: string, baseDir: string, found: KustomizationRefs, where: (spot: RefSpot) => Where, tree: KustomizeTree, walk: Walk): Promise<void> {
  const problem = found.problems[0];
  if (problem) throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...where(problem), message: problem.message });
  for (const ref of found.refs) {
    const at = where(ref);
    const target = localTarget(root, baseDir, ref.value, at, ref.role === 'resource' || ref.role === 'component' || ref.role === 'plugin');
    if (!target.exists) continue;
    if (ref.role === 'resource' || ref.role === 'component') {
      if (target.isDir) await visit(root, target.repoPath, tree, walk);
      else if (ref.role === 'resource') tree.resourceFiles.push(target.repoPath);
    } else if (ref.role === 'plugin') {
      await followPluginConfigs(root, baseDir, target, tree, walk);
    }
  }
  for (const chart of found.charts) {
    const at = where(chart);
    const folder = chartFolder(chart, baseDir);
    const abs = inRepoOrFail(root, folder, at);
    if (existsSync(abs) && statSync(abs).isDirectory()) {
      checkChartFolder(root, folder, 'kustomize');
      continue;
    }
    if (!chart.repo) continue; // kustomize names the missing chart itself
    const untarDir = posix.dirname(folder);
    throw new RenderFailure({
      kind: 'render',
      tool: 'kustomize',
      ...at,
      message: `helm chart "${chart.name}" from ${chart.repo} is not vendored (looked for ${folder}/): ${remoteRefusal} — `
        + `helm pull ${chart.name} --repo ${chart.repo}${chart.version ? ` --version ${chart.version}` : ''} --untar --untardir ${untarDir}, and commit it`,
    });
  }
}

/**
 * Plugin configs named by path: a file of configs, or a folder whose kustomization produces them. Their
 * file fields are relative to the kustomization that lists them (kustomize loads them with its loader).
 */
async function followPluginConfigs(root: string, baseDir: string, target: LocalTarget, tree: KustomizeTree, walk: Walk): Promise<void> {
  const key = `${baseDir}\0${target.repoPath}`;
  if (walk.plugins.has(key)) return;
  walk.plugins.add(key);
  let files = [target.repoPath];
  if (target.isDir) {
    // Walked afresh: a folder also listed as a resource must still have its files checked as plugin configs.
    const sub: KustomizeTree = { kustomizations: [], resourceFiles: [], helmChartFiles: [], keepsOriginAnnotations: false };
    await visit(root, target.repoPath, sub, { visited: new Set(), plugins: walk.plugins });
    tree.kustomizations.push(...sub.kustomizations);
    tree.helmChartFiles.push(...sub.helmChartFiles);
    files = sub.resourceFiles;
  }
  for (const configFile of files) {
    const found = pluginConfigFileRefs(await readFile(inRepoOrFail(root, configFile, { file: configFile }), 'utf8'));
    if ('error' in found) continue; // kustomize reports unreadable plugin configs itself
    await followRefs(root, baseDir, found, (spot) => ({ file: configFile, line: spot.inlineLine, field: spot.field }), tree, walk);
    if (found.charts.length > 0 && !tree.helmChartFiles.includes(configFile)) tree.helmChartFiles.push(configFile);
  }
}

interface LocalTarget {
  repoPath: string;
  exists: boolean;
  isDir: boolean;
}

/** Refuses remote and absolute references and local ones leaving the repository; where a local one leads. */
function localTarget(root: string, baseDir: string, value: string, at: Where, mayBeRemote: boolean): LocalTarget {
  const cls = classifyRef(value);
  if (cls !== 'local') throw new RenderFailure({ kind: cls === 'remote' ? 'render' : 'path', tool: 'kustomize', ...at, message: refusalMessage(value, cls) });
  const repoPath = posix.normalize(posix.join(baseDir, value)) || '.';
  const abs = inRepoOrFail(root, repoPath, at);
  const exists = existsSync(abs);
  // kustomize fetches a `host/org/repo` it cannot find locally.
  if (!exists && mayBeRemote && remoteWhenMissing(value)) {
    throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, message: `${refusalMessage(value, 'remote')} (it is not a path in this repository)` });
  }
  return { repoPath, exists, isDir: exists && statSync(abs).isDirectory() };
}

function inRepoOrFail(root: string, repoPath: string, at: Where): string {
  try {
    return resolveInRepo(root, repoPath, at);
  } catch (e) {
    if (e instanceof BosunError) throw new RenderFailure({ ...e.toProblem(), tool: 'kustomize' });
    throw e;
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
