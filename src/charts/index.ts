export { ChartFetcher, ChartFetchError, chartNotPreviewed, provenanceCheck, sourceUrlOf, type ChartFetcherOptions, type ChartFetchFailure, type ChartRequest, type FetchedChart } from './fetch-chart.ts';
export { declaredChartSources } from './declared-sources.ts';
export { chartSourceEntryProblem, decideSource, emptyPolicy, howToAllow, normalizeSourceUrl, parseChartSources, type ChartSourcePolicy, type SourceDecision } from './policy.ts';
export { resolveVersion } from './resolve-version.ts';
export { parseOciRef } from './oci.ts';
