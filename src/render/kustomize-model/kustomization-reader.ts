import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { BosunError } from '../../model/errors.ts';
import { remoteRefusal } from '../../util/remote-refs.ts';
import { addInputs, type InputSet } from './inputs.ts';
import { chartFolder, kustomizationRefs, lineOfSpot, pluginConfigFileRefs, unknownFields, type ChartUse, type KustomizationRefs, type RefSpot } from './fields.ts';
import type { KustomizationNode } from './kustomization-node.ts';
import { missing, refuse, type RefSite, type RepoPaths, type Resolved } from './repo-paths.ts';

/**
 * What the reader follows references through: the model (model.ts), which reads each kustomization once
 * and walks charts and plain folders. Named here so that the model imports the reader, not both ways.
 */
export interface KustomizationWalk {
  readonly root: string;
  readonly paths: RepoPaths;
  /** Keep charts kustomize would pull for the renderer to fetch, instead of refusing them. */
  readonly remoteCharts: boolean;
  /** Pass over remote bases instead of refusing them (affected detection). */
  readonly remoteBases: boolean;
  kustomization(dirRel: string, site?: RefSite): InputSet;
  tree(dirRel: string, site?: RefSite): { resourceFiles: string[] };
  subtree(dirRel: string, nested: boolean): InputSet;
  helmChart(dirRel: string): InputSet;
}

/**
 * The references of one kustomization file (fields.ts lists them), checked and followed into the
 * node's inputs, reads and charts. A reference bosun will not follow (remote, absolute, leaving the
 * repository) or that leads nowhere is an error naming the file, line and field.
 */
export class KustomizationReader {
  private readonly model: KustomizationWalk;
  private readonly node: KustomizationNode;
  private readonly data: Record<string, unknown>;

  constructor(model: KustomizationWalk, node: KustomizationNode, data: Record<string, unknown>) {
    this.model = model;
    this.node = node;
    this.data = data;
  }

  read(): void {
    this.follow(kustomizationRefs(this.data), (spot) => this.spotSite(spot), this.node.file);
    for (const key of unknownFields(this.data)) this.unsure(`${this.node.file} uses "${key}", which bosun cannot analyse`);
  }

  /** What a kustomization, or a file of plugin configs it lists, references (paths relative to this kustomization). */
  private follow(found: KustomizationRefs, at: (spot: RefSpot) => RefSite, declaredIn: string): void {
    const problem = found.problems[0];
    if (problem) throw refuse(at(problem), 'render', problem.message);
    const paths = this.model.paths;
    for (const ref of found.refs) {
      const site = at(ref);
      const resourceLike = ref.role === 'resource' || ref.role === 'component' || ref.role === 'plugin';
      // A remote base is not in the repository: nothing of it is an input (the renderer refuses it).
      if (this.model.remoteBases && (ref.role === 'resource' || ref.role === 'component') && paths.isRemoteTarget(this.node.dir, ref.value, site)) continue;
      const r = paths.reference(this.node.dir, ref.value, site, resourceLike);
      if (ref.role === 'folder') continue; // chartHome: where charts are looked for (each chart is checked below)
      if (r.kind === 'missing') throw missing(site, ref.value, r.rel, resourceLike ? undefined : 'file');
      if (ref.role === 'resource' || ref.role === 'component') this.resourceLike(r, site, ref.role === 'resource');
      else if (ref.role === 'plugin') this.pluginConfigs(r, site);
      else if (r.kind === 'file') this.addFile(r);
      else if (ref.role === 'data') addInputs(this.node.inputs, this.model.subtree(r.rel, false));
      else throw refuse(site, 'render', `"${ref.value}" is a folder; a file is expected here`);
    }
    for (const chart of found.charts) this.chart(chart, at(chart), declaredIn);
  }

  /** `resources`-style entries: a manifest file, or a folder with its own kustomization. */
  private resourceLike(r: Resolved, site: RefSite, isResource: boolean): void {
    if (r.kind === 'dir') {
      addInputs(this.node.inputs, this.model.kustomization(r.rel, site));
      if (r.symlinkTarget) this.node.inputs.dirs.add(r.symlinkTarget);
      this.node.reads.push({ kustomization: r.rel });
      return;
    }
    this.addFile(r);
    if (isResource) this.node.reads.push({ resource: r.rel });
  }

  /**
   * Plugin configs named by path: a file of configs, or a folder whose kustomization produces them (its
   * resource files are the configs). Their file fields are relative to the kustomization that lists them
   * (kustomize loads them with its loader).
   */
  private pluginConfigs(r: Resolved, site: RefSite): void {
    let files = [r.rel];
    if (r.kind === 'dir') {
      addInputs(this.node.inputs, this.model.kustomization(r.rel, site));
      if (r.symlinkTarget) this.node.inputs.dirs.add(r.symlinkTarget);
      this.node.reads.push({ pluginFolder: r.rel });
      files = this.model.tree(r.rel, site).resourceFiles;
    } else {
      this.addFile(r);
    }
    for (const configFile of files) {
      const found = pluginConfigFileRefs(readFileSync(join(this.model.root, configFile), 'utf8'));
      if ('error' in found) {
        // kustomize reports an unreadable config itself; what it would read is unknown.
        this.unsure(`${configFile} cannot be parsed (line ${found.error.line}: ${found.error.message})`);
        continue;
      }
      this.follow(found, (spot) => ({ file: configFile, field: spot.field, line: () => spot.inlineLine }), configFile);
    }
  }

  /** A chart kustomize inflates: vendored where kustomize looks for it, or refused (kustomize would pull it). */
  private chart(chart: ChartUse, site: RefSite, declaredIn: string): void {
    const folder = chartFolder(chart, this.node.dir);
    const r = this.model.paths.resolve('.', folder, site);
    const { at: _at, field: _field, inlineLine: _line, ...data } = chart;
    this.node.charts.push({ ...data, site, folder, vendored: r.kind === 'dir' });
    if (!this.node.chartFiles.includes(declaredIn)) this.node.chartFiles.push(declaredIn);
    if (r.kind === 'dir') {
      addInputs(this.node.inputs, this.model.helmChart(r.rel));
      if (r.symlinkTarget) this.node.inputs.dirs.add(r.symlinkTarget);
      return;
    }
    if (chart.repo && this.model.remoteCharts) return; // fetched by the renderer (kustomize-charts.ts)
    if (chart.repo) throw unvendoredChart(chart, folder, site);
    throw missing(site, chart.name, folder, 'chart folder');
  }

  private addFile(r: Resolved): void {
    this.node.inputs.files.add(r.rel);
    if (r.symlinkTarget) this.node.inputs.files.add(r.symlinkTarget);
  }

  private unsure(reason: string): void {
    if (this.node.inputs.unsure === undefined) this.node.inputs.unsure = reason;
  }

  /** Where a kustomization field was written; the file is parsed with positions only when a line is asked for. */
  private spotSite(spot: RefSpot): RefSite {
    let line: number | undefined | null = null;
    const file = this.node.file;
    const root = this.model.root;
    return {
      file,
      field: spot.field,
      line: () => {
        if (line === null) {
          try {
            const lineCounter = new LineCounter();
            const doc = parseDocument(readFileSync(join(root, file), 'utf8'), { lineCounter });
            line = lineOfSpot(doc.contents, lineCounter, spot);
          } catch {
            line = undefined;
          }
        }
        return line;
      },
    };
  }
}

/** A chart kustomize would pull from a repository: refused offline, saying how to vendor it. */
export function unvendoredChart(chart: Pick<ChartUse, 'name' | 'repo' | 'version'>, folder: string, site: RefSite): BosunError {
  const untarDir = posix.dirname(folder);
  return refuse(site, 'render', `helm chart "${chart.name}" from ${chart.repo} is not vendored (looked for ${folder}/): ${remoteRefusal} — `
    + `helm pull ${chart.name} --repo ${chart.repo}${chart.version ? ` --version ${chart.version}` : ''} --untar --untardir ${untarDir}, and commit it`);
}
