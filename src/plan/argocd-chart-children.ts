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
import type { Environment } from '../model/environment.ts';
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
