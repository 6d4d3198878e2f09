/**
 * An app of apps through a fetched chart: an Argo CD Application whose source is a chart from a Helm
 * repository or OCI registry renders Applications (or ApplicationSets), which Argo CD creates and then syncs.
 * With the plan's chart fetcher, discovery renders that chart and takes in what it renders as a local app
 * of apps' children are (source-argocd.ts `expandParents`): each Application of this repository is an
 * environment of its own, at each commit, with the chart version of that commit. What discovery could not
 * make an environment — an Application of another repository, an ApplicationSet it does not expand, one
 * past the nesting limit — deploys what bosun does not preview. Each is said as a not-previewed note, never
 * silently: it names the chart and the parent, and reads the parent's file (a version bump or values change
 * may change the children) and the child's folders of this repository, so a change to them is one bosun
 * cannot judge (exit code 3, the neutral check).
 */
import type { DiscoveryNote } from '../model/discovery.ts';
import { ChartFetchError, type ChartFetcher } from '../charts/index.ts';
import type { Environment, RemoteChart } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import { isSameRepo } from '../discover/repo-url.ts';

const childKinds = new Set(['Application', 'ApplicationSet']);

/** What a parent environment's head render is planned with: its environments and discovery's notes at head. */
export interface ChartChildContext {
  repoUrls: readonly string[] | undefined;
  /** The head's environments: the children discovery took in are among them. */
  environments: Iterable<Environment>;
  /** The head's discovery notes: why discovery did not take a child in. */
  notes: readonly DiscoveryNote[];
}

export function chartChildNotes(envName: string, env: Environment, objects: readonly RenderedObject[], ctx: ChartChildContext): DiscoveryNote[] {
  if (env.source !== 'argocd' || !env.remoteChart) return [];
  const expanded = expandedChildren(envName, ctx.environments);
  const chart = env.remoteChart.source.kind === 'oci' ? env.remoteChart.source.ref : `${env.remoteChart.source.chart} from ${env.remoteChart.source.repoUrl}`;
  const parentFile = env.definedIn?.file;
  const notes: DiscoveryNote[] = [];
  for (const { object } of objects) {
    if (!object.apiVersion?.startsWith('argoproj.io/') || !childKinds.has(object.kind ?? '')) continue;
    const name = object.metadata?.name ?? '';
    if (expanded.has(`${object.kind}/${name}`)) continue;
    const child = { kind: object.kind, name, namespace: object.metadata?.namespace, file: parentFile };
    const said = ctx.notes.find((n) => supersedes(child, n));
    const why = said ? said.reason.replace(/^not an environment: /, '') : 'bosun did not expand the chart';
    const folders = object.kind === 'Application' ? ownFolders(object as unknown as Record<string, unknown>, ctx.repoUrls) : [];
    const reads = [...new Set([...(parentFile ? [parentFile] : []), ...folders, ...(said?.reads ?? [])])].sort();
    notes.push({
      status: 'not-previewed',
      kind: object.kind ?? 'Application',
      ...(object.apiVersion ? { apiVersion: object.apiVersion } : {}),
      ...(name ? { name } : {}),
      ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
      ...(parentFile ? { file: parentFile } : {}),
      ...(env.definedIn?.line ? { line: env.definedIn.line } : {}),
      reason: `rendered by the chart ${chart} of Argo CD Application ${envName} (app of apps): Argo CD creates this ${object.kind} and syncs what it deploys, which is not previewed (${why}) — only the ${object.kind} object itself is in ${envName}'s changes`,
      environments: [envName],
      ...(reads.length > 0 ? { reads } : {}),
    });
  }
  return notes;
}

/**
 * The notes without what discovery said of the children `chartNotes` speak of (a child of another
 * repository is "not an environment" to discovery): each child is said once, by the chart's note.
 */
export function withoutSupersededNotes(notes: readonly DiscoveryNote[], chartNotes: readonly DiscoveryNote[]): DiscoveryNote[] {
  const children = chartNotes.filter((c) => childKinds.has(c.kind) && c.reason.startsWith('rendered by the chart '));
  if (children.length === 0) return [...notes];
  return notes.filter((n) => children.includes(n) || !children.some((c) => supersedes(c, n)));
}

/** Whether discovery's note `n` is about the child object `child` (same kind, name and namespace, from its parent's file). */
function supersedes(child: { kind?: string; name?: string; namespace?: string; file?: string }, n: DiscoveryNote): boolean {
  return n.status !== 'info' && n.kind === child.kind && (n.name ?? '') === (child.name ?? '') && (n.namespace ?? '') === (child.namespace ?? '') && n.file === child.file;
}

/**
 * The Applications (`Application/<name>`) and ApplicationSets (`ApplicationSet/<name>`) whose environments
 * discovery took in from the render of parent environment `envName`.
 */
function expandedChildren(envName: string, environments: Iterable<Environment>): Set<string> {
  const out = new Set<string>();
  for (const e of environments) {
    if (e.source !== 'argocd' || e.producedBy?.environment !== envName) continue;
    if (e.producedBy.kind === 'ApplicationSet') out.add(`ApplicationSet/${e.producedBy.name}`);
    else if (e.argocdRemoval?.app) out.add(`Application/${e.argocdRemoval.app}`);
  }
  return out;
}

/** The folders of this repository an Application's sources deploy (`path` of a source whose repoURL is this repository). */
function ownFolders(app: Record<string, unknown>, repoUrls: readonly string[] | undefined): string[] {
  const spec = app.spec as Record<string, unknown> | undefined;
  const sources = [spec?.source, ...(Array.isArray(spec?.sources) ? spec.sources : [])].filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
  const out: string[] = [];
  for (const source of sources) {
    const path = typeof source.path === 'string' ? source.path.replace(/^\.\//, '').replace(/\/+$/, '') : undefined;
    if (path === undefined || path.startsWith('/') || path.split('/').includes('..')) continue;
    if (repoUrls && repoUrls.length > 0 && !isSameRepo(source.repoURL, repoUrls)) continue;
    out.push(path === '' ? '.' : path);
  }
  return out;
}

/**
 * A parent whose chart one side could not fetch (a source the pull request introduces, an unreachable
 * repository, a version it lacks) has no children there: unknown, not gone. Its children of the other side
 * are taken as that side's too, so the plan does not read as every child created or every child removed
 * with its objects deleted; the parent's own render says it was not previewed (or is wrong). Only asked when
 * the children differ, so one more fetch (cached, or failing again at once) is the whole cost.
 */
export async function settleUnfetchedCharts(base: Map<string, Environment>, head: Map<string, Environment>, charts: ChartFetcher | undefined): Promise<void> {
  if (!charts) return;
  for (const [name, h] of head) {
    const b = base.get(name);
    if (!b || b.source !== 'argocd' || h.source !== 'argocd' || !b.remoteChart || !h.remoteChart) continue;
    const [bc, hc] = [childrenOf(name, base), childrenOf(name, head)];
    if ((bc.length > 0) === (hc.length > 0)) continue;
    const [empty, full, from] = hc.length === 0 ? [head, bc, h] : [base, hc, b];
    if (await fetches(charts, from.remoteChart!)) continue;
    for (const child of full) if (!empty.has(child.name)) empty.set(child.name, child);
  }
}

/** The environments discovery took in from the render of parent environment `parent`, and theirs, all the way down. */
function childrenOf(parent: string, envs: Map<string, Environment>): Environment[] {
  const out: Environment[] = [];
  const parents = new Set([parent]);
  for (let grew = true; grew;) {
    grew = false;
    for (const e of envs.values()) {
      if (e.producedBy?.environment && parents.has(e.producedBy.environment) && !out.includes(e)) {
        out.push(e);
        parents.add(e.name);
        grew = true;
      }
    }
  }
  return out;
}

async function fetches(charts: ChartFetcher, remote: RemoteChart): Promise<boolean> {
  if (!remote.source.version) return false;
  try {
    await charts.fetch(remote.source);
    return true;
  } catch (e) {
    if (e instanceof ChartFetchError) return false;
    throw e;
  }
}
