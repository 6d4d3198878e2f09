/**
 * Deletions the GitOps controller does not make: an object a change removes from Git that the controller
 * leaves in the cluster is not shown as deleted; the plan lists it as kept, with why (SyncPlan.kept). The
 * rules are the ones the merge's prune follows (src/cluster/prune-rules.ts pruneKeepReason; what both ask,
 * model/apply-options.ts objectApplyOptions and controllerKeepReason), so the plan and the merge agree:
 * - Argo CD: a sync's prune skips an object with `Prune=false` or `Prune=confirm` — in its own
 *   `argocd.argoproj.io/sync-options` annotation, or in the Application's `syncPolicy.syncOptions` (for a
 *   generated Application: the ApplicationSet template's) — argo-cd docs user-guide/sync-options.md "No Prune
 *   Resources", gitops-engine sync_context.go (prune skipped for SyncOptionDisablePrune / confirm); when the
 *   Application itself is deleted with its objects (the resources finalizer: an ApplicationSet that stops
 *   generating it, a parent that prunes it), `Prune=` no longer counts: `Delete=false` / `Delete=confirm`, a
 *   CRD and a `helm.sh/resource-policy: keep` object stay (argo-cd controller/appcontroller.go shouldBeDeleted,
 *   user-guide/sync-options.md "No Resource Deletion").
 * - Flux Kustomization: `kustomize.toolkit.fluxcd.io/prune: disabled`, `reconcile: disabled`, `ssa: Ignore`
 *   (its garbage collection's Exclusions), and with `spec.prune` off nothing Git drops is deleted
 *   (kustomize-controller kustomization_controller.go prune: `if !obj.Spec.Prune { return }`).
 * - Argo CD: an Application synced automatically without `automated.prune` deletes nothing Git drops (it
 *   shows OutOfSync): kept, as the merge's apply (prune off) leaves it (syncPruneOffReason).
 * - Argo CD without automated sync (synced by hand, `/bosun apply` on merge), and under an ApplicationSet's
 *   RollingSync without prune: kept, with why (syncPruneOffReason).
 * - Flux HelmRelease: Helm's `helm.sh/resource-policy: keep`, on an upgrade and on the uninstall; a CRD of the
 *   chart's crds/ folder always (Helm never deletes one: model/helm-crds.ts helmCrdsKeepReason).
 * - Rancher Fleet bundle: the same Helm rules (the agent's post-renderer marks CRDs `keep`: render/fleet-crds.ts), and nothing else of Argo CD's — its agent's Helm ignores
 *   `argocd.argoproj.io/sync-options` `Prune=false` / `Delete=false`, and so does the merge's prune (the
 *   environment's 'helm' semantics, model/apply-options.ts syncSemanticsOf).
 * - Environments bosun alone applies (`.bosun.yaml`, `clusters/<name>/`): `prune: false` keeps what Git drops
 *   and, when the environment is removed, all its objects (the merge's removed-environment prune stops at
 *   it: model/apply-options.ts bosunRemovalKeepReason); otherwise the Argo CD `Prune=` / `Delete=` options,
 *   which bosun's prune reads for them.
 * - Any environment: `bosun.dev/prune: disabled`, which bosun's prune never deletes.
 * A removed GitOps environment whose objects all stay is not diffed at all (discover/affected.ts), so this
 * sees only the ones the controller deletes.
 */
import { bosunPruneAnnotation, bosunPruneDisabled, bosunRemovalKeepReason, controllerKeepReason, deleterOf, isBosunPruneDisabled, objectApplyOptions, syncPruneOffReason, syncSemanticsOf, type Deleter } from '../model/apply-options.ts';
import type { Change } from '../model/change.ts';
import type { Environment } from '../model/environment.ts';
import { helmCrdsKeepReason } from '../model/helm-crds.ts';
import { objectId, type RenderedObject } from '../model/object.ts';
import { syncOptionsAnnotation } from '../model/sync.ts';
import type { KeptObject } from '../model/sync-plan.ts';

/** `changes` without the deletions the controller does not make, and those as kept objects; `removal`: the environment is gone at head. */
export function keptByController(env: Environment, baseObjects: readonly RenderedObject[], changes: Change[], removal: boolean): { changes: Change[]; kept: KeptObject[] } {
  const deleter = deleterOf(env);
  if (!changes.some((c) => c.action === 'delete')) return { changes, kept: [] };
  const byId = new Map(baseObjects.map((o) => [idOf(o.object.kind, o.object.metadata?.namespace, o.object.metadata?.name), o]));
  const kept: KeptObject[] = [];
  const rest = changes.filter((change) => {
    if (change.action !== 'delete') return true;
    const base = byId.get(idOf(change.kind, change.namespace, change.name));
    if (!base || objectId(base.object).name === '') return true;
    const reason = keepReason(env, deleter, base, removal);
    if (!reason) return true;
    kept.push({
      apiVersion: change.apiVersion, kind: change.kind, namespace: change.namespace, name: change.name, reason,
      ...(change.file ? { file: change.file } : {}), ...(change.line ? { line: change.line } : {}),
    });
    return false;
  });
  return { changes: rest, kept };
}

function idOf(kind: string | undefined, namespace: string | undefined, name: string | undefined): string {
  return `${kind ?? ''}\u0000${namespace ?? ''}\u0000${name ?? ''}`;
}

function keepReason(env: Environment, deleter: Deleter | undefined, base: RenderedObject, removal: boolean): string | undefined {
  // bosun's own opt-out, which its prune honours whoever else would delete the object (cluster/prune-rules.ts).
  if (isBosunPruneDisabled(base.object)) return `annotated ${bosunPruneAnnotation}: ${bosunPruneDisabled}: bosun's prune never deletes it`;
  if (!deleter) {
    // bosun alone applies it: `prune: false` keeps what Git drops, and everything when the environment goes;
    // otherwise the Argo CD sync options bosun honours for every environment without a controller of its own.
    const keeps = removal ? bosunRemovalKeepReason(env) : syncPruneOffReason(env);
    if (keeps) return removal ? `${keeps}: bosun's merge does not prune a removed environment that had it` : keeps;
    return syncSemanticsOf(env) === 'argocd' ? syncOptionKeepReason(env, base, removal, 'bosun') : undefined;
  }
  // A chart's crds/ CRD is never in a Helm release: neither its upgrade nor its uninstall deletes one, nor does
  // bosun's prune (cluster/prepare.ts keeps it out of the inventory).
  if (base.helmCrds && (deleter === 'helm' || deleter === 'fleet')) return helmCrdsKeepReason(base.helmCrds, removal);
  const held = controllerKeepReason(base.object, deleter, removal);
  if (held) return held;
  if (deleter === 'kustomize-controller') {
    const flux = objectApplyOptions(base.object, env.apply, 'flux');
    if (flux.keepReason) return `${flux.keepReason}: kustomize-controller's garbage collection never deletes it`;
    return removal ? undefined : syncPruneOffReason(env);
  }
  if (deleter !== 'argocd' || syncSemanticsOf(env) !== 'argocd') return undefined;
  // Automated sync without prune: nothing Git drops is deleted (the merge's apply runs with prune off alike).
  if (!removal && !env.prune) return syncPruneOffReason(env);
  return syncOptionKeepReason(env, base, removal, 'argocd');
}

/**
 * `Prune=` / `Delete=` (the object's `argocd.argoproj.io/sync-options`, else the environment's), as Argo CD's
 * sync and cascading deletion read them and as bosun's prune reads them for environments it alone applies.
 */
function syncOptionKeepReason(env: Environment, base: RenderedObject, removal: boolean, who: 'argocd' | 'bosun'): string | undefined {
  const options = objectApplyOptions(base.object, env.apply, 'argocd');
  const own = base.object.metadata?.annotations?.[syncOptionsAnnotation];
  const settings = who === 'argocd' ? "the Application's syncPolicy.syncOptions" : "the environment's syncOptions";
  const where = (key: string) => (typeof own === 'string' && own.includes(`${key}=`) ? `annotated ${syncOptionsAnnotation}: ${key}=` : `${settings} ${key}=`);
  const confirm = 'bosun has no confirmation step and leaves it';
  if (removal) {
    if (options.delete === 'no') return who === 'argocd' ? `${where('Delete')}false: Argo CD deletes the Application's objects but leaves this one` : `${where('Delete')}false: bosun's prune of the removed environment leaves it`;
    if (options.delete === 'confirm') return `${where('Delete')}confirm: ${who === 'argocd' ? 'Argo CD deletes it only once someone confirms; ' : ''}${confirm}`;
    return undefined;
  }
  if (options.prune === 'no') return who === 'argocd' ? `${where('Prune')}false: Argo CD's sync never prunes it, so it stays in the cluster although Git no longer has it` : `${where('Prune')}false: bosun's prune never deletes it`;
  if (options.prune === 'confirm') return `${where('Prune')}confirm: ${who === 'argocd' ? 'Argo CD prunes it only once someone confirms; ' : ''}${confirm}`;
  return undefined;
}
