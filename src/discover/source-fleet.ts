import { statSync } from 'node:fs';
import { posix } from 'node:path';
import type { ClusterInventory } from '../model/cluster-inventory.ts';
import { groupsOf } from '../model/cluster-inventory.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { discoveredEnvironmentBase, type Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import type { FleetBundleRender, FleetHelmRender } from '../model/fleet.ts';
import { selectorMatches } from '../model/label-selector.ts';
import { resolveInRepo } from '../util/paths.ts';
import { bundleSitesForPaths, fleetYamlIn, type FleetBundleSite } from './fleet-bundles.ts';
import { comparePatchRules } from './fleet-compare-patches.ts';
import { isFleetGitRepo, readFleetGitRepo, type FleetGitRepo } from './fleet-gitrepo.ts';
import { fleetBundleName, limitName, maxReleaseNameLength } from './fleet-names.ts';
import { baseOptions, fleetChartInBundle, fleetValuesPath, leavesRepo, mergeOptions, valuesWithFiles, type MergedOptions } from './fleet-options.ts';
import { criteriaText, decideTarget, defaultTarget, type ClusterFacts } from './fleet-targets.ts';
import { unregisteredFleetClusters } from './fleet-unregistered.ts';
import { valuesForCluster } from './fleet-values.ts';
import { fieldName, readFleetYaml, type FleetHelmOptions, type FleetOptions, type FleetTarget, type FleetYaml } from './fleet-yaml.ts';
import { environmentNote, existingRepoPath, objectNote, readsFrom } from './notes.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

/**
 * Rancher Fleet bundles as environments: each bundle × each registered cluster its targets select is an
 * environment `<bundle>@<cluster>` (docs/gitops-sources.md, "Rancher Fleet"). Which folders are bundles comes from the
 * repository's own `GitRepo` objects that point at it (their `paths`); without one, every folder with a
 * fleet.yaml is a bundle and the GitRepo that registers the repository is assumed to have no targets
 * (Fleet's default: cluster group `default`). Which clusters: the cluster registry's, by name, labels and
 * groups. What is not modelled stays a discovery note.
 */
export const fleetSource: DiscoverySource = {
  name: 'fleet',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    const scan = await ctx.repoYaml();
    const notes: DiscoveryNote[] = [];
    const repos: FleetGitRepo[] = [];
    // Once a GitRepo of the repository points at it (at whatever branch), those GitRepos say what deploys.
    let ownGitRepos = false;
    for (const doc of scan.docs.filter(isFleetGitRepo)) {
      const repo = readFleetGitRepo(doc);
      const skip = skipReason(repo, ctx);
      if (!skip?.foreign) ownGitRepos = true;
      if (skip) {
        const paths = repo.paths.length > 0 ? repo.paths : ['.'];
        const reads = skip.foreign ? [] : readsFrom(ctx.root, paths.map((p) => p.replace(/^\/+/, '') || '.'));
        notes.push(objectNote(doc, 'not-an-environment', skip.reason, reads.length > 0 ? { reads } : {}));
        continue;
      }
      for (const u of repo.unmodelled) notes.push(objectNote(doc, 'info', `${u.field} is not modelled: ${u.why}`));
      if (repo.drivenScan) notes.push(objectNote(doc, 'not-an-environment', 'spec.bundles (bundles named by the GitRepo, each with its own options file) is not modelled; its paths are scanned as usual'));
      repos.push(repo);
    }
    const bundles = findBundles(ctx, scan.files, repos, ownGitRepos, notes);
    if (bundles.length === 0) return { environments: [], notes };

    const clusters = ctx.clusters?.clusters ?? [];
    if (clusters.length === 0) {
      for (const b of bundles) {
        notes.push(bundleNote(b, 'not-an-environment', 'no target cluster: register clusters with labels to preview per cluster (bosun plan --clusters FILE, the App\'s BOSUN_CLUSTERS; docs/gitops-sources.md "Rancher Fleet")', { reads: bundleReads(b, allValuesFiles(b.fleetYaml)) }));
      }
      return { environments: [], notes };
    }
    const inventory = withDefaultGroup({ clusters, groups: ctx.clusters?.groups ?? [] });
    if (inventory.assumedDefault && bundles.some((b) => usesDefaultTarget(b))) {
      notes.push({ status: 'info', kind: 'Bundle', reason: `bundles without targets go to Fleet's cluster group "default"; the cluster registry defines no such group, so bosun takes every registered cluster (${clusters.map((c) => c.name).join(', ')}), as the default group of Fleet's fleet-local workspace holds its one cluster. Define clusterGroups.default in the registry to narrow it` });
    }

    const environments: Environment[] = [];
    for (const b of bundles) {
      const built = bundleEnvironments(ctx, b, inventory, notes);
      environments.push(...built);
    }
    resolveDependencies(bundles, environments, notes);
    return { environments, notes };
  },
};

interface Bundle {
  site: FleetBundleSite;
  /** Fleet's name for the bundle (fleet.yaml `name`, else the GitRepo's name and path, else the folder). */
  name: string;
  fleetYaml?: FleetYaml;
  gitRepo?: FleetGitRepo;
  labels: Record<string, string>;
}

/** A GitRepo whose bundles are not this branch's content: another repository, branch or a fixed revision. */
function skipReason(repo: FleetGitRepo, ctx: DiscoveryContext): { reason: string; foreign?: boolean } | undefined {
  if (repo.repo && ctx.repoUrls && !isSameRepo(repo.repo, ctx.repoUrls)) return { reason: `another repository (${repo.repo}): what it deploys is not in this one`, foreign: true };
  if (repo.revision) return { reason: `pinned to revision ${repo.revision}: a change to this branch does not change what it deploys` };
  if (repo.branch && ctx.branch && repo.branch !== ctx.branch) return { reason: `follows branch ${repo.branch}, not ${ctx.branch}: a change to ${ctx.branch} does not change what it deploys` };
  return undefined;
}

function findBundles(ctx: DiscoveryContext, files: readonly string[], repos: readonly FleetGitRepo[], ownGitRepos: boolean, notes: DiscoveryNote[]): Bundle[] {
  const bundles: Bundle[] = [];
  const covered = new Set<string>();
  if (ownGitRepos) {
    for (const repo of repos) {
      const { sites, unmatched } = bundleSitesForPaths(ctx.root, repo.paths);
      for (const path of unmatched) notes.push(objectNote(repo.doc, 'info', `spec.paths entry "${path}" matches no folder of this commit`));
      for (const site of sites) {
        covered.add(site.dir);
        const fleetYaml = site.fleetYaml ? readOrNote(ctx.root, site, notes) : undefined;
        if (fleetYaml === null) continue;
        bundles.push({ site, gitRepo: repo, ...(fleetYaml ? { fleetYaml } : {}), name: fleetYaml?.name ?? fleetBundleName(repo.name, site.dir), labels: { ...repo.labels, ...fleetYaml?.labels } });
      }
    }
    for (const dir of fleetYamlDirs(ctx.root, files)) {
      if (covered.has(dir)) continue;
      const file = fleetYamlIn(ctx.root, dir)!;
      const by = repos.length > 0 ? `not under the paths of ${repos.map((r) => `GitRepo ${r.name}`).join(', ')}` : 'the GitRepos of this repository follow other branches or revisions';
      notes.push({ status: 'not-an-environment', kind: 'Bundle', name: dir, file, reason: `${by}, so no GitRepo of this repository deploys it from here`, reads: [dir] });
    }
    return dedupeByName(bundles, notes);
  }
  const dirs = fleetYamlDirs(ctx.root, files);
  if (dirs.length > 0) {
    notes.push({ status: 'info', kind: 'Bundle', reason: 'no Fleet GitRepo in this repository points at it: bosun takes every folder with a fleet.yaml as a bundle named by its folder (or fleet.yaml name), with the targets of a GitRepo that sets none (cluster group "default")' });
  }
  for (const dir of dirs) {
    const file = fleetYamlIn(ctx.root, dir)!;
    const fleetYaml = readOrNote(ctx.root, { dir, fleetYaml: file }, notes);
    if (!fleetYaml) continue;
    bundles.push({ site: { dir, fleetYaml: file }, fleetYaml, name: fleetYaml.name ?? (dir === '.' ? 'root' : dir), labels: { ...fleetYaml.labels } });
  }
  return dedupeByName(bundles, notes);
}

/**
 * A bundle's fleet.yaml, or null when it is a symlink out of the repository: the bundle is then not an
 * environment (bosun reads no file outside the repository), said in a note whose reads make its files
 * ones bosun cannot judge. Any other problem (not YAML, a wrong type) fails discovery, as Fleet fails it.
 */
function readOrNote(root: string, site: FleetBundleSite, notes: DiscoveryNote[]): FleetYaml | null {
  try {
    return readFleetYaml(root, site.fleetYaml!);
  } catch (error) {
    if (!(error instanceof BosunError) || error.kind !== 'path') throw error;
    notes.push({ status: 'not-an-environment', kind: 'Bundle', name: site.dir, file: site.fleetYaml!, reason: `${site.fleetYaml!} is a symlink that points outside the repository: bosun reads no file outside the repository, so this bundle is not previewed`, reads: [site.dir] });
    return null;
  }
}

/** Folders holding a fleet.yaml or fleet.yml, from the repository's YAML files. */
function fleetYamlDirs(root: string, files: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const file of files) if (/(^|\/)fleet\.ya?ml$/.test(file)) dirs.add(posix.dirname(file));
  return [...dirs].filter((d) => fleetYamlIn(root, d) !== undefined).sort();
}

/** Two bundles of one name overwrite each other in Fleet; bosun keeps the first and says so. */
function dedupeByName(bundles: Bundle[], notes: DiscoveryNote[]): Bundle[] {
  const seen = new Map<string, Bundle>();
  for (const b of bundles) {
    const first = seen.get(b.name);
    if (!first) seen.set(b.name, b);
    else if (first.site.dir !== b.site.dir || first.gitRepo !== b.gitRepo) {
      notes.push(bundleNote(b, 'not-an-environment', `bundle name "${b.name}" is also the name of the bundle of ${first.site.dir}; Fleet keeps one of them, bosun the first`, { reads: bundleReads(b, allValuesFiles(b.fleetYaml)) }));
    }
  }
  return [...seen.values()];
}

function usesDefaultTarget(b: Bundle): boolean {
  return !b.fleetYaml?.overrideTargets && (b.gitRepo?.targets.length ?? 0) === 0;
}

/** The inventory with Fleet's `default` group as every cluster, when the registry defines none. */
function withDefaultGroup(inventory: ClusterInventory): ClusterInventory & { assumedDefault: boolean } {
  if (inventory.groups.some((g) => g.name === 'default')) return { ...inventory, assumedDefault: false };
  return { ...inventory, groups: [...inventory.groups, { name: 'default', selector: {}, labels: {} }], assumedDefault: true };
}

function bundleNote(b: Bundle, status: DiscoveryNote['status'], reason: string, extra: Partial<DiscoveryNote> = {}): DiscoveryNote {
  const file = b.site.fleetYaml ?? b.gitRepo?.doc.file;
  return { status, kind: 'Bundle', name: b.name, ...(file ? { file } : {}), ...(!b.site.fleetYaml && b.gitRepo ? { line: b.gitRepo.doc.line } : {}), reason, ...extra };
}

function bundleEnvironments(ctx: DiscoveryContext, b: Bundle, inventory: ClusterInventory, notes: DiscoveryNote[]): Environment[] {
  const fy = b.fleetYaml;
  const definedIn = b.site.fleetYaml ? { file: b.site.fleetYaml } : { file: b.gitRepo!.doc.file, line: b.gitRepo!.doc.line };
  for (const u of fy?.unmodelled ?? []) notes.push({ status: 'info', kind: 'Bundle', name: b.name, file: fy!.file, ...(u.line ? { line: u.line } : {}), reason: `${u.field}: ${u.why}` });

  const targets: FleetTarget[] = fy?.overrideTargets ?? (b.gitRepo && b.gitRepo.targets.length > 0 ? b.gitRepo.targets : [{ ...defaultTarget, options: { at: { path: [], line: () => undefined } } }]);
  const customizations = fy?.targetCustomizations ?? [];
  const valuesFiles = allValuesFiles(fy);
  // Fleet's bundle reader merges the top-level helm.valuesFiles into helm.values only when helm.chart is
  // set; a target customization's are read whatever its chart (rancher/fleet internal/bundlereader/
  // resources.go `readResources`: `if spec.Helm != nil && spec.Helm.Chart != ""` around parseValuesFiles
  // for the bundle, none for `spec.Targets`; rancher/fleet#2060). The files stay out of the bundle's
  // resources either way (`ignoreApplyConfigs`), so they remain excluded from the render and inputs.
  const topFilesIgnored = fy?.options.helm !== undefined && fy.options.helm.valuesFiles.length > 0 && !fy.options.helm.chart;
  const valuesOf = (h: FleetHelmOptions, at: FleetOptions) => (topFilesIgnored && at === fy!.options ? h.values ?? {} : valuesWithFiles(ctx.root, b.site.dir, h, at, fy!.file));
  let base: MergedOptions | undefined;
  let baseProblem: FleetBundleRender['problem'];
  try {
    base = fy ? baseOptions(fy.options, valuesOf) : baseOptions({ at: { path: [], line: () => undefined } }, () => ({}));
  } catch (error) {
    if (!(error instanceof BosunError)) throw error;
    baseProblem = problemOf(error);
  }

  const envs: Environment[] = [];
  const skipped: string[] = [];
  const outsideCharts = new Map<string, { at: NonNullable<FleetBundleRender['problem']>; environments: string[] }>();
  for (const cluster of inventory.clusters) {
    const facts: ClusterFacts = { name: cluster.name, labels: cluster.labels, groups: groupsOf(inventory, cluster) };
    const decision = decideTarget(targets, customizations, facts, fy?.customizationMode === 'AllMatches');
    if (!decision.deploy) {
      skipped.push(`${cluster.name} (${decision.reason})`);
      continue;
    }
    const name = `${b.name}@${cluster.name}`;
    let options = base;
    let problem = baseProblem;
    if (options && !problem) {
      try {
        for (const c of decision.customizations) options = mergeOptions(options!, c.options, valuesOf);
      } catch (error) {
        if (!(error instanceof BosunError)) throw error;
        problem = problemOf(error);
      }
    }
    const merged = options ?? baseOptions({ at: { path: [], line: () => undefined } }, () => ({}));
    const gitRepo = b.gitRepo;
    const namespace = gitRepo?.targetNamespace ?? merged.namespace;
    const render: FleetBundleRender = {
      bundle: b.name,
      // The Fleet agent installs the release as helm.releaseName, else the bundle's name cut to 53 characters.
      releaseName: merged.helm?.releaseName ?? limitName(b.name, maxReleaseNameLength),
      definedBy: gitRepo && b.site.fleetYaml ? [gitRepo.doc.file] : [],
      overlays: merged.overlays,
      defaultNamespace: namespace ?? merged.defaultNamespace ?? 'default',
      ...(namespace ? { namespace } : {}),
      valuesFiles,
      ...(merged.kustomizeDir ? { kustomizeDir: merged.kustomizeDir } : {}),
      // The bundle's own only: options Merge never takes it from a target customization (fleet-yaml.ts).
      ...(fy?.options.deleteCRDResources ? { deleteCRDResources: true as const } : {}),
    };
    const chart = chartOf(ctx, b, merged);
    // A chart or kustomize folder outside the repository is refused at its field (Fleet would look for it
    // in its checkout; bosun reads nothing outside the repository, and the render sandbox could not either).
    const blocks = fy ? [fy.options, ...decision.customizations.map((c) => c.options)] : [];
    if (chart.escapes) problem ??= escapeProblem(fy, blocks, ['helm', 'chart'], (o) => o.helm?.chart === merged.helm?.chart, `helm.chart "${merged.helm?.chart ?? ''}" ${chart.escapes}`);
    const outsideChart = !chart.escapes && chart.local !== undefined && !fleetChartInBundle(chart.local) ? chart.local : undefined;
    const kustomizeEscape = merged.kustomizeDir ? escapesRepo(ctx.root, b.site.dir, merged.kustomizeDir) : undefined;
    if (kustomizeEscape) problem ??= escapeProblem(fy, blocks, ['kustomize', 'dir'], (o) => o.kustomizeDir === merged.kustomizeDir, `kustomize.dir "${merged.kustomizeDir ?? ''}" ${kustomizeEscape}`);
    // The same for kustomize.dir: Fleet looks for `<dir>/kustomization.yaml` among the bundle's files.
    const outsideKustomize = !kustomizeEscape && merged.kustomizeDir && !fleetChartInBundle(merged.kustomizeDir) ? merged.kustomizeDir : undefined;
    // A Helm repository or OCI chart is fetched at render time (render/fleet-remote-chart.ts); another URL is not.
    if (chart.remote && !chart.request) {
      notes.push(bundleNote(b, 'not-previewed', `a chart from ${chart.remote}: remote charts are not previewed; what the bundle deploys on ${cluster.name} is not in the plan`, { environments: [name], reads: bundleReads(b, allValuesFiles(b.fleetYaml)) }));
      continue;
    }
    if (merged.helm || chart.local !== undefined) {
      const helm = merged.helm;
      const templated = valuesForCluster(helm?.values ?? {}, cluster, { ...(helm?.disablePreProcess ? { disablePreProcess: true } : {}), ...(helm?.templateValues ? { templateValues: helm.templateValues } : {}) });
      if (!templated.ok && templated.kind === 'unsupported') {
        notes.push(bundleNote(b, 'not-previewed', `${templated.message}; not previewed on ${cluster.name}`, { environments: [name], reads: bundleReads(b, allValuesFiles(b.fleetYaml)) }));
        continue;
      }
      if (!templated.ok) problem ??= { message: templated.message, file: fy?.file };
      render.helm = {
        ...(chart.local !== undefined ? { chart: chart.local } : {}),
        ...(chart.request ? { remote: chart.request } : {}),
        values: templated.ok ? templated.values : helm?.values ?? {},
      };
      // helm.valuesFrom: the Fleet agent reads these from the downstream cluster when it installs the release
      // (rancher/fleet internal/helmdeployer `getValues`: namespace default the release's, key default
      // values.yaml, a ConfigMap's then a Secret's values merged over helm.values). bosun cannot know them
      // in a pull request, so the environment is previewed without them and said to be not fully
      // previewed: a change to what it reads is one bosun cannot judge (plan exit code 3, a neutral check).
      for (const ref of helm?.valuesFrom ?? []) {
        const what = `${ref.kind} ${ref.namespace || render.defaultNamespace}/${ref.name ?? ''} key ${ref.key || 'values.yaml'}`;
        notes.push(environmentNote(name, `values from ${what} are read by Fleet in the cluster; bosun previews without them (helm.valuesFrom)`, { file: fy?.file }, { status: 'not-previewed', reads: bundleReads(b, valuesFiles) }));
      }
      if (helm?.takeOwnership) {
        notes.push(environmentNote(name, 'helm.takeOwnership: Fleet adopts objects that already exist in the cluster without this release\'s Helm ownership annotations (without it, its Helm install fails on them); bosun\'s server-side apply takes such objects over either way, so the preview does not depend on it', { file: fy?.file }));
      }
      if (!gitRepo && !helm?.releaseName) {
        notes.push(environmentNote(name, `Helm release name "${render.releaseName}" comes from the folder: Fleet names the release after the GitRepo and the path; set helm.releaseName for names that match the cluster`, { file: fy?.file }));
      }
    }
    if (problem) render.problem = problem;
    const paused = (fy?.paused ?? false) || (gitRepo?.paused ?? false);
    const keepResources = merged.keepResources || (gitRepo?.keepResources ?? false);
    if (paused) notes.push(environmentNote(name, 'paused: Fleet does not deploy changes to this bundle until it is unpaused; bosun previews them and does not apply on merge', definedIn));
    // The Fleet agent sets these on the release namespace after each deploy (rancher/fleet agent deployer
    // `setNamespaceLabelsAndAnnotations`): not an object of the bundle, so neither previewed nor applied here.
    const nsMeta = [Object.keys(merged.namespaceLabels).length > 0 ? 'namespaceLabels' : '', Object.keys(merged.namespaceAnnotations).length > 0 ? 'namespaceAnnotations' : ''].filter(Boolean);
    if (nsMeta.length > 0) notes.push(environmentNote(name, `${nsMeta.join(' and ')}: the Fleet agent sets them on namespace ${render.defaultNamespace} after it deploys; not modelled — bosun neither previews nor applies them`, { file: fy?.file }));
    // keepResources is read only when the bundle goes (rancher/fleet#680; helmdeployer delete.go): an object
    // that leaves a bundle still goes with the agent's Helm upgrade (install.go action.NewUpgrade), so prune stays on.
    if (keepResources) notes.push(environmentNote(name, 'keepResources: when this bundle is removed, its objects stay in the cluster (the Fleet agent deletes only the Helm release); an object that leaves the bundle is still deleted, by the Helm upgrade', definedIn));
    // What the Fleet agent leaves out of its comparison, left out of the apply preview and drift.
    const compare = comparePatchRules(merged.comparePatches);
    for (const note of compare.notes) notes.push(environmentNote(name, note, { file: fy?.file }));
    envs.push({
      ...discoveredEnvironmentBase(ctx.defaults),
      name,
      source: 'fleet',
      path: b.site.dir,
      definedIn,
      render: 'fleet',
      cluster: cluster.name,
      namespace: render.defaultNamespace,
      prune: true,
      autoApply: !paused,
      selfHeal: merged.correctDrift ?? gitRepo?.correctDrift ?? ctx.defaults?.selfHeal ?? false,
      fleet: render,
      ...(compare.rules.length > 0 ? { apply: { ignoreDifferences: compare.rules } } : {}),
      // The bundle removed, the agent deletes only the Helm release history (rancher/fleet internal/helmdeployer
      // delete.go deleteByRelease: `if keepResources { return deleteHistory(...) }`): the plan shows no deletions.
      ...(keepResources ? { keepObjectsOnRemoval: 'keepResources: the Fleet agent deletes only the Helm release history, not the objects' } : {}),
    });
    if (outsideKustomize !== undefined) {
      const at = escapeProblem(fy, blocks, ['kustomize', 'dir'], (o) => o.kustomizeDir === merged.kustomizeDir, '')!;
      notes.push(environmentNote(name, `${at.field ?? 'kustomize.dir'} "${outsideKustomize}" is outside the bundle folder ${b.site.dir}: Fleet builds a bundle from the files of its folder only, so its agent finds no kustomization there and deploys this folder's own files as raw YAML; bosun previews that`, { ...(at.file ? { file: at.file } : {}), ...(at.line ? { line: at.line } : {}) }));
    }
    if (outsideChart !== undefined) {
      const seen = outsideCharts.get(outsideChart) ?? { at: escapeProblem(fy, blocks, ['helm', 'chart'], (o) => o.helm?.chart === merged.helm?.chart, '')!, environments: [] };
      seen.environments.push(name);
      outsideCharts.set(outsideChart, seen);
    }
  }
  if (fy && topFilesIgnored && envs.length > 0) {
    const line = fy.options.at.line(['helm', 'valuesFiles']);
    notes.push({ status: 'info', kind: 'Bundle', name: b.name, file: fy.file, ...(line ? { line } : {}), reason: `helm.valuesFiles (${fy.options.helm!.valuesFiles.join(', ')}) ignored by Fleet: helm.chart is not set (rancher/fleet#2060: Fleet reads a bundle's own valuesFiles only when helm.chart names its chart; a target customization's are read either way). bosun previews without them; set helm.chart (./ for the chart in this folder) for Fleet to read them`, environments: envs.map((e) => e.name) });
  }
  for (const [local, { at, environments }] of outsideCharts) notes.push(...outsideChartNotes(ctx.root, b, local, at, environments));
  if (envs.length === 0 && !notes.some((n) => n.kind === 'Bundle' && n.name === b.name && n.status === 'not-previewed')) {
    notes.push(bundleNote(b, 'not-an-environment', `its targets select none of the registered clusters: ${skipped.join('; ')} (targets: ${targets.map(criteriaText).join('; ')})`, { reads: bundleReads(b, allValuesFiles(b.fleetYaml)) }));
  } else if (skipped.length > 0) {
    notes.push(bundleNote(b, 'info', `not deployed to ${skipped.join('; ')}`, { environments: envs.map((e) => e.name) }));
  }
  // A target or customization naming a Fleet cluster the registry lacks: the bundle goes there unpreviewed.
  const targetsAt = (list: readonly FleetTarget[], overrides: boolean) => list.map((target) => ({ target, file: overrides || !b.gitRepo ? fy?.file ?? definedIn.file : b.gitRepo.doc.file }));
  for (const u of unregisteredFleetClusters(targetsAt(targets, fy?.overrideTargets !== undefined), targetsAt(customizations, true), inventory)) {
    notes.push(bundleNote(b, 'not-previewed', u.reason, { file: u.file, ...(u.target.line ? { line: u.target.line } : {}), reads: bundleReads(b, valuesFiles) }));
  }
  return envs;
}

/**
 * Every `helm.valuesFiles` entry of fleet.yaml, bundle-relative (a leading `/` dropped: Fleet joins the
 * entry to the bundle folder with a `/`, fleet-options.ts fleetValuesPath): Fleet leaves them out of the
 * bundle's resources, and each is an input of the bundle's environments wherever it is in the repository.
 */
function allValuesFiles(fy: FleetYaml | undefined): string[] {
  const files = new Set<string>(fy?.options.helm?.valuesFiles ?? []);
  for (const t of fy?.targetCustomizations ?? []) for (const f of t.options.helm?.valuesFiles ?? []) files.add(f);
  return [...new Set([...files].map((f) => posix.normalize(f.replace(/^\/+/, '') || '.')))];
}

/**
 * Where the bundle's chart is. Fleet fetches `helm.chart` unless it is a path in the bundle's checkout,
 * and always when `helm.repo` is set (internal/bundlereader/resources.go `addRemoteCharts`).
 */
function chartOf(ctx: DiscoveryContext, b: Bundle, options: MergedOptions): { local?: string; remote?: string; request?: NonNullable<FleetHelmRender['remote']>; escapes?: string } {
  const helm = options.helm;
  if (helm?.repo) {
    const remote = `Helm repository ${helm.repo} (chart ${helm.chart ?? '?'}${helm.version ? ` ${helm.version}` : ''})`;
    return helm.chart ? { remote, request: { kind: 'repo', repoUrl: helm.repo, chart: helm.chart, ...(helm.version ? { version: helm.version } : {}) } } : { remote };
  }
  if (helm?.chart?.startsWith('oci://')) return { remote: helm.chart, request: { kind: 'oci', ref: helm.chart, ...(helm.version ? { version: helm.version } : {}) } };
  if (helm?.chart) {
    if (/^[a-z][a-z0-9+.-]*:\/\/|^[a-z0-9]+::|^(github\.com|gitlab\.com|bitbucket\.org)\//i.test(helm.chart)) return { remote: helm.chart };
    // Fleet looks for the chart at filepath.Join(<bundle>, chart): an absolute chart is inside the bundle too.
    const escapes = escapesRepo(ctx.root, b.site.dir, helm.chart);
    if (escapes) return { local: posix.normalize(helm.chart), escapes };
    if (statSync(resolveInRepo(ctx.root, fleetValuesPath(b.site.dir, helm.chart)), { throwIfNoEntry: false })) return { local: posix.normalize(helm.chart) };
    // Not a path here: Fleet hands it to go-getter as a URL.
    return { remote: helm.chart };
  }
  return {};
}

/**
 * What bosun says about a `helm.chart` Fleet does not deploy from outside the bundle folder: a note on the
 * bundle's environments at the field, and one for the chart folder (when it is in the repository) whose
 * `reads` explain its files, which no environment reads then — a pull request that changes only the chart
 * lists them as files bosun cannot judge instead of a silent "no changes".
 */
function outsideChartNotes(root: string, b: Bundle, chart: string, at: NonNullable<FleetBundleRender['problem']>, environments: string[]): DiscoveryNote[] {
  const where = { ...(at.file ? { file: at.file } : {}), ...(at.line ? { line: at.line } : {}) };
  const dir = fleetValuesPath(b.site.dir, chart);
  const why = `Fleet builds a bundle from the files of its folder only and never adds a local chart from elsewhere (rancher/fleet#270, #4693)`;
  const out: DiscoveryNote[] = [{
    status: 'info', kind: 'Bundle', name: b.name, ...where, environments,
    reason: `${at.field ?? 'helm.chart'} "${chart}" is outside the bundle folder ${b.site.dir}: ${why}, so the clusters get this folder's own files (its kustomization, else raw YAML; no bundle at all when it has none), not the chart ${dir}. bosun previews what Fleet deploys; put fleet.yaml in the chart's folder (targetCustomizations for per-cluster values) to deploy the chart`,
  }];
  if (existingRepoPath(root, dir) === dir) {
    out.push({ status: 'not-an-environment', kind: 'Chart', name: dir, ...where, reads: [dir], reason: `named by ${at.field ?? 'helm.chart'} of Fleet bundle ${b.name}, which does not deploy it: ${why}` });
  }
  return out;
}

/** Why a bundle-relative folder or file leaves the repository (by `..` or a symlink), or undefined. */
function escapesRepo(root: string, bundleDir: string, entry: string): string | undefined {
  const rel = fleetValuesPath(bundleDir, entry);
  if (leavesRepo(rel)) return 'leaves the repository; bosun reads no file outside the repository';
  try {
    resolveInRepo(root, rel);
  } catch {
    return 'is a symlink that points outside the repository; bosun reads no file outside the repository';
  }
  return undefined;
}

/** The problem for a field that leaves the repository, at the options block (fleet.yaml or a customization) that set it. */
function escapeProblem(fy: FleetYaml | undefined, blocks: readonly FleetOptions[], field: readonly string[], sets: (o: FleetOptions) => boolean, message: string): FleetBundleRender['problem'] {
  const block = [...blocks].reverse().find((o) => sets(o)) ?? fy?.options;
  const path = [...(block?.at.path ?? []), ...field];
  const line = block?.at.line(path);
  return { message, ...(fy ? { file: fy.file } : {}), ...(line ? { line } : {}), field: fieldName(path) };
}

/** What a bundle's environments read: its folder and its values files wherever they are in the repository. */
function bundleReads(b: Bundle, valuesFiles: readonly string[]): string[] {
  const out = new Set([b.site.dir]);
  for (const file of valuesFiles) {
    const rel = fleetValuesPath(b.site.dir, file);
    if (!leavesRepo(rel) && b.site.dir !== '.' && rel !== b.site.dir && !rel.startsWith(`${b.site.dir}/`)) out.add(rel);
  }
  return [...out];
}

function problemOf(error: BosunError): FleetBundleRender['problem'] {
  const p = error.toProblem();
  return { message: p.message, ...(p.file ? { file: p.file } : {}), ...(p.line ? { line: p.line } : {}), ...(p.field ? { field: p.field } : {}) };
}

/**
 * fleet.yaml `dependsOn`: a bundle waits until the bundles it names (or whose labels a selector matches)
 * are ready — on the same cluster, as each BundleDeployment checks its own cluster's. bosun's `dependsOn`
 * between `<bundle>@<cluster>` environments does the same on merge.
 */
function resolveDependencies(bundles: readonly Bundle[], environments: Environment[], notes: DiscoveryNote[]): void {
  const byEnv = new Map(environments.map((e) => [e.name, e]));
  for (const b of bundles) {
    for (const dep of b.fleetYaml?.dependsOn ?? []) {
      const matches = bundles.filter((o) => o !== b && (dep.name ? sameBundle(o, dep.name) : dep.selector ? selectorMatches(dep.selector, o.labels) : false));
      const what = dep.name ? `"${dep.name}"` : 'the selector';
      if (matches.length === 0) {
        notes.push(bundleNote(b, 'info', `dependsOn ${what}: no bundle of this repository is called so; Fleet waits for it, bosun applies without waiting`, { ...(dep.line ? { line: dep.line } : {}) }));
        continue;
      }
      for (const env of environments.filter((e) => e.fleet?.bundle === b.name)) {
        for (const other of matches) {
          const target = byEnv.get(`${other.name}@${env.cluster}`);
          if (target && !env.dependsOn.includes(target.name)) env.dependsOn.push(target.name);
        }
      }
    }
  }
}

/**
 * A dependsOn name against a bundle: Fleet's name exactly; for a bundle bosun names by its folder (no
 * GitRepo in the repository), Fleet's name ends with the folder made a release name.
 */
function sameBundle(b: Bundle, name: string): boolean {
  if (b.name === name) return true;
  if (b.gitRepo || b.fleetYaml?.name) return false;
  const tail = fleetBundleName('x', b.site.dir).slice(2);
  return tail !== '' && name.endsWith(`-${tail}`);
}
