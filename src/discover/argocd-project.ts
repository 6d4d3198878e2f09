import type { ArgoProject, ArgoProjectDestination, GroupKindPattern } from '../model/environment.ts';
import { gobwasGlob } from '../util/argocd-glob.ts';
import { argocdDestinationCluster, argocdDestinationMatched, argocdSourcePermitted } from '../util/argocd-project-rules.ts';
import { field, isRecord, list, str } from './object-fields.ts';

/** The namespace bosun takes Argo CD to run in (as for parameter override file names). */
const argocdNamespace = 'argocd';

/** An AppProject object of this repository as the rules bosun checks (see ArgoProject). */
export function argocdProjectOf(object: Record<string, unknown>, file: string): ArgoProject | undefined {
  const name = str(field(object, 'metadata', 'name'));
  if (!name) return undefined;
  const spec = field(object, 'spec');
  const patterns = (key: string): GroupKindPattern[] => list(field(spec, key)).filter(isRecord).map((p) => ({ group: typeof p.group === 'string' ? p.group : '', kind: typeof p.kind === 'string' ? p.kind : '' }));
  const strings = (key: string): string[] => list(field(spec, key)).filter((s): s is string => typeof s === 'string');
  const namespaceWhitelist = field(spec, 'namespaceResourceWhitelist');
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return {
    name,
    file,
    clusterResourceWhitelist: patterns('clusterResourceWhitelist'),
    clusterResourceBlacklist: patterns('clusterResourceBlacklist'),
    ...(Array.isArray(namespaceWhitelist) ? { namespaceResourceWhitelist: patterns('namespaceResourceWhitelist') } : {}),
    namespaceResourceBlacklist: patterns('namespaceResourceBlacklist'),
    destinations: list(field(spec, 'destinations')).map((d): ArgoProjectDestination => ({ server: text(field(d, 'server')), name: text(field(d, 'name')), namespace: text(field(d, 'namespace')) })),
    sourceRepos: strings('sourceRepos'),
    sourceNamespaces: strings('sourceNamespaces'),
  };
}

/**
 * The project as one Application sees it: its destination, and why Argo CD refuses the Application as a whole
 * (controller ValidatePermissions: "application repo … is not permitted in project", "application destination
 * … do not match any of the allowed destinations in project"; IsAppNamespacePermitted for an Application outside
 * Argo CD's namespace). Each source's `repoURL` counts, `ref` and chart sources included.
 */
export function projectForApplication(project: ArgoProject, app: Record<string, unknown>): ArgoProject {
  const refusals: string[] = [];
  const sources = Array.isArray(field(app, 'spec', 'sources'))
    ? list(field(app, 'spec', 'sources')).map((s, i) => ({ source: s, at: `spec.sources[${i}].repoURL` }))
    : [{ source: field(app, 'spec', 'source'), at: 'spec.source.repoURL' }];
  for (const { source, at } of sources) {
    const repoUrl = str(field(source, 'repoURL'));
    if (repoUrl && !argocdSourcePermitted(project.sourceRepos, repoUrl)) refusals.push(`repository ${repoUrl} (${at}) is not permitted by sourceRepos`);
  }
  const destination = { server: str(field(app, 'spec', 'destination', 'server')) ?? '', name: str(field(app, 'spec', 'destination', 'name')) ?? '' };
  const namespace = str(field(app, 'spec', 'destination', 'namespace')) ?? '';
  if (!argocdDestinationMatched(project.destinations, { ...argocdDestinationCluster(destination), namespace })) {
    const where = [destination.server ? `server ${destination.server}` : '', destination.name ? `name ${destination.name}` : '', `namespace ${namespace || '(none)'}`].filter(Boolean).join(', ');
    refusals.push(`destination ${where} matches none of the destinations`);
  }
  const appNamespace = str(field(app, 'metadata', 'namespace'));
  if (appNamespace && appNamespace !== argocdNamespace && !project.sourceNamespaces.some((pattern) => namespacePatternMatches(pattern, appNamespace))) {
    refusals.push(`its namespace ${appNamespace} is not in sourceNamespaces`);
  }
  return { ...project, application: { destination, refusals } };
}

/** IsAppNamespacePermitted (security.IsNamespaceEnabled): glob.MatchStringInList(…, REGEXP): `/re/` a regular expression, else a glob. */
function namespacePatternMatches(pattern: string, value: string): boolean {
  if (pattern.length > 1 && pattern.startsWith('/') && pattern.endsWith('/')) {
    try {
      return new RegExp(pattern.slice(1, -1)).test(value);
    } catch {
      return false;
    }
  }
  return gobwasGlob(pattern).test(value);
}
