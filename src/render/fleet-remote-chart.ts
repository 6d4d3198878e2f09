import { basename, dirname } from 'node:path';
import { ChartFetchError, type ChartRequest } from '../charts/index.ts';
import type { Environment } from '../model/environment.ts';
import type { FleetBundleRender } from '../model/fleet.ts';
import type { RenderedObject } from '../model/object.ts';
import { markChartTemplates } from './fleet-chart.ts';
import { helmRenderer } from './helm.ts';
import { RenderFailure, type RenderRequest } from './types.ts';

/**
 * A Fleet bundle whose chart is remote — `helm.repo` + `helm.chart` (+ `helm.version`: a version or a
 * semver range, resolved against the repository's index as Fleet's chart URL lookup does), or
 * `helm.chart: oci://…` — fetched by bosun's chart fetcher (only from a source the operator allows or the
 * base branch declares) and rendered by `helm template` in the sandbox from the cache, read-only, with the
 * bundle's values, release name and namespace, as for a chart in the bundle folder.
 *
 * A chart not fetched (a source the pull request introduced, or one that could not be read) leaves the
 * bundle on that cluster not previewed, saying why; a chart or version the source does not have is the
 * bundle's error, at `helm.version` (or `helm.chart`) of its fleet.yaml. Objects are attributed to the
 * fleet.yaml: the chart's own files are not in the repository. Its templates are marked as such
 * (RenderedObject.helmTemplate), its `crds/` not (fleet-chart.ts markChartTemplates).
 */
export async function renderRemoteFleetChart(req: RenderRequest, fleet: FleetBundleRender, where: { file?: string; line?: number }): Promise<RenderedObject[]> {
  const remote = fleet.helm!.remote!;
  const source = remote.kind === 'repo' ? `${remote.chart}${remote.version ? ` ${remote.version}` : ''} from ${remote.repoUrl}` : `${remote.ref}${remote.version ? ` ${remote.version}` : ''}`;
  const charts = req.opts.charts;
  if (!charts) throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `chart ${source} not fetched: bosun runs without a chart fetcher here`, notPreviewed: true });
  const request: ChartRequest = remote;
  let dir: string;
  let label: string;
  try {
    const fetched = await charts.fetch(request, req.opts.signal ? { signal: req.opts.signal } : {});
    dir = fetched.dir;
    label = `${fetched.name} ${fetched.version}`;
  } catch (e) {
    if (!(e instanceof ChartFetchError)) throw e;
    if (e.reason !== 'missing') throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `chart not fetched: ${e.message}`, notPreviewed: true });
    const field = /^chart "[^"]*" is not in /.test(e.message) ? 'helm.chart' : 'helm.version';
    throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, field, message: `chart not found: ${e.message}` });
  }
  // The cache folder stands in for the repository: helm reads the chart from there, read-only.
  const cacheRoot = dirname(dir);
  const env: Environment = {
    ...req.env,
    path: basename(dir),
    render: 'helm',
    namespace: fleet.defaultNamespace,
    helm: { releaseName: fleet.releaseName, valueFiles: [], values: fleet.helm?.values ?? {} },
  };
  const outcome = await helmRenderer.render({ root: cacheRoot, env, dir, opts: req.opts, renderEnvironment: req.renderEnvironment });
  if (!outcome.ok) throw new RenderFailure({ ...outcome.error, ...where, message: `chart ${label} (${source}): ${outcome.error.message}` });
  const file = where.file ?? req.env.path;
  // Which objects are templates (Helm's hooks among them) is read from the chart's own paths, before they go.
  return markChartTemplates(outcome.objects, basename(dir)).map((o) => ({ ...o, source: { file, ...(where.line ? { line: where.line } : {}) } }));
}
