import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { changedFiles, checkout, resolveRef } from '../git/index.ts';
import { RemovalContext } from '../discover/argocd-removal.ts';
import { appSetsDeletingNothing } from '../discover/argocd-appset.ts';
import { keptApplications } from '../discover/argocd-kept.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { lastGeneration } from './last-generation.ts';
import { collectInputs, decideAffected, discoverEnvironments, type AffectedDecision, type EnvInputs } from '../discover/index.ts';
import type { DiscoveryClusters } from '../discover/types.ts';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { chartDiscovery, type PlanChartOptions } from './chart-fetcher.ts';
import { chartYamlVersion, unbumpedChartNotes } from './chart-reconcile-strategy.ts';
import { substituteFromFiles } from './substitute-from.ts';

export interface AffectedEnvironment {
  name: string;
  /** The definition at head; absent when the change removed the environment. */
  env?: Environment;
  decision: AffectedDecision;
  /**
   * An Application an ApplicationSet failing at head keeps: `env` is its last generated definition, from the
   * configuration at this commit (the base, or before it when the ApplicationSet fails there too), rendered from head.
   */
  keptDefinedAt?: string;
}

/**
 * Which environments the change between two commits touches, without rendering anything: what a merge
 * applies. Without `base` (a new branch, or a base that is gone) every environment at head is affected.
 * A broken configuration at head throws (nothing may be applied from it); a broken base only makes
 * every environment affected, as a plan would render them all.
 */
export async function affectedEnvironments(opts: { repoDir: string; base?: string; head: string; repoUrls?: string[]; clusters?: DiscoveryClusters; charts?: PlanChartOptions }): Promise<AffectedEnvironment[]> {
  const headCo = await checkout(opts.repoDir, opts.head);
  const baseCo = opts.base ? await checkout(opts.repoDir, opts.base) : undefined;
  try {
    // Both commits are the default branch's (a merge, a rollback): an app of apps through a fetched chart is expanded.
    const headFound = await discoverEnvironments(headCo.dir, { repoUrls: opts.repoUrls, ...(opts.clusters ? { clusters: opts.clusters } : {}), ...chartDiscovery(opts.charts, headCo.dir) });
    const head = headFound.environments;
    let base: Environment[] | undefined;
    let baseNotes: DiscoveryNote[] = [];
    if (baseCo) {
      try {
        ({ environments: base, notes: baseNotes } = await discoverEnvironments(baseCo.dir, { repoUrls: opts.repoUrls, ...(opts.clusters ? { clusters: opts.clusters } : {}), ...chartDiscovery(opts.charts, baseCo.dir) }));
      } catch (err) {
        if (!(err instanceof BosunError)) throw err;
      }
    }
    if (!base || !baseCo) return head.map((env) => ({ name: env.name, env, decision: { affected: true, reason: 'no earlier commit to compare with' } }));

    const changed = await changedFiles(opts.repoDir, opts.base!, opts.head);
    const baseSha = await resolveRef(opts.repoDir, opts.base!);
    const cache = new Map<string, unknown>();
    const inputs = async (dir: string, env: Environment | undefined): Promise<EnvInputs | undefined> => {
      if (!env) return undefined;
      try {
        return await collectInputs(dir, env, cache);
      } catch (err) {
        if (err instanceof BosunError) return undefined;
        throw err;
      }
    };
    const byName = (envs: Environment[]) => new Map(envs.map((e) => [e.name, e]));
    const heads = byName(head);
    const bases = byName(base);
    // An ApplicationSet failing at base: Argo CD runs what it last generated (last-generation.ts), as the plan finds it.
    const lastGen = await lastGeneration({ repoDir: opts.repoDir, sha: baseSha, notes: baseNotes, discover: (dir) => discoverEnvironments(dir, { repoUrls: opts.repoUrls, ...(opts.clusters ? { clusters: opts.clusters } : {}) }), scope: JSON.stringify([opts.repoUrls, opts.clusters]) });
    const definedAt = new Map<string, string>();
    for (const g of lastGen.envs) {
      if (bases.has(g.env.name)) continue;
      bases.set(g.env.name, g.env);
      definedAt.set(g.env.name, g.definedAt);
    }
    const existsAtHead = (path: string) => existsSync(join(headCo.dir, path));
    const deletingNothingAtHead = appSetsDeletingNothing(headFound.notes);
    // An Application an ApplicationSet failing at head keeps syncs the merged commit with its last generated
    // spec (the base's), as the plan previews it (argocd-kept.ts): applied as a head environment, never pruned.
    const kept = keptApplications(bases.values(), heads, deletingNothingAtHead, existsAtHead);
    for (const k of kept) heads.set(k.env.name, k.env);
    const names = [...new Set([...heads.keys(), ...bases.keys()])].sort();
    // Flux substituteFrom: the files that name the ConfigMaps and Secrets an environment reads are its inputs.
    const [baseExtra, headExtra] = await Promise.all([
      substituteFromFiles(base, baseCo.dir, (env) => inputs(baseCo.dir, env)),
      substituteFromFiles(head, headCo.dir, (env) => inputs(headCo.dir, env)),
    ]);
    const withExtra = (i: EnvInputs | undefined, extra: string[] | undefined): EnvInputs | undefined => (i && extra ? { ...i, files: [...new Set([...i.files, ...extra])].sort() } : i);
    // The same verdict as the plan's (plan.ts planSides) for an Argo CD Application removed with its parent.
    const removal = new RemovalContext({ base: bases.values(), head: heads.values(), existsAtHead, deletingNothingAtHead });
    const out: AffectedEnvironment[] = [];
    for (const name of names) {
      const h = heads.get(name);
      const b = bases.get(name);
      const decision = decideAffected({ base: b, head: h, baseInputs: withExtra(await inputs(baseCo.dir, b), baseExtra.get(name)), headInputs: withExtra(await inputs(headCo.dir, h), headExtra.get(name)), changedFiles: changed, removal });
      if (decision.affected) out.push({ name, ...(h ? { env: h } : {}), decision, ...(kept.some((k) => k.env.name === name) ? { keptDefinedAt: definedAt.get(name) ?? baseSha } : {}) });
    }
    // A Flux HelmRelease whose in-repository chart changed without a Chart.yaml version bump: under
    // reconcileStrategy ChartVersion (the default) source-controller builds no new chart artifact, so
    // helm-controller deploys nothing of it — the plan says so (chart-reconcile-strategy.ts), and the merge
    // holds it back the same way instead of applying templates Flux would not.
    const chartVersion = async (side: 'base' | 'head', chartDir: string) =>
      chartYamlVersion(await readFile(join(side === 'base' ? baseCo.dir : headCo.dir, chartDir, 'Chart.yaml'), 'utf8').catch(() => undefined));
    const held = new Set((await unbumpedChartNotes(bases, heads, changed, chartVersion)).map((n) => n.name));
    return out.filter((a) => !held.has(a.name));
  } finally {
    await Promise.all([headCo.dispose(), baseCo?.dispose()]);
  }
}
