import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { DiscoveryNote } from '../model/discovery.ts';
import { ChartFetchError, type ChartFetcher } from '../charts/index.ts';
import type { ArgoProject, Environment, RemoteChart } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { kustomizationFileNames } from '../render/kustomize-model/index.ts';
import { renderEnvironment } from '../render/render-environment.ts';
import { expandApplicationSet } from './argocd-appset.ts';
import { candidateEnvironment, isOwnRenderedSource, sourceEntries, type AppCandidate, type AppDoc } from './argocd-application.ts';
import { forgetListing, maxGeneratedApplications, type GeneratorCluster } from './argocd-generators.ts';
import { chartTemplateNotes, unrenderedSourceNote } from './argocd-notes.ts';
import { argocdProjectOf, projectForApplication } from './argocd-project.ts';
import { argocdBuildOptionNotes, findArgocdConfig } from './argocd-cm.ts';
import { isRemoteChartSource } from './argocd-remote-chart.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import { collectInputs, isInput } from './collect-inputs.ts';
import { assignUniqueNames } from './naming.ts';
import { objectNote } from './notes.ts';
import { field, isRecord, str } from './object-fields.ts';
import { detectRenderKind } from './render-kind.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

const applicationApi = /^argoproj\.io\//;
/** How deep an app of apps may nest (root → child → grandchild …) before bosun stops rendering parents. */
export const maxAppOfAppsDepth = 5;

/** The clusters of bosun's registry that discovery may see (names, labels, server URLs), for the clusters generator. */
export type ClustersOf = (ctx: DiscoveryContext) => GeneratorCluster[] | undefined;

function isArgo(object: Record<string, unknown>, kind?: string): boolean {
  return typeof object.apiVersion === 'string' && applicationApi.test(object.apiVersion) && (kind === undefined || object.kind === kind);
}

/**
 * Argo CD Applications as Argo CD sees them: Applications in files; Applications an ApplicationSet
 * generates (argocd-appset.ts); and Applications that an Application renders (app of apps: a chart,
 * kustomization or folder of Application objects, or a chart fetched from a Helm repository or OCI registry
 * when discovery has the chart fetcher), found by rendering that parent with the normal
 * sandboxed renderers, recursively up to `maxAppOfAppsDepth` levels, each Application at most once
 * (a parent that renders itself or an ancestor stops there, with a note).
 */
export const argocdSource: DiscoverySource = {
  name: 'argocd',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    try {
      return await new ArgoDiscovery(ctx).run();
    } finally {
      forgetListing(ctx.root);
    }
  },
};

interface Parentage {
  /** The candidate whose environment rendered this Application, when found in rendered output. */
  parent?: AppCandidate;
  depth: number;
}

class ArgoDiscovery {
  private readonly ctx: DiscoveryContext;
  private readonly notes: DiscoveryNote[] = [];
  private readonly candidates: AppCandidate[] = [];
  private readonly parentage = new Map<AppCandidate, Parentage>();
  /** Applications (and ApplicationSets) already taken in, by `kind/namespace/name`. */
  private readonly seen = new Map<string, { file: string; line: number; object: Record<string, unknown> }>();
  /** Notes about Applications that are environments but have sources bosun does not render. */
  private readonly partly = new Map<AppDoc, DiscoveryNote>();
  /** File documents taken in as written, so a parent that renders them unchanged is their producer. */
  private readonly fileDocs = new Map<string, AppDoc>();
  private readonly renderedCharts = new Set<string>();
  private readonly inputCache = new Map<string, unknown>();
  /** AppProjects written in the repository's files, by name (the first of a name). */
  private readonly projects = new Map<string, ArgoProject>();
  /** Every YAML file of the checkout: where Argo CD's argocd-cm ConfigMap is looked for (its kustomize.buildOptions). */
  private yamlFiles: readonly string[] = [];
  /** Whether Applications were left out for maxGeneratedApplications (said once). */
  private overLimit = false;

  constructor(ctx: DiscoveryContext) {
    this.ctx = ctx;
  }

  async run(): Promise<DiscoveryResult> {
    const scan = await this.ctx.repoYaml();
    for (const doc of scan.docs) {
      if (!isArgo(doc.object)) continue;
      if (doc.object.kind === 'AppProject') {
        const project = argocdProjectOf(doc.object, doc.file);
        if (project && !this.projects.has(project.name)) this.projects.set(project.name, project);
        continue;
      }
      this.fileDocs.set(`${doc.file}:${doc.line}`, doc);
      this.take(doc, { depth: 0 });
    }
    this.yamlFiles = scan.files;
    await this.expandParents(scan.templates);
    this.notes.push(...chartTemplateNotes(this.ctx, scan.templates.filter((t) => ![...this.renderedCharts].some((c) => t.startsWith(`${c}/templates/`)))));
    return this.finish();
  }

  /** Takes in an Argo CD object: an Application (its candidates) or an ApplicationSet (what it generates). */
  private take(doc: AppDoc, parentage: Parentage): AppCandidate[] {
    const kind = doc.object.kind;
    if (kind !== 'Application' && kind !== 'ApplicationSet') return [];
    const name = str(field(doc.object, 'metadata', 'name'));
    if (!name) {
      this.notes.push(objectNote(doc, 'not-an-environment', 'not an environment: metadata.name is not set'));
      return [];
    }
    // The first definition of each object is what a parent rendering the same object is compared with.
    const key = `${kind}/${str(field(doc.object, 'metadata', 'namespace')) ?? ''}/${name}`;
    if (!this.seen.has(key)) this.seen.set(key, { file: doc.file, line: doc.line, object: doc.object });
    if (kind === 'ApplicationSet') {
      const expansion = expandApplicationSet(this.ctx, doc, this.clusters(), Math.max(0, maxGeneratedApplications - this.candidates.length));
      this.notes.push(...expansion.notes);
      const out: AppCandidate[] = [];
      for (const app of expansion.applications) {
        const generated: AppDoc = {
          file: doc.file,
          line: doc.line,
          object: app.object,
          lineOf: () => doc.line,
          producedBy: { kind: 'ApplicationSet', name, file: doc.file, ...(parentage.parent ? { parent: parentage.parent } : {}), ...(expansion.keepObjects ? { keepObjects: expansion.keepObjects } : {}) },
          ...(app.inputs.length > 0 ? { definedByFiles: app.inputs } : {}),
          ...(app.generatedFrom.length > 0 ? { generatedFrom: app.generatedFrom } : {}),
          ...(app.rollout ? { rollout: app.rollout } : {}),
        };
        out.push(...this.take(generated, parentage));
      }
      return out;
    }
    if (this.candidates.length >= maxGeneratedApplications) {
      // Rendered parents (app of apps) multiply too: each of 20,000 rendered Applications may render 20,000 more.
      // Said once, for the first one left out.
      if (this.overLimit) return [];
      this.overLimit = true;
      this.notes.push(objectNote(doc, 'not-previewed', `not previewed, nor any Argo CD Application after it: the checkout already has ${maxGeneratedApplications}, more than bosun expands for one plan`));
      return [];
    }
    const entries = sourceEntries(doc.object);
    // Sources rendered here: a folder of this repository, or a chart fetched from a Helm repository or OCI registry.
    const own = entries.filter((e) => isOwnRenderedSource(this.ctx, e.source) || isRemoteChartSource(e.source));
    const others = entries.filter((e) => !own.includes(e));
    const unrendered = unrenderedSourceNote(this.ctx, doc, others, own.length > 0);
    if (own.length === 0) {
      this.notes.push(unrendered ?? noSourceNote(this.ctx, doc));
      return [];
    }
    if (unrendered) this.partly.set(doc, unrendered);
    const namespace = str(field(doc.object, 'metadata', 'namespace'));
    // Folder sources keep the names they had before fetched charts were rendered (`app`, or `app[i]` when
    // several); a fetched chart beside other rendered sources is `app[i]`.
    const folders = own.filter((e) => !isRemoteChartSource(e.source)).length;
    const out = own.map((entry): AppCandidate => ({ doc, appName: name, ...(namespace ? { namespace } : {}), entry, multi: isRemoteChartSource(entry.source) ? own.length > 1 : folders > 1 }));
    for (const c of out) {
      this.candidates.push(c);
      this.parentage.set(c, parentage);
    }
    void this.ctx.tally?.add('environments', out.length);
    return out;
  }

  private clusters(): GeneratorCluster[] | undefined {
    return this.ctx.clusters?.clusters.map((c) => ({ name: c.name, labels: { ...c.labels }, ...(c.annotations ? { annotations: { ...c.annotations } } : {}), ...(c.server ? { server: c.server } : {}) }));
  }

  /**
   * App of apps: every environment whose render may hold Argo CD objects (a chart template naming an
   * Application or ApplicationSet, or such a file among its inputs) is rendered, and what it renders is
   * taken in as that environment's children; then their children, level by level.
   */
  private async expandParents(templates: readonly string[]): Promise<void> {
    const argoTemplates = templates.filter((t) => mentionsArgoKinds(join(this.ctx.root, t)));
    let level = [...this.candidates];
    const rendered = new Set<AppCandidate>();
    for (let depth = 0; level.length > 0; depth++) {
      const next: AppCandidate[] = [];
      for (const c of level) {
        if (rendered.has(c)) continue;
        rendered.add(c);
        await this.ctx.tally?.add('walked');
        const built = this.provisional(c);
        // A fetched chart (Helm repository, OCI) is expanded only with a chart fetcher. Argo CD's repo server
        // renders it as it renders a chart folder of a repository (reposerver/repository/repository.go
        // GenerateManifests → helmTemplate), so the Applications in it reach the controller as a local
        // parent's do (plan/argocd-chart-children.ts says what is left unexpanded).
        const mayHold = built?.remoteChart ? fetchedChartMayHoldApplications(this.ctx.fetchCharts, built.remoteChart) : built ? this.mayHoldApplications(built, c, argoTemplates) : false;
        if (!built || !(await mayHold)) continue;
        if (depth >= maxAppOfAppsDepth) {
          this.notes.push(objectNote(c.doc, 'info', `app of apps nested more than ${maxAppOfAppsDepth} levels deep: bosun does not render this Application to find the Applications it deploys`));
          continue;
        }
        if (built.pinned) {
          this.notes.push(objectNote(c.doc, 'info', `pinned to ${built.pinned}: the Applications it deploys come from that revision, so a change to the base branch does not change them (not expanded)`, { reads: [built.path] }));
          continue;
        }
        next.push(...await this.renderChildren(c, built, depth));
      }
      level = next;
    }
  }

  /** The environment of a candidate, built only to render it (its final name comes later). */
  private provisional(c: AppCandidate): Environment | undefined {
    try {
      return candidateEnvironment(this.ctx, c, c.appName).env;
    } catch (e) {
      if (e instanceof BosunError) return undefined; // reported when the environments are built
      throw e;
    }
  }

  private async mayHoldApplications(env: Environment, c: AppCandidate, argoTemplates: readonly string[]): Promise<boolean> {
    if (detectRenderKind(join(this.ctx.root, env.path)) === 'helm') {
      const prefix = env.path === '.' ? 'templates/' : `${env.path}/templates/`;
      if (argoTemplates.some((t) => t.startsWith(prefix))) return true;
    }
    // Cheap first: an Argo CD file inside its folder, or a kustomization that reaches outside it (then
    // the full input analysis says which files it reads). Most environments are neither.
    const inside = (file: string) => env.path === '.' || file.startsWith(`${env.path}/`);
    const others = [...this.fileDocs.values()].filter((doc) => doc !== c.doc && !(doc.file === c.doc.file && doc.line === c.doc.line));
    if (others.length === 0) return false;
    if (others.some((doc) => inside(doc.file))) return true;
    if (detectRenderKind(join(this.ctx.root, env.path)) !== 'kustomize' || !reachesOutside(join(this.ctx.root, env.path))) return false;
    let inputs;
    try {
      // Its own definition (and an ApplicationSet's parameter files) are inputs, but not what it renders.
      inputs = await collectInputs(this.ctx.root, { ...env, definedIn: undefined, definedByFiles: undefined }, this.inputCache);
    } catch (e) {
      if (e instanceof BosunError) return false; // the plan reports it on the environment
      throw e;
    }
    return others.some((doc) => isInput(inputs, doc.file));
  }

  /** Renders a parent and takes in the Argo CD objects it renders. */
  private async renderChildren(c: AppCandidate, env: Environment, depth: number): Promise<AppCandidate[]> {
    const outcome = await renderEnvironment(this.ctx.root, env, env.remoteChart && this.ctx.fetchCharts ? { charts: this.ctx.fetchCharts } : {});
    if (!outcome.ok) {
      this.notes.push(objectNote(c.doc, 'info', `bosun could not render it to find the Applications it deploys (${outcome.error.message.split('\n')[0]}); the render error is in its environment's report`));
      return [];
    }
    if (!env.remoteChart && detectRenderKind(join(this.ctx.root, env.path)) === 'helm') this.renderedCharts.add(env.path);
    const out: AppCandidate[] = [];
    for (const { object, source: where } of outcome.objects) {
      const source = where ?? { file: c.doc.file };
      const o = object as unknown as Record<string, unknown>;
      if (!isArgo(o) || (o.kind !== 'Application' && o.kind !== 'ApplicationSet')) continue;
      const name = str(field(o, 'metadata', 'name')) ?? '';
      const key = `${String(o.kind)}/${str(field(o, 'metadata', 'namespace')) ?? ''}/${name}`;
      const ancestors = this.ancestry(c);
      if (ancestors.some((a) => a.appName === name && o.kind === 'Application')) {
        this.notes.push(objectNote(c.doc, 'info', `renders Application ${name}, which is itself or one of the Applications that deploy it: bosun stops there (a cycle)`));
        continue;
      }
      const line = source.line ?? c.doc.line;
      const fileDoc = source.line !== undefined ? this.fileDocs.get(`${source.file}:${source.line}`) : undefined;
      const earlier = this.seen.get(key);
      if (earlier) {
        // The same object as one read from a file: that file is what this parent deploys.
        if (fileDoc && isDeepStrictEqual(normalized(fileDoc.object), normalized(o))) this.adopt(fileDoc, c);
        else if (earlier.file !== source.file) this.notes.push(objectNote(c.doc, 'info', `renders ${String(o.kind)} ${name}, which is also defined in ${earlier.file}; bosun previews the one in ${earlier.file}`));
        continue;
      }
      const doc: AppDoc = {
        file: source.file,
        line,
        object: o,
        lineOf: () => line,
        producedBy: { kind: 'Application', name: c.appName, file: c.doc.file, parent: c },
      };
      out.push(...this.take(doc, { parent: c, depth: depth + 1 }));
    }
    return out;
  }

  /** A file Application (or what an ApplicationSet in that file generates) is deployed by parent `c`. */
  private adopt(fileDoc: YamlObjectDoc, c: AppCandidate): void {
    for (const other of this.candidates) {
      if (other.doc.file !== fileDoc.file || other.doc.line !== fileDoc.line || other === c) continue;
      const p = this.parentage.get(other);
      if (p?.parent) continue;
      this.parentage.set(other, { parent: c, depth: (this.parentage.get(c)?.depth ?? 0) + 1 });
      if (other.doc.producedBy?.kind === 'ApplicationSet') other.doc.producedBy.parent ??= c;
      else other.doc.producedBy = { kind: 'Application', name: c.appName, file: c.doc.file, parent: c };
    }
  }

  private ancestry(c: AppCandidate): AppCandidate[] {
    const out: AppCandidate[] = [c];
    for (let p = this.parentage.get(c)?.parent; p && !out.includes(p); p = this.parentage.get(p)?.parent) out.push(p);
    return out;
  }

  private finish(): DiscoveryResult {
    const names = assignUniqueNames(
      this.candidates.map((c) => {
        const name = c.multi ? `${c.appName}[${c.entry.index}]` : c.appName;
        return { name, qualified: c.namespace ? `${c.namespace}/${name}` : name };
      }),
      this.notes,
      'Argo CD Application',
    );
    const nameOf = new Map(this.candidates.map((c, i) => [c, names[i]]));
    const environments: Environment[] = [];
    this.candidates.forEach((c, i) => {
      const parent = c.doc.producedBy?.parent ?? this.parentage.get(c)?.parent;
      const built = candidateEnvironment(this.ctx, c, names[i], parent ? nameOf.get(parent) : undefined);
      // Its AppProject's resource rules, when the repository defines it (validate/argocd-project.ts warns).
      const project = this.projects.get(str(field(c.doc.object, 'spec', 'project')) ?? 'default');
      if (project) built.env.argocdProject = projectForApplication(project, c.doc.object);
      environments.push(built.env);
      this.notes.push(...built.notes);
    });
    for (const [doc, note] of this.partly) {
      note.environments = names.filter((_, i) => this.candidates[i].doc === doc).sort();
      this.notes.push(note);
    }
    this.notes.push(...argocdBuildOptionNotes(this.ctx.root, environments, () => findArgocdConfig(this.ctx.root, this.yamlFiles)));
    return { environments, notes: this.notes };
  }
}

/**
 * An Application without `source` / `sources`: one with `sourceHydrator` deploys what Argo CD's hydrator
 * renders from `drySource` and commits to `syncSource`, which bosun does not model.
 */
function noSourceNote(ctx: DiscoveryContext, doc: YamlObjectDoc): DiscoveryNote {
  const dry = field(doc.object, 'spec', 'sourceHydrator', 'drySource');
  if (!isRecord(dry)) return objectNote(doc, 'not-an-environment', 'not an environment: it has no source');
  const path = str(dry.path);
  const reads = path && isOwnRenderedSource(ctx, dry) ? [normalizeRepoPath(path)] : undefined;
  return objectNote(doc, 'not-previewed', `uses Argo CD's source hydrator (spec.sourceHydrator), which bosun does not model: what it deploys (drySource${path ? ` ${path}` : ''} rendered and committed to syncSource) is not previewed`, reads ? { reads } : {});
}

/** An object as compared with its file: without the annotations bosun's renderers add or drop. */
function normalized(o: Record<string, unknown>): unknown {
  const copy = structuredClone(o);
  const meta = copy.metadata;
  if (isRecord(meta) && isRecord(meta.annotations)) {
    for (const k of Object.keys(meta.annotations)) if (k.startsWith('config.kubernetes.io/') || k.startsWith('internal.config.kubernetes.io/')) delete meta.annotations[k];
    if (Object.keys(meta.annotations).length === 0) delete meta.annotations;
  }
  return copy;
}

/** Whether a kustomization in `absDir` names anything outside its folder (`../`), so its inputs must be walked. */
function reachesOutside(absDir: string): boolean {
  for (const name of kustomizationFileNames) {
    const file = join(absDir, name);
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (stat?.isFile()) return stat.size > 1024 * 1024 || /(^|[\s'"/-])\.\.\//m.test(readFileSync(file, 'utf8'));
  }
  return false;
}

/**
 * Whether a fetched chart may render Argo CD Applications: a file of it names the kinds, or it packs a
 * subchart (not read here). A chart that cannot be fetched is not expanded: its own render says why.
 */
async function fetchedChartMayHoldApplications(fetcher: ChartFetcher | undefined, remote: RemoteChart): Promise<boolean> {
  if (!fetcher || !remote.source.version) return false;
  let dir: string;
  try {
    dir = (await fetcher.fetch(remote.source)).dir;
  } catch (e) {
    if (e instanceof ChartFetchError) return false;
    throw e;
  }
  let files = 0;
  const walk = (abs: string): boolean => {
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = join(abs, entry.name);
      if (entry.isDirectory() && walk(child)) return true;
      if (!entry.isFile()) continue;
      // Past a few thousand files, or a packed subchart: rendered rather than guessed.
      if (++files > 5000 || /\.(tgz|tar\.gz)$/.test(entry.name) || mentionsArgoKinds(child)) return true;
    }
    return false;
  };
  return walk(dir);
}

const argoKindPattern = /^\s*kind:\s*["']?(Application|ApplicationSet)["']?\s*$/m;
const argoApiPattern = /apiVersion:\s*["']?argoproj\.io\//;

/** Whether a chart template (raw text) writes an Argo CD Application or ApplicationSet. */
function mentionsArgoKinds(abs: string): boolean {
  const stat = lstatSync(abs, { throwIfNoEntry: false });
  if (!stat?.isFile() || stat.size > 1024 * 1024) return false;
  const text = readFileSync(abs, 'utf8');
  return argoKindPattern.test(text) && argoApiPattern.test(text);
}
