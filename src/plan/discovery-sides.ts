import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { discoverEnvironments } from '../discover/index.ts';
import { discoveryNeutralChange, discoveryReadsOnlyObjects, type ChangedFileSides } from '../discover/reuse.ts';
import type { DiscoverOptions, DiscoveryResult } from '../discover/types.ts';
import type { DiscoveryProgress } from '../discover/discovery-progress.ts';
import { BosunError, type Problem } from '../model/errors.ts';
import type { OpenedIndex } from './input-index-sides.ts';

export type SideDiscovery = DiscoveryResult | { problem: Problem };

/** The most changed files a plan reads to tell whether the head's discovery is the base's. */
const maxChangedToRead = 64;

/**
 * Discovery at a plan's two commits. Without an index: discovered at both, as always. With one: a
 * commit's stored result is used as it is (same tree, same scope); the head's is the base's when the
 * change cannot alter it (discover/reuse.ts); anything discovered is stored when it may be (no chart
 * source was asked about: that answer depends on settings outside the tree). A base that fails
 * discovery gives its problem (the head is still planned); the head's failure fails the plan.
 */
export async function discoverSides(args: {
  baseDir: string;
  headDir: string;
  changed: readonly string[];
  options: DiscoverOptions;
  indexes?: { base: OpenedIndex; head: OpenedIndex };
  /** Awaited before discovery reads the head (a partial head checkout completes itself there). */
  beforeHeadDiscovery?: () => Promise<void>;
  /**
   * Told when a side's discovery is done (how many environments it found): discovery reads a large
   * repository in long synchronous stretches, so the line between the sides is the progress there can be.
   */
  onSide?: (side: 'base' | 'head', environments: number) => void;
  /** The progress hook of a side's discovery as it starts (plan/progress.ts discoveryProgress): said while it walks. */
  progress?: (side: 'base' | 'head') => DiscoveryProgress;
}): Promise<{ base: SideDiscovery; head: DiscoveryResult; reused: 'none' | 'stored' | 'derived' }> {
  const { indexes } = args;
  const discoverAt = async (dir: string, index?: OpenedIndex): Promise<DiscoveryResult> => {
    const result = await discoverOnce(dir, index);
    args.onSide?.(dir === args.baseDir ? 'base' : 'head', result.environments.length);
    return result;
  };
  const discoverOnce = async (dir: string, index?: OpenedIndex): Promise<DiscoveryResult> => {
    let asked = false;
    const charts = args.options.charts;
    const sideName = dir === args.baseDir ? 'base' : 'head';
    const options: DiscoverOptions = {
      ...args.options,
      ...(charts ? { charts: { decide: (url: string) => { asked = true; return charts.decide(url); } } } : {}),
      ...(args.progress ? { progress: args.progress(sideName) } : {}),
    };
    const result = await discoverEnvironments(dir, options);
    // A fetched chart's Applications (app of apps) depend on the chart, which is not in the tree.
    if (args.options.fetchCharts && rendersFetchedCharts(result)) asked = true;
    if (index && !asked && !index.index.discovery) {
      index.index.discovery = structuredClone(result);
      index.factsAdded = true;
    }
    return result;
  };
  const usable = (stored: DiscoveryResult | undefined) => (stored && storedDiscoveryUsable(stored, args.options.fetchCharts !== undefined) ? stored : undefined);
  const baseAt = async (): Promise<SideDiscovery> => {
    const stored = usable(indexes?.base.index.discovery);
    if (stored) return structuredClone(stored);
    try {
      return await discoverAt(args.baseDir, indexes?.base);
    } catch (err) {
      if (!(err instanceof BosunError)) throw err;
      return { problem: err.toProblem() };
    }
  };
  const discoverHead = async (): Promise<DiscoveryResult> => {
    await args.beforeHeadDiscovery?.();
    return discoverAt(args.headDir, indexes?.head);
  };
  const storedHead = usable(indexes?.head.index.discovery);
  if (storedHead) return { base: await baseAt(), head: structuredClone(storedHead), reused: 'stored' };
  if (!indexes || !(await changeIsNeutral(args.baseDir, args.headDir, args.changed))) {
    const [base, head] = await Promise.all([baseAt(), discoverHead()]);
    return { base, head, reused: 'none' };
  }
  const base = await baseAt();
  if ('problem' in base || !discoveryReadsOnlyObjects(base)) return { base, head: await discoverHead(), reused: 'none' };
  const head = structuredClone(base);
  if (!indexes.head.index.discovery) {
    indexes.head.index.discovery = structuredClone(base);
    indexes.head.factsAdded = true;
  }
  return { base, head, reused: 'derived' };
}

/** Whether no changed file can change what discovery finds (read from the two checkouts). */
async function changeIsNeutral(baseDir: string, headDir: string, changed: readonly string[]): Promise<boolean> {
  if (changed.length > maxChangedToRead) return false;
  for (const path of changed) {
    const [before, after] = await Promise.all([regularFile(baseDir, path), regularFile(headDir, path)]);
    const sides: ChangedFileSides = { path, ...(before ? { before } : {}), ...(after ? { after } : {}) };
    if (!discoveryNeutralChange(sides)) return false;
  }
  return true;
}

async function regularFile(root: string, path: string): Promise<{ text: string; size: number } | undefined> {
  const abs = join(root, path);
  const stat = await lstat(abs).catch(() => undefined);
  if (!stat?.isFile()) return undefined;
  if (stat.size > 10 * 1024 * 1024) return { text: '', size: stat.size };
  return { text: await readFile(abs, 'utf8'), size: stat.size };
}

/**
 * Whether a stored discovery result serves a plan: one stored without a chart fetcher never expanded a
 * fetched chart's Applications (app of apps), so a plan that has a fetcher discovers again.
 */
export function storedDiscoveryUsable(stored: DiscoveryResult, withChartFetcher: boolean): boolean {
  return !withChartFetcher || !rendersFetchedCharts(stored);
}

/** Whether an Argo CD Application of the result renders a fetched chart (whose Applications discovery expands). */
function rendersFetchedCharts(result: DiscoveryResult): boolean {
  return result.environments.some((e) => e.source === 'argocd' && e.remoteChart !== undefined);
}
