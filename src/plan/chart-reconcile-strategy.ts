import { posix } from 'node:path';
import { parse } from 'yaml';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';

/**
 * A Flux HelmRelease whose chart is a folder of this repository is installed from the chart artifact
 * source-controller builds. With `reconcileStrategy: ChartVersion` — the default — it builds a new one for
 * a GitRepository chart only when Chart.yaml's `version` changes (source-controller
 * docs/spec/v1/helmcharts.md "Reconcile strategy": "no new chart artifact is produced on updates to the
 * source unless the version in Chart.yaml is incremented"; values files are packaged into it too). So a
 * pull request that changes the chart's templates or values files and not its version changes nothing
 * helm-controller deploys, though the chart renders differently. bosun's preview renders the chart as the
 * commit holds it; this says, as a not-previewed note reading the changed chart files (a change bosun
 * cannot judge: exit 3, the App's neutral check), that Flux does not deploy them yet.
 *
 * Only for an upgrade (the base has the release) whose HelmRelease, patches and HelmChart object stay as
 * they were: a new release installs whatever chart is there.
 * `chartVersion(side, dir)` reads the chart's version at the base or the head.
 */
export async function unbumpedChartNotes(
  base: ReadonlyMap<string, Environment>,
  head: ReadonlyMap<string, Environment>,
  changed: readonly string[],
  chartVersion: (side: 'base' | 'head', chartDir: string) => Promise<string | undefined>,
): Promise<DiscoveryNote[]> {
  const out: DiscoveryNote[] = [];
  for (const [name, env] of head) {
    const hr = env.helmRelease;
    if (!hr || hr.chart.kind !== 'repository' || hr.refused || hr.reconcileStrategy === 'Revision' || !base.get(name)?.helmRelease) continue;
    const dir = env.path;
    const valuesFiles = [...(hr.helmChart?.valuesFiles ?? []).map((v) => posix.normalize(v.replace(/^\/+/, ''))), ...(hr.chartValuesFiles ?? [])];
    const chartOwn = (f: string) => dir === '.' || f.startsWith(`${dir}/`) || valuesFiles.includes(f);
    const chartFiles = changed.filter((f) => chartOwn(f) && f !== posix.join(dir, 'Chart.yaml'));
    if (chartFiles.length === 0) continue;
    // A changed HelmRelease, patch of it or HelmChart object may change the chart template's spec, and a new
    // HelmChart generation forces a build from the current source (helmchart_controller.go buildFromTarballArtifact
    // `Force: obj.Generation != obj.Status.ObservedGeneration`): then the chart is rebuilt; say nothing.
    if (hr.inputs.files.some((f) => !chartOwn(f) && changed.includes(f))) continue;
    const [before, after] = await Promise.all([chartVersion('base', dir), chartVersion('head', dir)]);
    if (before === undefined || before !== after) continue;
    out.push({
      status: 'not-previewed',
      kind: 'Environment',
      name,
      file: hr.file,
      line: hr.line,
      reason: `the chart's files changed but ${posix.join(dir, 'Chart.yaml')} keeps version ${before}: with reconcileStrategy ChartVersion (source-controller's default) no new chart artifact is built for a chart from a GitRepository, so helm-controller does not deploy this change until the version is bumped (or spec.chart.spec.reconcileStrategy is Revision); the diff shows what the chart renders, not what Flux applies`,
      environments: [name],
      reads: chartFiles,
    });
  }
  return out;
}

/** The `version` of a Chart.yaml's text; undefined when it has none or does not parse. */
export function chartYamlVersion(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const doc: unknown = parse(text);
    const version = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>).version : undefined;
    return typeof version === 'string' || typeof version === 'number' ? String(version) : undefined;
  } catch {
    return undefined;
  }
}
