import { join } from 'node:path';
import { ChartFetcher, declaredChartSources } from '../charts/index.ts';

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
 * a remote chart is first asked about.
 */
export function planChartFetcher(opts: PlanChartOptions | undefined, baseDir: string | undefined): ChartFetcher | undefined {
  if (!opts) return undefined;
  return new ChartFetcher({
    policy: async () => ({ operator: opts.sources, declared: baseDir ? await declaredChartSources(baseDir) : [] }),
    cacheDir: join(opts.dataDir, 'charts'),
  });
}
