import type { ArgoProject, Environment, GroupKindPattern } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { goPathMatch } from '../util/argocd-glob.ts';
import { argocdDestinationCluster, argocdDestinationMatched } from '../util/argocd-project-rules.ts';
import { isNamespacedKind } from './builtin-schemas.ts';

/**
 * What an Argo CD Application's AppProject (defined in this repository) does not let it deploy, as warnings:
 * Argo CD refuses to sync such an object ("resource … is not permitted in project …"). Kinds are matched as
 * AppProject.IsGroupKindPermitted matches them — isResourceInList: Go filepath.Match over kind and group; a
 * namespaced kind must be in namespaceResourceWhitelist when that is set and not in namespaceResourceBlacklist;
 * a cluster-scoped one must be in clusterResourceWhitelist (none allows none: Argo CD 1.8.7 release notes) and
 * not in clusterResourceBlacklist; an entry's `name` pattern is not compared (it only narrows) — and a
 * namespaced object's namespace must match a destination with the Application's server or name
 * (IsDestinationPermitted: util/glob, `!` patterns deny). The Application itself is refused — nothing syncs — when
 * a source's repoURL is not in sourceRepos, its destination matches none, or it lives outside Argo CD's namespace
 * without sourceNamespaces (discover/argocd-project.ts projectForApplication). Warnings, not errors: the AppProject Argo CD holds may differ from the file, which bosun
 * cannot see.
 */
export function argocdProjectFindings(env: Environment, objects: readonly RenderedObject[]): ValidationFinding[] {
  const project = env.argocdProject;
  if (!project) return [];
  const out: ValidationFinding[] = [];
  const app = project.application;
  for (const why of app?.refusals ?? []) {
    out.push({
      severity: 'warning',
      ...(env.definedIn?.file ? { file: env.definedIn.file } : {}),
      ...(env.definedIn?.line ? { line: env.definedIn.line } : {}),
      object: `argoproj.io/v1alpha1 Application ${env.name}`,
      path: '',
      message: `Argo CD refuses to sync the Application (nothing it renders is deployed): ${why} in AppProject ${project.name} (${project.file})`,
    });
  }
  for (const { object, source } of objects) {
    const group = object.apiVersion.includes('/') ? object.apiVersion.slice(0, object.apiVersion.indexOf('/')) : '';
    const namespace = object.metadata?.namespace;
    const namespaced = namespace !== undefined && namespace !== '' ? true : (isNamespacedKind(object.apiVersion, object.kind) ?? !object.kind.startsWith('Cluster'));
    const why = refusal(project, group, object.kind, namespaced, namespace, app?.destination ?? { server: '', name: '' });
    if (!why) continue;
    out.push({
      severity: 'warning',
      ...(source?.file ? { file: source.file } : {}),
      ...(source?.line ? { line: source.line } : {}),
      object: `${object.apiVersion} ${object.kind} ${namespace ? `${namespace}/` : ''}${object.metadata?.name ?? ''}`,
      path: '',
      message: `Argo CD refuses to sync it: ${why} in AppProject ${project.name} (${project.file})`,
    });
  }
  return out;
}

function refusal(p: ArgoProject, group: string, kind: string, namespaced: boolean, namespace: string | undefined, destination: { server: string; name: string }): string | undefined {
  const gk = `${group || 'core'}/${kind}`;
  if (namespaced) {
    if (p.namespaceResourceWhitelist && !listed(p.namespaceResourceWhitelist, group, kind)) return `${gk} is not in namespaceResourceWhitelist`;
    if (listed(p.namespaceResourceBlacklist, group, kind)) return `${gk} is in namespaceResourceBlacklist`;
    // The sync checks each object's namespace with the Application's server and name (IsDestinationPermitted).
    // Without them (an environment bosun did not take from an Application) only the namespaces are compared.
    // Without them (an environment bosun did not take from an Application) its cluster is unknown: any matches.
    const dst = destination.server || destination.name ? argocdDestinationCluster(destination) : {};
    if (namespace && !argocdDestinationMatched(p.destinations, { ...dst, namespace })) return `namespace ${namespace} is not one of its destinations`;
    return undefined;
  }
  if (!listed(p.clusterResourceWhitelist, group, kind)) return `cluster-scoped ${gk} is not in clusterResourceWhitelist`;
  if (listed(p.clusterResourceBlacklist, group, kind)) return `cluster-scoped ${gk} is in clusterResourceBlacklist`;
  return undefined;
}

function listed(patterns: readonly GroupKindPattern[], group: string, kind: string): boolean {
  return patterns.some((p) => goPathMatch(p.kind).test(kind) && goPathMatch(p.group).test(group));
}
