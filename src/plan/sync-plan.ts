import { objectApplyOptions, syncSemanticsOf } from '../model/apply-options.ts';
import type { Environment } from '../model/environment.ts';
import { helmCrdsApply } from '../model/helm-crds.ts';
import { groupOf, shownId, type RenderedObject } from '../model/object.ts';
import { orderForSync, type SyncItem } from '../model/sync-order.ts';
import type { PlannedHook, SkippedObject, SyncPlan } from '../model/sync-plan.ts';
import { hookDisplayName, objectKeys } from '../model/sync.ts';
import { syncRolesOf } from '../model/sync-role.ts';

/**
 * The sync plan of a render under the environment's semantics (src/model/sync.ts, model/sync-role.ts):
 * hooks in run order, objects per wave after Argo CD's namespace/CRD adjustment, and objects a sync never
 * applies — by Argo CD's rules, or Helm's for a Fleet bundle or a Flux HelmRelease (its hooks by weight; no
 * waves; a HelmRelease's crds/ CRDs its crds policy skips, and hooks `disableHooks` turns off). Undefined
 * when the environment honours no hooks or when the sync is one plain apply.
 */
export function syncPlanOf(env: Pick<Environment, 'source' | 'apply' | 'namespace'> & Partial<Pick<Environment, 'path' | 'fleet' | 'helmRelease'>>, objects: readonly RenderedObject[]): SyncPlan | undefined {
  if (syncSemanticsOf(env) === 'flux') return fluxSyncPlan(env, objects);
  const roles = syncRolesOf(env);
  if (!roles) return undefined;
  const items: Array<SyncItem & { hook?: PlannedHook }> = [];
  const skipped: SkippedObject[] = [];
  for (const rendered of objects) {
    const { object, source } = rendered;
    const role = roles(rendered);
    const where = source ? { file: source.file, ...(source.line ? { line: source.line } : {}) } : {};
    const namespace = object.metadata?.namespace ?? '';
    const crdsSkip = role.role === 'resource' ? helmCrdsNever(env, rendered) : undefined;
    if (role.role === 'skipped' || crdsSkip !== undefined) {
      skipped.push({ apiVersion: object.apiVersion, kind: object.kind, namespace, name: hookDisplayName(object), reason: role.role === 'skipped' ? role.reason : crdsSkip!, ...where });
      continue;
    }
    const base = { group: groupOf(object.apiVersion), kind: object.kind, namespace, name: hookDisplayName(object) };
    if (role.role === 'resource') {
      const spec = object.spec as { group?: unknown; names?: { kind?: unknown } } | undefined;
      const defines = base.group === 'apiextensions.k8s.io' && object.kind === 'CustomResourceDefinition' && typeof spec?.group === 'string' && typeof spec.names?.kind === 'string'
        ? `${spec.group}/${spec.names.kind}` : undefined;
      items.push({ ...base, phase: 'Sync', wave: role.wave, ...(defines ? { defines } : {}) });
      continue;
    }
    for (const phase of role.phases) {
      items.push({
        ...base,
        phase,
        wave: role.wave,
        hook: {
          phase,
          wave: role.wave,
          apiVersion: object.apiVersion,
          kind: object.kind,
          namespace: namespace || env.namespace || '',
          name: base.name,
          ...(object.metadata?.name ? {} : { generateName: true }),
          deletePolicies: role.deletePolicies,
          declaredBy: role.declaredBy,
          ...where,
        },
      });
    }
  }
  const ordered = orderForSync(items);
  const hooks = ordered.flatMap((i) => (i.hook ? [{ ...i.hook, phase: i.phase, wave: i.wave }] : []));
  const perWave = new Map<number, number>();
  for (const i of ordered) if (!i.hook && i.phase === 'Sync') perWave.set(i.wave, (perWave.get(i.wave) ?? 0) + 1);
  const waves = [...perWave].sort((a, b) => a[0] - b[0]).map(([wave, count]) => ({ wave, objects: count }));
  if (hooks.length === 0 && skipped.length === 0 && waves.length <= 1) return undefined;
  return { hooks, waves, skipped };
}

/**
 * Flux: the objects kustomize-controller never applies (`ssa: Ignore`, `reconcile: disabled`), and the
 * crds/ CRDs of a HelmRelease's chart that helm-controller's crds policy skips, with why.
 */
function fluxSyncPlan(env: Pick<Environment, 'apply'>, objects: readonly RenderedObject[]): SyncPlan | undefined {
  const skipped: SkippedObject[] = [];
  for (const rendered of objects) {
    const reason = fluxNeverApplied(env, rendered);
    if (reason === undefined) continue;
    const { object, source } = rendered;
    skipped.push({
      apiVersion: object.apiVersion, kind: object.kind, namespace: object.metadata?.namespace ?? '', name: shownId(object).name,
      reason, ...(source ? { file: source.file, ...(source.line ? { line: source.line } : {}) } : {}),
    });
  }
  return skipped.length > 0 ? { hooks: [], waves: [], skipped } : undefined;
}

/** Why helm-controller never applies this crds/ CRD of a HelmRelease chart (its crds policy), or undefined. */
function helmCrdsNever(env: Pick<Environment, 'apply'>, { helmCrds }: Pick<RenderedObject, 'helmCrds'>): string | undefined {
  const crds = helmCrds ? helmCrdsApply(helmCrds, env.apply?.helmRelease) : undefined;
  return crds?.apply === 'never' ? crds.reason ?? 'excluded' : undefined;
}

/** Why kustomize-controller / helm-controller never applies this object, or undefined when they do. */
function fluxNeverApplied(env: Pick<Environment, 'apply'>, { object, helmCrds }: RenderedObject): string | undefined {
  const options = objectApplyOptions(object, env.apply, 'flux');
  const crds = helmCrds && options.apply !== 'never' ? helmCrdsApply(helmCrds, env.apply?.helmRelease) : undefined;
  if (options.apply !== 'never' && crds?.apply !== 'never') return undefined;
  return (crds?.apply === 'never' ? crds.reason : options.skipReason) ?? 'excluded';
}

/**
 * The keys (src/model/sync.ts: objectKeys) of the head's objects a sync never applies — Argo CD's
 * `hook: Skip`, Flux's `ssa: Ignore` / `reconcile: disabled`, a chart's crds/ CRDs its crds policy skips,
 * a Helm hook the release operation does not run (Fleet and HelmRelease: `test`, `pre-delete`, an unknown
 * hook type, a HelmRelease's hooks under `disableHooks`).
 * The plan keeps them out of its changes at both commits (the head decides what a sync will do; the diff
 * keys both commits the same way, so a `generateName` hook is matched as the diff matches it): the Sync
 * section lists them with why, and a change to them is not a change the cluster will see.
 */
export function neverAppliedIds(env: Pick<Environment, 'source' | 'apply' | 'namespace'> & Partial<Pick<Environment, 'path' | 'fleet' | 'helmRelease'>>, objects: readonly RenderedObject[]): Set<string> {
  const semantics = syncSemanticsOf(env);
  const out = new Set<string>();
  const roles = syncRolesOf(env);
  if (!roles && semantics !== 'flux') return out;
  const keys = objectKeys(objects.map((o) => o.object));
  objects.forEach((rendered, i) => {
    const never = roles ? roles(rendered).role === 'skipped' || helmCrdsNever(env, rendered) !== undefined : fluxNeverApplied(env, rendered) !== undefined;
    if (never) out.add(keys[i]);
  });
  return out;
}
