import { chartSourceEntryProblem, parseChartSources } from '../charts/index.ts';
import { BosunError } from '../model/errors.ts';
import type { PlanChartOptions } from '../plan/chart-fetcher.ts';
import { dataDirOf } from './commands/cluster-file.ts';
import type { CliIO } from './io.ts';

export const chartSourceHelp = `  --chart-source S  a chart source bosun may fetch remote charts from (repeatable; also
                    $BOSUN_CHART_SOURCES): a host (charts.example.com, ghcr.io) or a URL prefix
                    (https://charts.example.com/stable, oci://ghcr.io/org/charts). Sources declared
                    on --base (HelmRepository / OCIRepository URLs, Argo CD Helm repoURLs, kustomize
                    helmCharts repos, Fleet helm repos) are allowed too; charts are cached in
                    $BOSUN_DATA_DIR/charts`;

/** `--chart-source` flags plus `BOSUN_CHART_SOURCES`, checked; with the data dir the chart cache lives in. */
export function chartOptionsFrom(flags: string[] | undefined, io: CliIO): PlanChartOptions {
  const sources = parseChartSources([...(flags ?? []), io.env.BOSUN_CHART_SOURCES]);
  for (const entry of sources) {
    const problem = chartSourceEntryProblem(entry);
    if (problem) throw new BosunError({ kind: 'usage', message: `--chart-source / BOSUN_CHART_SOURCES: ${problem}` });
  }
  return { sources, dataDir: dataDirOf(io) };
}
