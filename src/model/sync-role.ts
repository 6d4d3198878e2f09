import { syncSemanticsOf, type ApplyPolicy } from './apply-options.ts';
import type { HelmReleaseAction } from './helm-crds.ts';
import { fleetHelmTemplate, helmReleaseSyncRoleOf, helmSyncRoleOf } from './helm-hooks.ts';
import type { RenderedObject } from './object.ts';
import { syncRoleOf, type SyncRole } from './sync.ts';

/** What decides how a sync treats an environment's objects: its semantics and, for Helm, where an object comes from. */
export interface SyncRoleEnvironment {
  source?: string;
  apply?: ApplyPolicy;
  /** A Flux HelmRelease (model/environment.ts HelmReleaseTarget): helm-controller's Helm applies it. */
  helmRelease?: unknown;
}

/**
 * How a sync of this environment treats each rendered object (hook, resource, never applied), by its
 * semantics (model/apply-options.ts syncSemanticsOf): Argo CD's rules (model/sync.ts syncRoleOf); Helm's
 * (model/helm-hooks.ts) for what the Fleet agent's Helm or helm-controller's reads as a hook — in a Fleet
 * bundle a chart template only, as its renderer marks them (RenderedObject.helmTemplate) — everything
 * else being a resource; undefined when every object is a plain resource (a Flux Kustomization, none). `action`: the Helm release is installed or
 * upgraded (default: the environment's `apply.helmRelease`, which a plan sets; unknown: either).
 */
export function syncRolesOf(env: SyncRoleEnvironment, action?: HelmReleaseAction): ((rendered: Pick<RenderedObject, 'object' | 'source' | 'helmCrds' | 'helmHooksDisabled' | 'helmTemplate'>) => SyncRole) | undefined {
  const semantics = syncSemanticsOf(env);
  if (semantics === 'argocd') return (rendered) => syncRoleOf(rendered.object);
  if (semantics !== 'helm') return undefined;
  const helmAction = action ?? env.apply?.helmRelease;
  // A Flux HelmRelease: every object of its render is one of its chart's templates (its kustomize
  // post-renderers patch objects, they add none), except the crds/ CRDs, which Helm installs apart from the
  // release by helm-controller's crds policy (model/helm-crds.ts). helm-controller's default post-render
  // strategy (Helm 4's `combined`) post-renders hooks with the other templates and splits them after, so
  // a `helm.sh/hook` is read on the post-rendered object, as bosun renders it (render/helmrelease.ts;
  // under `nohooks` the render leaves hooks as the chart renders them).
  if (env.source === 'flux' && env.helmRelease !== undefined) {
    return (rendered) => (rendered.helmCrds ? { role: 'resource', wave: 0 } : helmReleaseSyncRoleOf(rendered.object, helmAction, rendered.helmHooksDisabled));
  }
  // A Fleet bundle chart's crds/ objects are no templates: resources here, created or left alone by Helm's CRD
  // rule as their `helmCrds` says (model/helm-crds.ts fleetChartCrds; plan/sync-plan.ts, cluster/prepare.ts).
  // Another environment given Helm's semantics (apply.semantics) is a chart's render: every object a template.
  const isTemplate = env.source === 'fleet' ? fleetHelmTemplate : () => true;
  return (rendered) => (isTemplate(rendered) ? helmSyncRoleOf(rendered.object, helmAction) : { role: 'resource', wave: 0 });
}
