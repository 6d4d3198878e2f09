import type { Environment } from '../model/environment.ts';
import { scanRepoYaml, type RepoYaml } from './repo-yaml.ts';
import { configSource } from './source-config.ts';
import { argocdSource } from './source-argocd.ts';
import { directoriesSource } from './source-directories.ts';
import { fluxSource } from './source-flux.ts';
import type { DiscoverOptions, DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

/**
 * Sources in tiers, most explicit first. The first tier that finds any environment wins; sources in one
 * tier are combined (a repository may hold both Flux Kustomizations and Argo CD Applications).
 */
export const discoveryTiers: ReadonlyArray<readonly DiscoverySource[]> = [[configSource], [fluxSource, argocdSource], [directoriesSource]];

/** Only files mentioning these API groups can define Flux or Argo CD objects; the rest are not parsed. */
const gitOpsApiPattern = /apiVersion:\s*["']?(?:kustomize\.toolkit\.fluxcd\.io|source\.toolkit\.fluxcd\.io|argoproj\.io)\//;

/** Which environments the checkout at `root` defines, and notes on what was skipped and why. */
export async function discoverEnvironments(root: string, opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  let scan: Promise<RepoYaml> | undefined;
  const ctx: DiscoveryContext = {
    root,
    ...(opts.repoUrls && opts.repoUrls.length > 0 ? { repoUrls: opts.repoUrls } : {}),
    repoYaml: () => (scan ??= scanRepoYaml(root, gitOpsApiPattern)),
  };
  const notes: string[] = [];
  for (const tier of discoveryTiers) {
    const results: DiscoveryResult[] = [];
    for (const source of tier) results.push(await source.discover(ctx));
    for (const r of results) notes.push(...r.notes);
    const environments = combine(results, tier, notes);
    if (environments.length > 0) {
      if (scan) notes.unshift(...(await scan).notes);
      return { environments: environments.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), notes };
    }
  }
  if (scan) notes.unshift(...(await scan).notes);
  notes.push('no environments found: add .bosun.yaml, Flux Kustomizations, Argo CD Applications or clusters/<name>/ folders');
  return { environments: [], notes };
}

/** Environments of one tier; a name found by two sources gets the source as a suffix so neither is lost. */
function combine(results: DiscoveryResult[], tier: readonly DiscoverySource[], notes: string[]): Environment[] {
  const seen = new Map<string, number>();
  for (const r of results) for (const env of r.environments) seen.set(env.name, (seen.get(env.name) ?? 0) + 1);
  const out: Environment[] = [];
  results.forEach((r, i) => {
    for (const env of r.environments) {
      if ((seen.get(env.name) ?? 0) > 1 && i > 0) {
        const renamed = `${env.name}@${tier[i].name}`;
        notes.push(`environment "${env.name}" is defined by more than one tool; the ${tier[i].name} one is called "${renamed}"`);
        out.push({ ...env, name: renamed });
      } else out.push(env);
    }
  });
  return out;
}
