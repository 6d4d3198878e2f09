/**
 * An app of apps through a fetched chart: an Argo CD Application whose source is a chart from a Helm
 * repository or OCI registry renders Applications (or ApplicationSets), which Argo CD creates and then syncs.
 * Discovery expands app-of-apps parents of this repository (source-argocd.ts), but a fetched chart is only
 * rendered here, after discovery, so its children are not expanded: what they deploy is not previewed. Each is
 * said as a not-previewed note, never silently: it names the chart and the parent, and reads the parent's
 * file (a version bump or values change may change the children) and the child's folders of this repository,
 * so a change to them is one bosun cannot judge (exit code 3, the neutral check).
 */
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import { isSameRepo } from '../discover/repo-url.ts';

const childKinds = new Set(['Application', 'ApplicationSet']);

export function chartChildNotes(envName: string, env: Environment, objects: readonly RenderedObject[], repoUrls: readonly string[] | undefined): DiscoveryNote[] {
  if (env.source !== 'argocd' || !env.remoteChart) return [];
  const chart = env.remoteChart.source.kind === 'oci' ? env.remoteChart.source.ref : `${env.remoteChart.source.chart} from ${env.remoteChart.source.repoUrl}`;
  const parentFile = env.definedIn?.file;
  const notes: DiscoveryNote[] = [];
  for (const { object } of objects) {
    if (!object.apiVersion?.startsWith('argoproj.io/') || !childKinds.has(object.kind ?? '')) continue;
    const name = object.metadata?.name ?? '';
    const folders = object.kind === 'Application' ? ownFolders(object as unknown as Record<string, unknown>, repoUrls) : [];
    const reads = [...new Set([...(parentFile ? [parentFile] : []), ...folders])].sort();
    notes.push({
      status: 'not-previewed',
      kind: object.kind ?? 'Application',
      ...(object.apiVersion ? { apiVersion: object.apiVersion } : {}),
      ...(name ? { name } : {}),
      ...(object.metadata?.namespace ? { namespace: object.metadata.namespace } : {}),
      ...(parentFile ? { file: parentFile } : {}),
      ...(env.definedIn?.line ? { line: env.definedIn.line } : {}),
      reason: `rendered by the chart ${chart} of Argo CD Application ${envName} (app of apps): Argo CD creates this ${object.kind} and syncs what it deploys, which bosun does not expand for a chart it fetches, so that is not previewed — only the ${object.kind} object itself is in ${envName}'s changes`,
      environments: [envName],
      ...(reads.length > 0 ? { reads } : {}),
    });
  }
  return notes;
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
