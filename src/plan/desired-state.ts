import { refineFindingLines } from '../validate/field-lines.ts';
import { availableParallelism } from 'node:os';
import { checkout, resolveRef } from '../git/index.ts';
import { collectInputs, discoverEnvironments, environmentForPath } from '../discover/index.ts';
import type { DiscoveryClusters } from '../discover/types.ts';
import { noEnvironmentsError } from '../discover/nothing-found.ts';
import { declaredChartSources, type ChartFetcher } from '../charts/index.ts';
import { renderEnvironment } from '../render/index.ts';
import { planChartFetcher, trustedChartFetcher, type PlanChartOptions } from './chart-fetcher.ts';
import type { RenderOutcome } from '../render/index.ts';
import type { ObjectLimits } from '../render/object-limits.ts';
import { collectRepoCrds } from '../validate/index.ts';
import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import type { KubeObject, RenderedObject } from '../model/object.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { Limiter } from '../util/limit.ts';
import { PlanObjectBudget } from './object-budget.ts';
import { resolveSubstituteFrom, type SubstitutionMode } from './substitute-from.ts';
import { environmentValidator, type ClusterChecksHook } from './cluster-checks.ts';
import { silentProgress } from './progress.ts';
import { unregisteredCluster, unregisteredClusterError } from './unregistered-clusters.ts';
import type { Progress } from './progress.ts';

/**
 * Runs `fn` on the repository's files: at `ref` in a temporary checkout, or on the folder as it is when
 * no ref is given (validating uncommitted work needs no git at all).
 */
export async function withTree<T>(repoDir: string, ref: string | undefined, fn: (dir: string, sha?: string) => Promise<T>): Promise<T> {
  if (!ref) return fn(repoDir);
  const sha = await resolveRef(repoDir, ref);
  const co = await checkout(repoDir, sha);
  try {
    return await fn(co.dir, sha);
  } finally {
    await co.dispose();
  }
}

export interface Selection {
  /** Environment names; all discovered when empty. */
  envs?: string[];
  /** An explicit folder to render instead of discovered environments. */
  path?: string;
  /** Helm value files for `path`, relative to the chart folder. */
  values?: string[];
  repoUrls?: string[];
  /** The registered clusters (names, labels, groups): Fleet bundles and ApplicationSet clusters generators target them. */
  clusters?: DiscoveryClusters;
  /** How Flux substituteFrom values from Secrets are used: shown as markers (default) or substituted (apply). */
  substitution?: SubstitutionMode;
  /** Fetches remote charts, so the Applications an Argo CD Application's fetched chart renders (app of apps) are environments too. */
  charts?: ChartFetcher;
}

export async function selectEnvironments(dir: string, sel: Selection): Promise<Environment[]> {
  if (sel.path) return [explicitPath(dir, sel.path, sel.values ?? [])];
  if (sel.values?.length) throw new BosunError({ kind: 'usage', message: '--values needs --path (value files belong to an explicit chart folder)' });
  const { environments, notes } = await discoverEnvironments(dir, { repoUrls: sel.repoUrls, ...(sel.clusters ? { clusters: sel.clusters } : {}), ...(sel.charts ? { charts: sel.charts, fetchCharts: sel.charts } : {}) });
  // Nothing to judge is not a pass: the caller says so (exit 3) instead of reporting an empty success.
  if (environments.length === 0) throw noEnvironmentsError({ notes });
  const byName = new Map(environments.map((e) => [e.name, e]));
  const selected = !sel.envs?.length ? environments : sel.envs.map((name) => {
    const env = byName.get(name);
    if (!env) throw new BosunError({ kind: 'usage', message: `unknown environment "${name}"; known: ${[...byName.keys()].join(', ') || '(none)'}` });
    return env;
  });
  // Flux substituteFrom: values from what the other environments of the same cluster render at this commit.
  const resolved = await resolveSubstituteFrom(byName, dir, {
    render: (env) => renderEnvironment(dir, env),
    inputs: (env) => collectInputs(dir, env).catch(() => undefined),
  }, sel.substitution ?? 'preview', new Set(selected.map((e) => e.name)));
  return selected.map((env) => resolved.get(env.name)?.env ?? env);
}

/** `--path` / `--values` name a folder of the command line: one outside the repository is a usage error. */
function explicitPath(dir: string, path: string, values: string[]): Environment {
  try {
    return environmentForPath(dir, path, values);
  } catch (err) {
    if (err instanceof BosunError && err.kind === 'path') throw new BosunError({ kind: 'usage', message: `--${err.field === 'path' ? 'path' : 'values'}: ${err.message}` });
    throw err;
  }
}

export interface EnvRender {
  env: Environment;
  outcome: RenderOutcome;
  findings: ValidationFinding[];
}

export interface RenderAndValidateOptions {
  progress?: Progress;
  concurrency?: number;
  /** Objects per environment and in total over `envs`; past them an environment fails with a clear error. */
  limits?: ObjectLimits;
  /** The target Kubernetes version and, for a registered cluster, its own schemas. */
  clusterChecks?: ClusterChecksHook;
  /** Fetches remote charts (Fleet bundles, kustomize helmCharts); absent: none is fetched. */
  charts?: ChartFetcher;
}

/** Renders and validates each environment (bounded parallelism); problems are values, never throws for bad input. */
export async function renderAndValidate(dir: string, envs: Environment[], opts: RenderAndValidateOptions = {}): Promise<EnvRender[]> {
  const progress = opts.progress ?? silentProgress;
  const limiter = new Limiter(opts.concurrency ?? Math.max(2, availableParallelism() * 2));
  const repoCrds = await collectRepoCrds(dir);
  const inputCache = new Map<string, unknown>();
  const budget = new PlanObjectBudget(envs.length, opts.limits);
  let done = 0;
  return Promise.all(envs.map(async (env, slot): Promise<EnvRender> => {
    let outcome: RenderOutcome;
    try {
      try {
        // Input analysis refuses paths that escape the repository before any tool runs.
        await collectInputs(dir, env, inputCache);
        outcome = await renderEnvironment(dir, env, { limiter, limits: opts.limits, ...(opts.charts ? { charts: opts.charts } : {}) });
      } catch (err) {
        if (!(err instanceof BosunError)) throw err;
        outcome = { ok: false, error: err.toProblem() };
      }
      progress(`rendered ${++done}/${envs.length}: ${env.name}`);
      if (outcome.ok) {
        const overLimit = await budget.take(slot, env.name, outcome.objects.length);
        if (overLimit) outcome = { ok: false, error: overLimit };
      }
    } finally {
      budget.release(slot);
    }
    if (!outcome.ok) return { env, outcome, findings: [] };
    const { validator, notes } = await environmentValidator(env, [...crdsOf(outcome.objects), ...repoCrds], opts.clusterChecks);
    // Each finding on the line of its field where the source file still has it, not only its object's.
    return { env, outcome, findings: [...notes, ...await refineFindingLines(dir, validator.validate(outcome.objects), outcome.objects)] };
  }));
}

function crdsOf(objects: RenderedObject[]): KubeObject[] {
  return objects.map((o) => o.object).filter((o) => o.kind === 'CustomResourceDefinition');
}

/**
 * The desired state of one environment at a commit, for apply and sync: rendered and validated; a render
 * failure or a validation error refuses (nothing is applied from a broken render).
 */
export async function loadDesiredState(opts: {
  repoDir: string; ref: string; env: string; repoUrls?: string[]; clusters?: DiscoveryClusters; progress?: Progress; limits?: ObjectLimits;
  /**
   * Remote charts: the operator's sources plus those `ref` itself declares — alone only for a commit of
   * the default branch (merged, so its sources are trusted); for a pull request's head, with `chartSourcesAt`.
   */
  charts?: PlanChartOptions;
  /**
   * With `charts`, when `ref` is a pull request's head (`/bosun apply` before merge): the trusted commit (the
   * pull request's base) whose declared chart sources may be fetched besides the operator's — the head's own
   * never are, as in the plan.
   */
  chartSourcesAt?: string;
  /**
   * `clusters` is the registry the caller applies with: an environment whose cluster it lacks is refused
   * before anything is rendered (a configuration error naming the environment; plan/unregistered-clusters.ts).
   */
  refuseUnregisteredCluster?: boolean;
  /**
   * The commit whose configuration defines the environment, when `ref`'s does not: an Argo CD Application that
   * an ApplicationSet failing at `ref` keeps with its last generated spec and that syncs `ref`'s files
   * (discover/argocd-kept.ts). Default: `ref`.
   */
  definedAt?: string;
}): Promise<{ sha: string; env: Environment; objects: RenderedObject[]; warnings: ValidationFinding[] }> {
  const chartOpts = opts.charts;
  const trustedAt = opts.chartSourcesAt;
  const declaredAtBase = chartOpts && trustedAt ? await withTree(opts.repoDir, trustedAt, (baseDir) => declaredChartSources(baseDir)) : undefined;
  const select = (dir: string, charts: ChartFetcher | undefined) => selectEnvironments(dir, { envs: [opts.env], repoUrls: opts.repoUrls, ...(opts.clusters ? { clusters: opts.clusters } : {}), substitution: 'apply', ...(charts ? { charts } : {}) });
  const definedAt = opts.definedAt;
  const defined = definedAt ? await withTree(opts.repoDir, definedAt, (dir) => select(dir, planChartFetcher(chartOpts, dir))) : undefined;
  return withTree(opts.repoDir, opts.ref, async (dir, sha) => {
    const charts = chartOpts && declaredAtBase ? trustedChartFetcher(chartOpts, async () => declaredAtBase) : planChartFetcher(chartOpts, dir);
    // With the fetcher, a child of an app of apps through a fetched chart is found as the plan found it.
    const [env] = defined ?? await select(dir, charts);
    const unregistered = opts.refuseUnregisteredCluster ? unregisteredCluster(env, opts.clusters) : undefined;
    if (unregistered) throw unregisteredClusterError(env.name, unregistered);
    const [result] = await renderAndValidate(dir, [env], { progress: opts.progress, limits: opts.limits, ...(charts ? { charts } : {}) });
    if (!result.outcome.ok) {
      throw new BosunError({ ...result.outcome.error, kind: 'render', message: `environment "${env.name}" does not render at ${sha!.slice(0, 7)}: ${result.outcome.error.message}` });
    }
    const errors = result.findings.filter((f) => f.severity === 'error');
    if (errors.length) {
      const first = errors[0];
      throw new BosunError({
        kind: 'validation',
        file: first.file,
        line: first.line,
        field: first.path,
        message: `environment "${env.name}" has ${errors.length} validation error(s) at ${sha!.slice(0, 7)}; nothing applied. First: ${first.object}: ${first.message}`,
      });
    }
    return { sha: sha!, env, objects: result.outcome.objects, warnings: result.findings.filter((f) => f.severity === 'warning') };
  });
}
