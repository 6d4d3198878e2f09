import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Environment } from '../model/environment.ts';
import type { FleetBundleRender } from '../model/fleet.ts';
import type { RenderedObject } from '../model/object.ts';
import { inRepo } from './files.ts';
import { helmRenderer } from './helm.ts';
import { renderTempDir } from './temp-dir.ts';
import { RenderFailure, type RenderRequest } from './types.ts';

/**
 * A Fleet bundle's local chart, rendered as the Fleet agent's Helm gets it. Fleet builds the chart from the
 * bundle's resources under the chart folder (rancher/fleet internal/helmdeployer/render/helm.go `toChart`:
 * `move(m, filepath.Dir(style.ChartPath), "chart/")`), so a file the bundle does not hold is not in the
 * chart: hidden files, what `.fleetignore` excludes, and the `helm.valuesFiles` — by path and by base name
 * at the top of the bundle (rancher/fleet internal/bundlereader resources.go `ignoreApplyConfigs`,
 * loaddirectory.go `GetContent`), which takes a chart's own `values.yaml` at the bundle root away when a
 * values file elsewhere is called `values.yaml`. The agent installs the chart with the bundle's values
 * (install.go `getValues`: `helm.values`, valuesFiles merged in by the bundle reader), and Helm coalesces
 * the chart's `values.yaml`, when the chart has one, underneath them (chartutil.CoalesceValues).
 *
 * bosun copies the chart folder's bundle files (`files`: bundle-relative name → repo path, from
 * fleet-files.ts) to the same repository paths in a temporary folder and runs the helm renderer there:
 * objects point at their repository files as before. Each object Helm rendered from a template is marked
 * (RenderedObject.helmTemplate); the chart's `crds/` CRDs are not templates: Helm 3 installs them apart,
 * whatever they are annotated with.
 */
export async function renderBundleChart(
  req: RenderRequest,
  files: ReadonlyMap<string, string>,
  chart: { dir: string; path: string },
  fleet: FleetBundleRender,
  where: { file?: string; line?: number },
): Promise<RenderedObject[]> {
  const prefix = chart.dir === '.' ? '' : `${chart.dir}/`;
  const temp = await renderTempDir('bosun-fleet-bundle-');
  try {
    for (const [name, file] of files) {
      if (!name.startsWith(prefix)) continue;
      const dest = join(temp.dir, file);
      await mkdir(dirname(dest), { recursive: true });
      // inRepo refuses a file that leaves the repository by a symlink before anything is copied.
      await copyFile(inRepo(req.root, file, { ...where, field: 'helm.chart' }), dest);
    }
    const env: Environment = {
      ...req.env,
      path: chart.path,
      render: 'helm',
      namespace: fleet.defaultNamespace,
      helm: { releaseName: fleet.releaseName, valueFiles: [], values: fleet.helm?.values ?? {} },
    };
    const dir = join(temp.dir, chart.path);
    const outcome = await helmRenderer.render({ root: temp.dir, env, dir, opts: req.opts, renderEnvironment: req.renderEnvironment });
    if (!outcome.ok) throw new RenderFailure(outcome.error);
    return markChartTemplates(outcome.objects, chart.path);
  } finally {
    await temp.dispose();
  }
}

/**
 * Marks the objects of a chart's render (sources relative to `chartPath`'s root) that Helm rendered from a
 * template: all but those of the chart's `crds/` folder and its unpacked subcharts' (helm pkg/chart
 * `CRDObjects`, installed before the release, never sorted into hooks or post-rendered).
 */
export function markChartTemplates(objects: readonly RenderedObject[], chartPath: string): RenderedObject[] {
  const prefix = chartPath === '.' || chartPath === '' ? '' : `${posix.normalize(chartPath)}/`;
  const crds = /^(charts\/[^/]+\/)*crds\//;
  return objects.map((rendered) => {
    const file = rendered.source?.file;
    const inChart = file !== undefined && file.startsWith(prefix) ? file.slice(prefix.length) : undefined;
    return inChart !== undefined && crds.test(inChart) ? rendered : { ...rendered, helmTemplate: true as const };
  });
}
