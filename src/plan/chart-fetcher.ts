import { join } from 'node:path';
import { ChartFetcher, declaredChartSources } from '../charts/index.ts';
import { isInput, type EnvInputs } from '../discover/index.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';
import type { RenderOutcome } from '../render/index.ts';

/** What a plan needs to fetch remote charts: the operator's allowed sources and the data dir's chart cache. */
export interface PlanChartOptions {
  /** `BOSUN_CHART_SOURCES` / `--chart-source` entries (hosts or URL prefixes). */
  sources: string[];
  /** The data dir (`BOSUN_DATA_DIR`); charts are cached in its `charts/` folder. */
  dataDir: string;
}

/**
 * The chart fetcher of one plan: the operator's sources plus those the **base** checkout declares (never
 * the head's: a pull request cannot introduce a source and have it fetched). The base is scanned only when
 * a remote chart is first asked about, after `ready` (a partial base checkout completes itself there).
 */
export function planChartFetcher(opts: PlanChartOptions | undefined, baseDir: string | undefined, ready?: () => Promise<void>): ChartFetcher | undefined {
  if (!opts) return undefined;
  return trustedChartFetcher(opts, async () => {
    await ready?.();
    return baseDir ? declaredChartSources(baseDir) : [];
  });
}

/** A chart fetcher allowed the operator's sources plus `declared`: the sources a trusted commit (merged, or a pull request's base) declares. */
export function trustedChartFetcher(opts: PlanChartOptions, declared: () => Promise<string[]>): ChartFetcher {
  return new ChartFetcher({
    policy: async () => ({ operator: opts.sources, declared: await declared() }),
    cacheDir: join(opts.dataDir, 'charts'),
  });
}

/**
 * Discovery options that expand an Argo CD app of apps through a fetched chart (its child Applications
 * become environments), for a commit of the default branch checked out at `dir`: the operator's chart
 * sources plus those that commit declares (it is merged, so trusted as a plan's base is). Empty without
 * chart options: children stay not-previewed notes. Never for a pull request's head.
 */
export function chartDiscovery(opts: PlanChartOptions | undefined, dir: string): { charts?: ChartFetcher; fetchCharts?: ChartFetcher } {
  const fetcher = planChartFetcher(opts, dir);
  return fetcher ? { charts: fetcher, fetchCharts: fetcher } : {};
}

/**
 * An environment whose render, at either side, could not be judged (a remote chart that could not be
 * fetched: unreachable, refused, timed out — `RenderError.notPreviewed`): not a render error, since nothing
 * says the content is wrong, but not previewed — the plan's reason says why, and a `not-previewed` note
 * reading the environment's inputs that the change touched makes the plan say it cannot judge them
 * (exit 3, the App's neutral check). Undefined when both sides rendered or one failed on its content.
 */
export function notPreviewedRender(args: {
  name: string;
  env: Environment;
  outcomes: ReadonlyArray<RenderOutcome>;
  inputs: ReadonlyArray<EnvInputs | undefined>;
  changed: readonly string[];
}): { reason: string; note: DiscoveryNote } | undefined {
  const errors = args.outcomes.flatMap((o) => (o.ok ? [] : [o.error]));
  // A content error on either side is the stronger verdict: it stays a render error.
  if (errors.length === 0 || errors.some((e) => !e.notPreviewed)) return undefined;
  const why = errors[0].message;
  const reason = `not previewed: ${why}`;
  const inputs = args.inputs.filter((i): i is EnvInputs => i !== undefined);
  const changedInputs = args.changed.filter((file) => inputs.some((i) => isInput(i, file)));
  // Where the refusal points (a remote base's `resources[0]` in its kustomization), else the definition.
  const at = errors[0].file ? { file: errors[0].file, line: errors[0].line } : args.env.helmRelease ?? args.env.definedIn;
  const field = errors[0].file && errors[0].field ? `field \`${errors[0].field}\`: ` : '';
  const note: DiscoveryNote = {
    status: 'not-previewed',
    kind: 'Environment',
    name: args.name,
    ...(at?.file ? { file: at.file } : {}),
    ...(at?.line ? { line: at.line } : {}),
    reason: `${field}${why}; what it deploys is not in the plan`,
    environments: [args.name],
    reads: [...new Set([...(at?.file ? [at.file] : []), ...changedInputs])].sort(),
  };
  return { reason, note };
}
