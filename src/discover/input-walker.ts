import { lstatSync, readdirSync, readFileSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, posix, relative, sep, isAbsolute } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { formatPath, lineAt, type DataPath } from '../config/yaml-location.ts';
import { BosunError } from '../model/errors.ts';
import { chartFolder, kustomizationRefs, lineOfSpot, pluginConfigFileRefs, unknownFields, type ChartUse, type KustomizationRefs, type RefSpot } from '../render/kustomize-refs.ts';
import { resolveInRepo, toRepoPath } from '../util/paths.ts';
import { classifyRef, refusalMessage, remoteRefusal, remoteWhenMissing } from '../util/remote-refs.ts';
import { isRecord, list, str } from './object-fields.ts';
import { kustomizationFileNames, kustomizationFilesIn } from './render-kind.ts';
import { parseSimpleYaml } from './simple-yaml.ts';

/**
 * Shared across `collectInputs` calls (all environments, base and head): parsed kustomizations and
 * walked folders by absolute path, so a base used by 200 overlays is read once.
 */
export type InputsCache = Map<string, unknown>;

/** Inputs as repo-relative POSIX paths; `unsure` is the first reason static analysis cannot be trusted. */
export interface InputSet {
  files: Set<string>;
  dirs: Set<string>;
  unsure?: string;
}

export function emptyInputSet(): InputSet {
  return { files: new Set(), dirs: new Set() };
}

export function addInputs(target: InputSet, source: InputSet): void {
  for (const f of source.files) target.files.add(f);
  for (const d of source.dirs) target.dirs.add(d);
  if (source.unsure !== undefined && target.unsure === undefined) target.unsure = source.unsure;
}

/** Where a reference was written: a field of a parsed YAML file, located lazily (only errors need the line). */
export interface RefSite {
  file: string;
  field: string;
  line(): number | undefined;
}

interface Cached {
  value?: InputSet;
  error?: unknown;
}

type Resolved = { rel: string; abs: string; kind: 'file' | 'dir' | 'missing'; symlinkTarget?: string };

function isInside(realRoot: string, real: string): boolean {
  const rel = relative(realRoot, real);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Walks kustomizations, Helm charts and plain folders statically, collecting every repository path a
 * render can read. One walker per root; the cache may be shared between walkers.
 */
export class InputWalker {
  readonly root: string;
  private readonly cache: InputsCache;
  private readonly inProgress = new Set<string>();
  private readonly realRoot: string;

  constructor(root: string, cache: InputsCache) {
    this.root = root;
    this.cache = cache;
    const key = `realroot:${root}`;
    let real = cache.get(key) as string | undefined;
    if (real === undefined) {
      real = realpathSync.native(root);
      cache.set(key, real);
    }
    this.realRoot = real;
  }

  /**
   * Resolves `ref` written at `site`, relative to repo folder `baseDir`. Escapes are `BosunError` kind
   * 'path'. `resolveInRepo` is the authority on escapes; it is consulted whenever a path could escape
   * (`..` past the root, an absolute path, a symlink, a folder whose real location is elsewhere). Plain
   * paths under an already-checked folder skip it: its uncached realpath calls dominated large repos.
   */
  resolve(baseDir: string, ref: string, site: RefSite): Resolved {
    const rel = posix.normalize(posix.join(baseDir, ref)).replace(/\/+$/, '') || '.';
    const abs = join(this.root, rel);
    const link = lstatSync(abs, { throwIfNoEntry: false });
    const parentReal = this.realDir(dirname(abs));
    const mayEscape = posix.isAbsolute(ref) || rel === '..' || rel.startsWith('../') || link?.isSymbolicLink() === true
      || (parentReal !== undefined && !isInside(this.realRoot, parentReal));
    if (mayEscape) {
      try {
        resolveInRepo(this.root, posix.isAbsolute(ref) ? ref : rel);
      } catch (error) {
        if (error instanceof BosunError) throw new BosunError({ kind: 'path', file: site.file, line: site.line(), field: site.field || undefined, message: `${error.message}; refer only to files inside the repository` });
        throw error;
      }
    }
    if (!link) return { rel, abs, kind: 'missing' };
    const stat = link.isSymbolicLink() ? statSync(abs, { throwIfNoEntry: false }) : link;
    if (!stat) return { rel, abs, kind: 'missing' };
    const resolved: Resolved = { rel, abs, kind: stat.isDirectory() ? 'dir' : 'file' };
    // Git reports changes under the real path, so when a symlink (the leaf or a folder on the way) leads
    // elsewhere in the repository, that location is an input too. Escapes were refused above.
    let real: string | undefined;
    if (link.isSymbolicLink()) real = realpathSync.native(abs);
    else if (rel !== '.' && parentReal !== undefined && parentReal !== join(this.realRoot, posix.dirname(rel))) real = join(parentReal, posix.basename(rel));
    if (real !== undefined) resolved.symlinkTarget = toRepoPath(this.realRoot, real);
    return resolved;
  }

  /** Kustomization file names present in a folder, cached (every overlay asks about its bases). */
  kustomizationFiles(abs: string): string[] {
    const key = `kfiles:${abs}`;
    let files = this.cache.get(key) as string[] | undefined;
    if (files === undefined) {
      files = kustomizationFilesIn(abs);
      this.cache.set(key, files);
    }
    return files;
  }

  private realDir(abs: string): string | undefined {
    const key = `realdir:${abs}`;
    if (this.cache.has(key)) return (this.cache.get(key) as string | null) ?? undefined;
    let real: string | null;
    try {
      real = realpathSync.native(abs);
    } catch {
      real = null;
    }
    this.cache.set(key, real);
    return real ?? undefined;
  }

  missing(site: RefSite, ref: string, rel: string, what = 'file or folder'): BosunError {
    return new BosunError({
      kind: 'render',
      file: site.file,
      line: site.line(),
      field: site.field,
      message: `${what} "${ref}" does not exist (looked for ${rel}); fix the reference or add the ${what === 'file' ? 'file' : 'missing path'}`,
    });
  }

  /** Inputs of the kustomization in repo folder `dirRel` (which must have a kustomization file). */
  kustomization(dirRel: string, site?: RefSite): InputSet {
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
    return this.memo(`kustomization:${abs}`, () => {
      if (this.inProgress.has(abs)) {
        throw new BosunError({ kind: 'render', file: site?.file, line: site?.line(), field: site?.field, message: `kustomization cycle: ${dirRel} includes itself; remove the circular reference` });
      }
      this.inProgress.add(abs);
      try {
        return this.walkKustomization(dirRel, abs);
      } finally {
        this.inProgress.delete(abs);
      }
    });
  }

  /**
   * A folder whose whole subtree counts, plus what it reaches outside itself: symlink targets and, when
   * `nested` (Flux generating a kustomization), the inputs of nested kustomizations.
   */
  subtree(dirRel: string, nested: boolean): InputSet {
    const abs = join(this.root, dirRel);
    return this.memo(`subtree:${nested ? 1 : 0}:${abs}`, () => {
      const out = emptyInputSet();
      out.dirs.add(dirRel);
      this.walkTree(dirRel, nested, out, true);
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
      if (r.kind !== 'dir') throw this.missing(site, ref, r.rel, 'chart folder');
      if (!this.inProgress.has(r.abs)) addInputs(out, this.helmChart(r.rel));
      if (r.symlinkTarget) out.dirs.add(r.symlinkTarget);
    });
    return out;
  }

  private memo(key: string, compute: () => InputSet): InputSet {
    const hit = this.cache.get(key) as Cached | undefined;
    if (hit) {
      if (hit.error !== undefined) throw hit.error;
      return hit.value as InputSet;
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

  private site(file: string, path: DataPath, locate?: (p: DataPath) => number | undefined): RefSite {
    let line: number | undefined | null = null;
    return {
      file,
      field: formatPath(path),
      line: () => {
        if (line === null) line = locate ? locate(path) : this.lineInFile(file, path);
        return line;
      },
    };
  }

  /** Where a kustomization field (kustomize-refs.ts spot) was written; the line is found only when asked for. */
  spotSite(file: string, spot: RefSpot): RefSite {
    let line: number | undefined | null = null;
    return {
      file,
      field: spot.field,
      line: () => {
        if (line === null) {
          try {
            const lineCounter = new LineCounter();
            const doc = parseDocument(readFileSync(join(this.root, file), 'utf8'), { lineCounter });
            line = lineOfSpot(doc.contents, lineCounter, spot);
          } catch {
            line = undefined;
          }
        }
        return line;
      },
    };
  }

  private lineInFile(file: string, path: DataPath): number | undefined {
    try {
      const lineCounter = new LineCounter();
      const doc = parseDocument(readFileSync(join(this.root, file), 'utf8'), { lineCounter });
      return lineAt(doc.contents, lineCounter, path);
    } catch {
      return undefined;
    }
  }

  /**
   * Parsed by content, so base and head checkouts share the work for unchanged files; the fast subset
   * parser first, the full parser for anything it declines.
   */
  private parseKustomization(text: string): { data: unknown } | { error: string } {
    const key = `yaml:${text}`;
    const hit = this.cache.get(key) as { data: unknown } | { error: string } | undefined;
    if (hit) return hit;
    let result: { data: unknown } | { error: string };
    const simple = parseSimpleYaml(text);
    if (simple !== undefined) result = { data: simple };
    else {
      const lineCounter = new LineCounter();
      const doc = parseDocument(text, { lineCounter, prettyErrors: false });
      const first = doc.errors[0];
      result = first ? { error: `line ${lineCounter.linePos(first.pos[0]).line}: ${first.message.split('\n')[0]}` } : { data: doc.toJS() };
    }
    this.cache.set(key, result);
    return result;
  }

  private walkTree(dirRel: string, nested: boolean, out: InputSet, isTop: boolean): void {
    const abs = join(this.root, dirRel);
    if (nested && !isTop && this.kustomizationFiles(abs).length > 0) {
      // Flux's generator includes such a folder as a kustomization and does not look inside it.
      addInputs(out, this.kustomization(dirRel));
      return;
    }
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const childRel = dirRel === '.' ? entry.name : `${dirRel}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === '.git' || entry.name === 'node_modules') continue;
        this.walkTree(childRel, nested, out, false);
      } else if (entry.isSymbolicLink()) {
        const r = this.resolve('.', childRel, { file: childRel, field: '', line: () => undefined });
        // A chart dependency or base may be a symlinked folder: its target counts as a whole.
        if (r.symlinkTarget === undefined) continue; // dangling: the renderer reports it if it matters
        if (r.kind === 'dir') out.dirs.add(r.symlinkTarget);
        else out.files.add(r.symlinkTarget);
      }
    }
  }

  private walkKustomization(dirRel: string, abs: string): InputSet {
    const out = emptyInputSet();
    // Creating a second kustomization file changes (breaks) the build, so every candidate name counts.
    for (const name of kustomizationFileNames) out.files.add(dirRel === '.' ? name : `${dirRel}/${name}`);
    const present = this.kustomizationFiles(abs);
    if (present.length > 1) {
      throw new BosunError({ kind: 'render', file: `${dirRel}/${present[0]}`, message: `folder ${dirRel} has more than one kustomization file (${present.join(', ')}); keep exactly one` });
    }
    const file = dirRel === '.' ? present[0] : `${dirRel}/${present[0]}`;
    const parsed = this.parseKustomization(readFileSync(join(abs, present[0]), 'utf8'));
    if ('error' in parsed) {
      out.unsure = `${file} cannot be parsed (${parsed.error})`;
      out.dirs.add(dirRel);
      return out;
    }
    const data = parsed.data;
    if (data === null || data === undefined) return out;
    if (!isRecord(data)) {
      out.unsure = `${file} is not a kustomization (expected a mapping)`;
      return out;
    }
    // Lines are only needed for error messages: the file is re-read with positions then.
    new KustomizationFields(this, dirRel, file, data, out).walk();
    return out;
  }
}

/**
 * The references of one kustomization file, as kustomize-refs.ts lists them, turned into inputs. A
 * reference bosun will not follow (remote, absolute, leaving the repository) is an error here as in the
 * renderer, so the plan says why an environment could not be analysed.
 */
class KustomizationFields {
  private readonly walker: InputWalker;
  private readonly dir: string;
  private readonly file: string;
  private readonly data: Record<string, unknown>;
  private readonly out: InputSet;

  constructor(walker: InputWalker, dir: string, file: string, data: Record<string, unknown>, out: InputSet) {
    this.walker = walker;
    this.dir = dir;
    this.file = file;
    this.data = data;
    this.out = out;
  }

  walk(): void {
    const found = kustomizationRefs(this.data);
    this.follow(found, (spot) => this.walker.spotSite(this.file, spot));
    for (const key of unknownFields(this.data)) this.unsure(`${this.file} uses "${key}", which bosun cannot analyse`);
  }

  /** Inputs of what a kustomization, or a file of plugin configs it lists, references (paths relative to this kustomization). */
  private follow(found: KustomizationRefs, at: (spot: RefSpot) => RefSite): void {
    const problem = found.problems[0];
    if (problem) {
      const site = at(problem);
      throw new BosunError({ kind: 'render', file: site.file, line: site.line(), field: site.field, message: problem.message });
    }
    for (const ref of found.refs) {
      const site = at(ref);
      const cls = classifyRef(ref.value);
      if (cls !== 'local') throw new BosunError({ kind: cls === 'remote' ? 'render' : 'path', file: site.file, line: site.line(), field: site.field, message: refusalMessage(ref.value, cls) });
      if (ref.role === 'resource' || ref.role === 'component') this.resourceLike(ref.value, site);
      else if (ref.role === 'plugin') this.pluginConfigs(ref.value, site);
      else if (ref.role === 'folder') this.walker.resolve(this.dir, ref.value, site);
      else this.file_(ref.value, site, ref.role === 'data');
    }
    for (const chart of found.charts) this.chart(chart, at(chart));
  }

  private unsure(reason: string): void {
    if (this.out.unsure === undefined) this.out.unsure = reason;
  }

  /** `resources`-style entries: a manifest file, or a folder with its own kustomization. */
  private resourceLike(ref: string, site: RefSite): InputSet | undefined {
    const r = this.walker.resolve(this.dir, ref, site);
    if (r.kind === 'missing') {
      // kustomize tries anything else it cannot find locally as a remote target (host/org/repo).
      if (remoteWhenMissing(ref)) {
        throw new BosunError({ kind: 'render', file: site.file, line: site.line(), field: site.field, message: `${refusalMessage(ref, 'remote')} (it is not a path in this repository)` });
      }
      throw this.walker.missing(site, ref, r.rel);
    }
    if (r.kind === 'dir') {
      const inputs = this.walker.kustomization(r.rel, site);
      addInputs(this.out, inputs);
      if (r.symlinkTarget) this.out.dirs.add(r.symlinkTarget);
      return inputs;
    }
    this.addFile(r);
    return undefined;
  }

  /**
   * Plugin configs named by path: the file itself, and the files its configs read. A folder of configs is
   * walked as a kustomization; what the configs inside it read is not analysed, so the result is unsure.
   */
  private pluginConfigs(ref: string, site: RefSite): void {
    const r = this.walker.resolve(this.dir, ref, site);
    if (r.kind === 'dir') {
      this.resourceLike(ref, site);
      this.unsure(`${this.file} ${site.field} takes plugin configs from folder ${r.rel}, whose file references bosun does not analyse`);
      return;
    }
    this.resourceLike(ref, site);
    const found = pluginConfigFileRefs(readFileSync(r.abs, 'utf8'));
    if ('error' in found) {
      this.unsure(`${r.rel} cannot be parsed (line ${found.error.line}: ${found.error.message})`);
      return;
    }
    this.follow(found, (spot) => ({ file: r.rel, field: spot.field, line: () => spot.inlineLine }));
  }

  private file_(ref: string, site: RefSite, allowDir = false): void {
    const r = this.walker.resolve(this.dir, ref, site);
    if (r.kind === 'missing') throw this.walker.missing(site, ref, r.rel, 'file');
    if (r.kind === 'dir') {
      if (!allowDir) throw new BosunError({ kind: 'render', file: site.file, line: site.line(), field: site.field, message: `"${ref}" is a folder; a file is expected here` });
      addInputs(this.out, this.walker.subtree(r.rel, false));
      return;
    }
    this.addFile(r);
  }

  /** A chart kustomize inflates: vendored where kustomize looks for it, or refused (kustomize would pull it). */
  private chart(chart: ChartUse, site: RefSite): void {
    const folder = chartFolder(chart, this.dir);
    const r = this.walker.resolve('.', folder, site);
    if (r.kind === 'dir') {
      addInputs(this.out, this.walker.helmChart(r.rel));
      if (r.symlinkTarget) this.out.dirs.add(r.symlinkTarget);
      return;
    }
    if (chart.repo) {
      throw new BosunError({ kind: 'render', file: site.file, line: site.line(), field: site.field, message: `helm chart "${chart.name}" from ${chart.repo} is not vendored (looked for ${folder}/): ${remoteRefusal}` });
    }
    throw this.walker.missing(site, chart.name, folder, 'chart folder');
  }

  private addFile(r: Resolved): void {
    this.out.files.add(r.rel);
    if (r.symlinkTarget) this.out.files.add(r.symlinkTarget);
  }
}
