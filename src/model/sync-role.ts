import { syncSemanticsOf, type ApplyPolicy } from './apply-options.ts';
import type { FleetBundleRender } from './fleet.ts';
import type { HelmReleaseAction } from './helm-crds.ts';
import { fleetHelmTemplate, helmSyncRoleOf } from './helm-hooks.ts';
import type { RenderedObject } from './object.ts';
import { syncRoleOf, type SyncRole } from './sync.ts';

/** What decides how a sync treats an environment's objects: its semantics and, for Helm, where an object comes from. */
export interface SyncRoleEnvironment {
  source?: string;
  apply?: ApplyPolicy;
  /** The environment's folder (a Fleet bundle's): where its chart's templates are. */
  path?: string;
  fleet?: Pick<FleetBundleRender, 'helm'>;
}

/**
 * How a sync of this environment treats each rendered object (hook, resource, never applied), by its
 * semantics (model/apply-options.ts syncSemanticsOf): Argo CD's rules (model/sync.ts syncRoleOf); Helm's
 * (model/helm-hooks.ts) for what the Fleet agent's Helm reads as a hook, everything else being a resource;
 * undefined when every object is a plain resource (Flux, none). `action`: the Helm release is installed or
 * upgraded (default: the environment's `apply.helmRelease`, which a plan sets; unknown: either).
 */
export function syncRolesOf(env: SyncRoleEnvironment, action?: HelmReleaseAction): ((rendered: Pick<RenderedObject, 'object' | 'source'>) => SyncRole) | undefined {
  const semantics = syncSemanticsOf(env);
  if (semantics === 'argocd') return (rendered) => syncRoleOf(rendered.object);
  if (semantics !== 'helm') return undefined;
  const helmAction = action ?? env.apply?.helmRelease;
  const isTemplate = env.source === 'fleet' && env.path !== undefined
    ? (rendered: Pick<RenderedObject, 'source'>) => fleetHelmTemplate({ path: env.path!, ...(env.fleet ? { fleet: env.fleet } : {}) }, rendered)
    : () => true;
  return (rendered) => (isTemplate(rendered) ? helmSyncRoleOf(rendered.object, helmAction) : { role: 'resource', wave: 0 });
}
