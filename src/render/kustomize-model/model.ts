import { readdirSync, readFileSync, type Dirent } from 'node:fs';
import { join, posix } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath, lineAt, type DataPath } from '../../config/yaml-location.ts';
import { BosunError } from '../../model/errors.ts';
import { isRecord, list, str } from './data.ts';
import { fluxGeneratedDir } from './flux-generator.ts';
import { addInputs, emptyInputSet, type InputsCache, type InputSet } from './inputs.ts';
import type { KustomizationNode, KustomizeChart } from './kustomization-node.ts';
import { KustomizationReader } from './kustomization-reader.ts';
import { kustomizationFileNames } from './names.ts';
import { parseKustomization, type InvalidKustomization } from './parse.ts';
import { missing, RepoPaths, type RefSite, type Resolved } from './repo-paths.ts';

/** A kustomization tree flattened for a build: every kustomization reached, root first. */
export interface KustomizeTree {
  kustomizations: string[];
  /** Repo paths of files listed under `resources` (the only place pass-through objects come from). */
  resourceFiles: string[];
  /** Kustomization (or plugin config) files that declare charts (kustomize must then run with --enable-helm). */
  helmChartFiles: string[];
  charts: KustomizeChart[];
  /** The built (root) kustomization asks for origin annotations; a base's `buildMetadata` does not count. */
  keepsOriginAnnotations: boolean;
  /** The root kustomization's `buildMetadata` options (the only ones kustomize honours). */
  buildMetadata: string[];
  /** Kustomizations reached that cannot be read, in walk order. */
  invalid: InvalidKustomization[];
  inputs: InputSet;
}

interface Cached<T> {
  value?: T;
  error?: unknown;
}

/**
 * The one reading of kustomize in bosun: which repository files a kustomization build reads, what it
 * inflates and what it refuses. Affected detection (discover/collect-inputs.ts) takes its `inputs`; the
 * renderer (render/kustomize-tree.ts) takes the same walk's resource files, charts and refusals, so the
 * two cannot disagree. Files are read synchronously and each kustomization once per cache (a base shared
 * by 200 overlays is parsed once; pass one cache to all walks of a plan). Also walks what kustomize
 * reaches outside kustomizations: vendored Helm charts and the plain folders generators read.
 */
export class KustomizeModel {
  readonly root: string;
  readonly paths: RepoPaths;
  private readonly cache: InputsCache;
  private readonly inProgress = new Set<string>();

  /**
   * A chart kustomize would pull (`repo` set, not vendored) is kept as a chart with `vendored: false` for
   * the renderer to fetch through the chart fetcher (render/kustomize-charts.ts), instead of refused.
   */
  readonly remoteCharts: boolean;

  /**
   * A remote base (a `resources` or `components` entry that is a URL or a git spec, which Argo CD and Flux
   * fetch) is passed over instead of refused. For affected detection: the reference is
   * written in the kustomization file, itself an input, so every local input is still known and an
   * environment with a remote base is affected only when one of them changes (argocd-autopilot's
   * bootstrap/argo-cd builds from a GitHub base: refusing it here made every pull request render, and fail,
   * that environment). The renderer never sets it: a render of such a build is refused, nothing is fetched.
   */
  readonly remoteBases: boolean;

  constructor(root: string, cache: InputsCache = new Map(), opts: { remoteCharts?: boolean; remoteBases?: boolean } = {}) {
    this.remoteCharts = opts.remoteCharts ?? false;
    this.remoteBases = opts.remoteBases ?? false;
    this.root = root;
    this.cache = cache;
    this.paths = new RepoPaths(root, cache);
  }

  /** What the walk keeps instead of refusing, as a prefix of the cache keys of results that depend on it. */
  private get mode(): string {
    return `${this.remoteCharts ? 'remote-charts:' : ''}${this.remoteBases ? 'remote-bases:' : ''}`;
  }

  resolve(baseDir: string, ref: string, site: RefSite): Resolved {
    return this.paths.resolve(baseDir, ref, site);
  }

  missing(site: RefSite, ref: string, rel: string, what?: string): BosunError {
    return missing(site, ref, rel, what);
  }

  kustomizationFiles(abs: string): string[] {
    return this.paths.kustomizationFiles(abs);
  }

  /** Inputs of the kustomization in repo folder `dirRel` (which must have a kustomization file). */
  kustomization(dirRel: string, site?: RefSite): InputSet {
    return this.node(dirRel, site).inputs;
  }

  /** The kustomization in repo folder `dirRel`; `site` is where it was referenced from (for errors). */
  node(dirRel: string, site?: RefSite): KustomizationNode {
    const abs = join(this.root, dirRel);
    // Checked before the cache: the error names the reference, which differs per referrer.
    if (this.kustomizationFiles(abs).length === 0) {
      throw new BosunError({
        kind: 'render',
        file: site?.file,
        line: site?.line(),
        field: site?.field || undefined,
        message: `folder ${dirRel} has no kustomization.yaml; add one or refer to the manifest files directly`,
      });
    }
    // kustomize reads a kustomization at its real location (kyaml filesys CleanedAbs: EvalSymlinks), so a
    // folder reached through a symlink resolves its own references from where the link leads: `../shared`
    // of `envs/prod -> ../apps/web` is apps/shared. The link (or the linked folder on the way) is an input:
    // pointing it elsewhere changes the build.
    const real = this.realFolder(dirRel, site);
    if (real !== dirRel) {
      return this.memo(`linked:${this.mode}${abs}`, () => {
        const target = this.node(real, site);
        const inputs = emptyInputSet();
        addInputs(inputs, target.inputs);
        for (let p = dirRel; p !== '.' && p !== ''; p = posix.dirname(p)) inputs.files.add(p);
        return { ...target, inputs };
      });
    }
    // Nodes differ by whether remote charts and bases are kept, so walks with and without may share a cache.
    return this.memo(`kustomization:${this.mode}${abs}`, () => {
      if (this.inProgress.has(abs)) {
        throw new BosunError({ kind: 'render', file: site?.file, line: site?.line(), field: site?.field, message: `kustomization cycle: ${dirRel} includes itself; remove the circular reference` });
      }
      this.inProgress.add(abs);
      try {
        return this.readKustomization(dirRel, abs);
      } finally {
        this.inProgress.delete(abs);
      }
    });
  }

  /** The kustomization in `dirRel` and everything it reaches, flattened in the order kustomize builds it. */
  tree(dirRel: string, site?: RefSite): KustomizeTree {
    const root = this.node(dirRel, site);
    const tree: KustomizeTree = {
      kustomizations: [], resourceFiles: [], helmChartFiles: [], charts: [], invalid: [], inputs: root.inputs,
      keepsOriginAnnotations: root.keepsOriginAnnotations, buildMetadata: root.buildMetadata,
    };
    const seen = new Set<string>();
    const visit = (node: KustomizationNode, asResources: boolean, visited: Set<string>) => {
      if (visited.has(node.dir)) return;
      visited.add(node.dir);
      if (!seen.has(node.file)) {
        seen.add(node.file);
        tree.kustomizations.push(node.file);
        tree.helmChartFiles.push(...node.chartFiles.filter((f) => !tree.helmChartFiles.includes(f)));
        tree.charts.push(...node.charts);
        if (node.invalid) tree.invalid.push(node.invalid);
      }
      for (const read of node.reads) {
        if ('resource' in read) {
          if (asResources) tree.resourceFiles.push(read.resource);
        } else {
          // A folder of plugin configs is built on its own: its files are configs, not resources.
          const plugin = 'pluginFolder' in read;
          const next = this.node(plugin ? read.pluginFolder : read.kustomization);
          visit(next, asResources && !plugin, plugin ? new Set() : visited);
        }
      }
    };
    visit(root, true, new Set());
    return tree;
  }

  /**
   * A folder whose whole subtree counts, plus what it reaches outside itself: symlink targets and, when
   * `nested` (Flux generating a kustomization), the inputs of nested kustomizations.
   */
  subtree(dirRel: string, nested: boolean): InputSet {
    const abs = join(this.root, dirRel);
    return this.memo(`subtree:${nested ? 1 : 0}:${this.mode}${abs}`, () => {
      const out = emptyInputSet();
      out.dirs.add(dirRel);
      this.walkTree(dirRel, nested, out);
      return out;
    });
  }

  /** A Helm chart folder, plus local `file://` dependencies declared in Chart.yaml. */
  helmChart(dirRel: string): InputSet {
    const abs = join(this.root, dirRel);
    return this.memo(`chart:${abs}`, () => {
      this.inProgress.add(abs);
      try {
        return this.walkChart(dirRel, abs);
      } finally {
        this.inProgress.delete(abs);
      }
    });
  }

  /** The repo path of a folder with symlinks on the way resolved (the folder itself when there are none). */
  private realFolder(dirRel: string, site?: RefSite): string {
    return this.memo(`realfolder:${dirRel}`, () => this.paths.resolve('.', dirRel, site ?? { file: dirRel, field: '', line: () => undefined }).symlinkTarget ?? dirRel);
  }

  /** Where a field of a YAML file was written; the line is found only when asked for. */
  private site(file: string, path: DataPath): RefSite {
    let line: number | undefined | null = null;
    return {
      file,
      field: formatPath(path),
      line: () => {
        if (line === null) {
          try {
            const lineCounter = new LineCounter();
            const doc = parseDocument(readFileSync(join(this.root, file), 'utf8'), { lineCounter });
            line = lineAt(doc.contents, lineCounter, path);
          } catch {
            line = undefined;
          }
        }
        return line;
      },
    };
  }

  private walkChart(dirRel: string, abs: string): InputSet {
    const out = emptyInputSet();
    addInputs(out, this.subtree(dirRel, false));
    const chartFile = posix.join(dirRel, 'Chart.yaml');
    let chart: unknown;
    try {
      chart = parseDocument(readFileSync(join(abs, 'Chart.yaml'), 'utf8')).toJS();
    } catch {
      return out; // the renderer reports a broken Chart.yaml
    }
    list(isRecord(chart) ? chart.dependencies : undefined).forEach((dep, i) => {
      const repository = str(isRecord(dep) ? dep.repository : undefined);
      if (!repository?.startsWith('file://')) return;
      const ref = repository.slice('file://'.length);
      const site = this.site(chartFile, ['dependencies', i, 'repository']);
      const r = this.resolve(dirRel, ref, site);
      if (r.kind !== 'dir') throw missing(site, ref, r.rel, 'chart folder');
      if (!this.inProgress.has(r.abs)) addInputs(out, this.helmChart(r.rel));
      if (r.symlinkTarget) out.dirs.add(r.symlinkTarget);
    });
    return out;
  }

  private memo<T>(key: string, compute: () => T): T {
    const hit = this.cache.get(key) as Cached<T> | undefined;
    if (hit) {
      if (hit.error !== undefined) throw hit.error;
      return hit.value as T;
    }
    try {
      const value = compute();
      this.cache.set(key, { value });
      return value;
    } catch (error) {
      this.cache.set(key, { error });
      throw error;
    }
  }

  private walkTree(dirRel: string, nested: boolean, out: InputSet): void {
    const abs = join(this.root, dirRel);
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const childRel = dirRel === '.' ? entry.name : `${dirRel}/${entry.name}`;
      if (entry.isDirectory()) {
        // Flux's generator (flux-generator.ts) takes a folder holding a kustomization as one resource and
        // does not look inside it; it skips what source-controller leaves out.
        const how = nested
          ? fluxGeneratedDir(join(abs, entry.name), entry.name, (dir) => this.kustomizationFiles(dir))
          : entry.name === '.git' || entry.name === 'node_modules' ? 'skip' : 'descend';
        if (how === 'unit') addInputs(out, this.kustomization(childRel));
        else if (how === 'descend') this.walkTree(childRel, nested, out);
      } else if (entry.isSymbolicLink()) {
        const r = this.resolve('.', childRel, { file: childRel, field: '', line: () => undefined });
        // A chart dependency or base may be a symlinked folder: its target counts as a whole.
        if (r.symlinkTarget === undefined) continue; // dangling: the renderer reports it if it matters
        if (r.kind === 'dir') out.dirs.add(r.symlinkTarget);
        else out.files.add(r.symlinkTarget);
      }
    }
  }

  private readKustomization(dirRel: string, abs: string): KustomizationNode {
    const present = this.kustomizationFiles(abs);
    if (present.length > 1) {
      throw new BosunError({ kind: 'render', file: posix.join(dirRel, present[0]), message: `folder ${dirRel} has more than one kustomization file (${present.join(', ')}); keep exactly one` });
    }
    const file = posix.join(dirRel, present[0]);
    const node: KustomizationNode = { dir: dirRel, file, inputs: emptyInputSet(), reads: [], charts: [], chartFiles: [], keepsOriginAnnotations: false, buildMetadata: [] };
    // Creating a second kustomization file changes (breaks) the build, so every candidate name counts.
    for (const name of kustomizationFileNames) node.inputs.files.add(posix.join(dirRel, name));
    // A kustomization file that is a symlink is read where it leads: that file is an input too.
    const linked = this.paths.resolve(dirRel, present[0], { file, field: '', line: () => undefined }).symlinkTarget;
    if (linked !== undefined) node.inputs.files.add(linked);
    const parsed = parseKustomization(readFileSync(join(abs, present[0]), 'utf8'), this.cache);
    if ('invalid' in parsed) {
      node.invalid = { file, ...parsed.invalid };
      node.inputs.unsure = parsed.invalid.kind === 'yaml'
        ? `${file} cannot be parsed (line ${parsed.invalid.line}: ${parsed.invalid.detail})`
        : `${file} is not a kustomization (expected a mapping)`;
      if (parsed.invalid.kind === 'yaml') node.inputs.dirs.add(dirRel);
      return node;
    }
    node.data = parsed.data;
    if (parsed.data === null) return node;
    node.buildMetadata = list(parsed.data.buildMetadata).filter((o): o is string => typeof o === 'string');
    node.keepsOriginAnnotations = node.buildMetadata.includes('originAnnotations');
    new KustomizationReader(this, node, parsed.data).read();
    return node;
  }
}
