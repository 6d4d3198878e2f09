import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { objectNote, readsFrom } from './notes.ts';
import { field, list, str } from './object-fields.ts';
import { scanRepoYaml, type RepoYaml } from './repo-yaml.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import { readRepoConfig } from '../config/load-repo-config.ts';
import { discoveredDefaults } from '../config/to-environment.ts';
import { configSource } from './source-config.ts';
import { argocdSource } from './source-argocd.ts';
import { directoriesSource } from './source-directories.ts';
import { isFleetGitRepo } from './fleet-gitrepo.ts';
import { fleetSource } from './source-fleet.ts';
import { fluxSource } from './source-flux.ts';
import { DiscoveryTally } from './discovery-progress.ts';
import type { DiscoverOptions, DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

/**
 * Sources in tiers, most explicit first. The first tier that finds any environment wins; sources in one
 * tier are combined (a repository may hold Flux Kustomizations, Argo CD Applications and Fleet bundles).
 */
export const discoveryTiers: ReadonlyArray<readonly DiscoverySource[]> = [[configSource], [fluxSource, argocdSource, fleetSource], [directoriesSource]];

/**
 * Only files mentioning these API groups can define Flux, Argo CD or Fleet objects; the rest are not
 * parsed. Objects of these groups are either environments or notes.
 */
export const gitOpsApiPattern = /apiVersion:\s*["']?(?:(?:kustomize|source|helm)\.toolkit\.fluxcd\.io|source\.extensions\.fluxcd\.io|argoproj\.io|fleet\.cattle\.io)\//;

/** What `no environments found` says bosun looked for. */
export const lookedFor = 'environments in .bosun.yaml; Flux Kustomizations and Argo CD Applications whose source is this repository; Rancher Fleet bundles (fleet.yaml, GitRepo paths) on registered clusters; clusters/<name>/ folders';

/**
 * Which environments the checkout at `root` defines, and notes on everything else it saw: every
 * Flux, Argo CD and Fleet object that is not an environment, what cannot be previewed, and why.
 */
export async function discoverEnvironments(root: string, opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  let scan: Promise<RepoYaml> | undefined;
  // A broken .bosun.yaml is reported here, as the config source would (it is the first tier).
  const defaults = discoveredDefaults((await readRepoConfig(root))?.config);
  const tally = new DiscoveryTally(opts.progress);
  const ctx: DiscoveryContext = {
    root,
    ...(opts.repoUrls && opts.repoUrls.length > 0 ? { repoUrls: opts.repoUrls } : {}),
    ...(opts.branch ? { branch: opts.branch } : {}),
    ...(opts.defaultBranch ? { defaultBranch: opts.defaultBranch } : {}),
    ...(opts.clusters ? { clusters: opts.clusters } : {}),
    ...(opts.charts ? { charts: opts.charts } : {}),
    ...(opts.fetchCharts ? { fetchCharts: opts.fetchCharts } : {}),
    repoYaml: () => (scan ??= scanRepoYaml(root, gitOpsApiPattern, tally)),
    ...(Object.keys(defaults).length > 0 ? { defaults } : {}),
    tally,
  };
  const notes: DiscoveryNote[] = [];
  let environments: Environment[] = [];
  let winner = -1;
  for (const [index, tier] of discoveryTiers.entries()) {
    const results: DiscoveryResult[] = [];
    for (const source of tier) results.push(await source.discover(ctx));
    for (const r of results) notes.push(...r.notes);
    environments = combine(results, tier, notes);
    if (environments.length > 0) {
      winner = index;
      break;
    }
  }
  if (winner === 0) notes.push(...(await unaskedObjectNotes(ctx)));
  if (scan) notes.unshift(...(await scan).notes);
  if (environments.length === 0) {
    notes.push({ status: 'info', kind: 'Repository', reason: `no environments found: bosun looked for ${lookedFor}; add a .bosun.yaml that lists them (docs/configuration.md)` });
  }
  // A HelmRelease whose chart is not rendered is a note (written by its source); only a plan keeps its environment.
  if (!opts.keepRefusedReleases) environments = environments.filter((e) => !e.helmRelease?.refused);
  return { environments: environments.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), notes };
}

/**
 * When `.bosun.yaml` lists the environments, Flux Kustomizations and Argo CD Applications in the
 * repository are not environments — but they may deploy things bosun does not preview, so they are
 * listed (with the folders they deploy). A problem in one of them is not the configuration's problem.
 */
async function unaskedObjectNotes(ctx: DiscoveryContext): Promise<DiscoveryNote[]> {
  const out: DiscoveryNote[] = [];
  for (const source of discoveryTiers[1]) {
    let result: DiscoveryResult;
    try {
      result = await source.discover(ctx);
    } catch (err) {
      if (!(err instanceof BosunError)) throw err;
      // One object the source refuses would hide the others: list them all, by their path alone.
      out.push(...(source.name === 'fleet' ? coarseFleetNotes(ctx, await ctx.repoYaml()) : coarseObjectNotes(ctx, (await ctx.repoYaml()).docs, source.name)));
      continue;
    }
    for (const env of result.environments) {
      if (env.source === 'fleet') {
        // One note per bundle, not one per cluster it goes to.
        if (out.some((n) => n.kind === 'Bundle' && n.name === env.fleet?.bundle)) continue;
        out.push({ status: 'not-an-environment', kind: 'Bundle', name: env.fleet?.bundle ?? env.name, ...(env.definedIn?.file ? { file: env.definedIn.file } : {}), reason: `not an environment: .bosun.yaml lists the environments; add one for ${env.path} if bosun should preview what this deploys`, reads: [env.path] });
        continue;
      }
      out.push({
        status: 'not-an-environment',
        kind: env.helmRelease ? 'HelmRelease' : env.source === 'flux' ? 'Kustomization' : 'Application',
        apiVersion: env.helmRelease ? 'helm.toolkit.fluxcd.io/v2' : env.source === 'flux' ? 'kustomize.toolkit.fluxcd.io/v1' : 'argoproj.io/v1alpha1',
        name: env.name,
        ...(env.definedIn?.file ? { file: env.definedIn.file } : {}),
        ...(env.definedIn?.line ? { line: env.definedIn.line } : {}),
        reason: `not an environment: .bosun.yaml lists the environments; add one for ${env.path} if bosun should preview what this deploys`,
        reads: [env.path],
      });
    }
    // .bosun.yaml supersedes every Kustomization, one on another cluster (spec.kubeConfig) too: not an environment.
    out.push(...result.notes.filter((n) => n.status !== 'info').map((n) => (n.kind === 'Kustomization' && n.status === 'not-previewed' ? { ...n, status: 'not-an-environment' as const } : n)));
  }
  return out;
}

/** Flux Kustomizations or Argo CD Applications as notes, read without the source's checks. */
function coarseObjectNotes(ctx: DiscoveryContext, docs: readonly YamlObjectDoc[], source: string): DiscoveryNote[] {
  const flux = source === 'flux';
  const api = flux ? /^kustomize\.toolkit\.fluxcd\.io\// : /^argoproj\.io\//;
  const kind = flux ? 'Kustomization' : 'Application';
  return docs
    .filter((d) => d.object.kind === kind && typeof d.object.apiVersion === 'string' && api.test(d.object.apiVersion))
    .map((d) => {
      const path = str(flux ? field(d.object, 'spec', 'path') : field(d.object, 'spec', 'source', 'path'));
      const reads = readsFrom(ctx.root, [path]);
      return objectNote(d, 'not-an-environment', 'not an environment: .bosun.yaml lists the environments; add one for what this deploys if bosun should preview it', reads.length > 0 ? { reads } : {});
    });
}

/** Every fleet.yaml folder and Fleet GitRepo, when one of them is broken and the Fleet source refused. */
function coarseFleetNotes(ctx: DiscoveryContext, scan: RepoYaml): DiscoveryNote[] {
  const reason = 'not an environment: .bosun.yaml lists the environments; add one for what this deploys if bosun should preview it';
  const out: DiscoveryNote[] = [];
  for (const file of scan.files.filter((f) => /(^|\/)fleet\.ya?ml$/.test(f))) {
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
    out.push({ status: 'not-an-environment', kind: 'Bundle', name: dir, file, reason, reads: [dir] });
  }
  for (const doc of scan.docs.filter(isFleetGitRepo)) {
    const paths = list(field(doc.object, 'spec', 'paths')).filter((p): p is string => typeof p === 'string');
    const reads = readsFrom(ctx.root, paths.length > 0 ? paths.map((p) => p.replace(/^\/+/, '') || '.') : ['.']);
    out.push(objectNote(doc, 'not-an-environment', reason, reads.length > 0 ? { reads } : {}));
  }
  return out;
}

/** Environments of one tier; a name found by two sources gets the source as a suffix so neither is lost. */
function combine(results: DiscoveryResult[], tier: readonly DiscoverySource[], notes: DiscoveryNote[]): Environment[] {
  const seen = new Map<string, number>();
  for (const r of results) for (const env of r.environments) seen.set(env.name, (seen.get(env.name) ?? 0) + 1);
  const out: Environment[] = [];
  results.forEach((r, i) => {
    for (const env of r.environments) {
      if ((seen.get(env.name) ?? 0) > 1 && i > 0) {
        const renamed = `${env.name}@${tier[i].name}`;
        notes.push({ status: 'info', kind: 'Environment', name: renamed, reason: `environment "${env.name}" is defined by more than one tool; the ${tier[i].name} one is called "${renamed}"`, environments: [renamed], ...(env.definedIn ? { file: env.definedIn.file, ...(env.definedIn.line ? { line: env.definedIn.line } : {}) } : {}) });
        out.push({ ...env, name: renamed });
      } else out.push(env);
    }
  });
  return out;
}
