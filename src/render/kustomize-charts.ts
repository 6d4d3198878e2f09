import { existsSync } from 'node:fs';
import { cp, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChartFetchError, chartNotPreviewed, type ChartFetcher } from '../charts/index.ts';
import { checkChartFolder } from './chart-checks.ts';
import type { KustomizeChart } from './kustomize-model/index.ts';
import type { KustomizeTree } from './kustomize-tree.ts';
import { RenderFailure } from './types.ts';

/**
 * kustomize `helmCharts` with a remote `repo`, through the chart fetcher instead of kustomize's own
 * `helm pull` (the sandboxed kustomize has no network, and a pull request must not choose what bosun's
 * process fetches). kustomize inflates a chart from `<chartHome>/<name>-<version>/<name>` (repo and version
 * given) or `<chartHome>/<name>` when that folder exists, and pulls it otherwise
 * (HelmChartInflationGenerator.absChartHome / chartExistsLocally). So each remote chart is fetched (only
 * from a source the operator allows or the base branch declares, charts/policy.ts), and kustomize builds
 * a copy of what the build reads — the model's inputs, the whole checkout when those are not certain —
 * with the fetched chart at that folder: it finds the chart locally and never pulls. The copy lives in the
 * render's temp folder, which the sandbox mounts read-only; the repository is never written to.
 *
 * Undefined when no chart of the tree is remote (kustomize builds the checkout itself). A source that could
 * not be read leaves the render not previewed; a source the pull request may not have fetched is an error
 * at `helmCharts[i].repo`, a chart or version its repository does not have one at `.version` (or `.name`).
 */
export async function withFetchedCharts(args: {
  root: string;
  trees: readonly KustomizeTree[];
  /** Files a Flux-generated kustomization lists (repo paths), read besides the trees. */
  extraFiles: readonly string[];
  charts: ChartFetcher | undefined;
  tmp: string;
  signal?: AbortSignal;
}): Promise<string | undefined> {
  const remote = args.trees.flatMap((t) => t.charts ?? []).filter((c) => !c.vendored && c.repo);
  if (remote.length === 0) return undefined;
  const fetched = await Promise.all(remote.map((c) => fetchOne(c, args.charts, args.signal)));
  const shadow = join(args.tmp, 'checkout');
  await copyInputs(args.root, shadow, args.trees, args.extraFiles);
  for (const [i, chart] of remote.entries()) {
    const dest = join(shadow, chart.folder);
    await mkdir(dirname(dest), { recursive: true });
    await cp(fetched[i], dest, { recursive: true, dereference: true, force: true });
    checkChartFolder(shadow, chart.folder, 'kustomize');
  }
  return shadow;
}

async function fetchOne(chart: KustomizeChart, charts: ChartFetcher | undefined, signal?: AbortSignal): Promise<string> {
  const at = { file: chart.site.file, line: chart.site.line() };
  const field = (key: string) => chart.site.field.replace(/\.(name|chartName)$/, '') + `.${key}`;
  const what = `helm chart "${chart.name}"${chart.version ? ` ${chart.version}` : ''} from ${chart.repo}`;
  if (!charts) {
    throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, field: field('repo'), message: `${what} not fetched: bosun runs without a chart fetcher here`, notPreviewed: true });
  }
  try {
    const got = await charts.fetch({ kind: 'repo', repoUrl: chart.repo!, chart: chart.name, ...(chart.version ? { version: chart.version } : {}) }, signal ? { signal } : {});
    return got.dir;
  } catch (e) {
    if (!(e instanceof ChartFetchError)) throw e;
    if (chartNotPreviewed(e)) {
      throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, field: field('repo'), message: `chart not fetched: ${what}: ${e.message}`, notPreviewed: true });
    }
    if (e.reason === 'refused') {
      throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, field: field('repo'), message: `${what} is not vendored; a remote reference is fetched only from an allowed chart source: ${e.message}` });
    }
    const missingChart = /^chart "[^"]*" is not in /.test(e.message);
    throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, field: field(missingChart ? 'name' : 'version'), message: `chart not found: ${e.message}` });
  }
}

/** What the build reads, copied at the same repository paths; the whole checkout (without .git) when the model is not sure. */
async function copyInputs(root: string, shadow: string, trees: readonly KustomizeTree[], extraFiles: readonly string[]): Promise<void> {
  const certain = trees.every((t) => t.inputs !== undefined && t.inputs.unsure === undefined && !t.inputs.dirs.has('.'));
  if (!certain) {
    await cp(root, shadow, { recursive: true, filter: (src) => !/[\\/]\.git$/.test(src) });
    return;
  }
  const paths = new Set<string>([...extraFiles]);
  for (const t of trees) {
    for (const f of t.inputs!.files) paths.add(f);
    for (const d of t.inputs!.dirs) paths.add(d);
  }
  await mkdir(shadow, { recursive: true });
  for (const p of [...paths].sort()) {
    // Inputs name files whose appearance would change the build (a second kustomization file name): skip those absent.
    if (!existsSync(join(root, p))) continue;
    const dest = join(shadow, p);
    await mkdir(dirname(dest), { recursive: true });
    await cp(join(root, p), dest, { recursive: true, dereference: true, force: true, errorOnExist: false });
  }
}
