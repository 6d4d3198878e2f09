import type { HelmReleaseAction } from './helm-crds.ts';
import type { KubeObject } from './object.ts';
import type { RolloutOrder } from './rollout.ts';
import { annotationValues, hasAnnotationOption, syncOptionsAnnotation, syncWave, type SyncSemantics } from './sync.ts';

/**
 * How the cluster engine applies one environment beyond what every environment gets (server-side apply,
 * inventory, prune, health). Discovery fills it from the tool's own fields — Argo CD's
 * `syncPolicy.syncOptions`, `ignoreDifferences` and `managedNamespaceMetadata`; a Flux Kustomization's
 * fields — so the engine reads one typed structure whatever defined the environment. Add fields here
 * (optional, absent = today's behaviour) rather than new parameters through the engine.
 */
export interface ApplyPolicy {
  /** Whose object annotations are honoured; default from the environment's source (see syncSemanticsOf). */
  semantics?: SyncSemantics;
  /**
   * Argo CD `CreateNamespace=true`: the environment's namespace is created before anything else when
   * missing, with `managedNamespaceMetadata`; it is not in the inventory, so it is never pruned.
   */
  createNamespace?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Application-level `Prune=false` / `Prune=confirm`; an object's own `Prune=` option wins. */
  prune?: 'false' | 'confirm';
  /** Application-level `Delete=false` / `Delete=confirm` (when the environment is removed); an object's own wins. */
  delete?: 'false' | 'confirm';
  /** `PruneLast=true`: prune after every other step. */
  pruneLast?: boolean;
  /** `Replace=true`: replace (create) objects instead of server-side applying them. */
  replace?: boolean;
  /** `PrunePropagationPolicy=`: how prune deletes (default background, as `kubectl delete`). */
  prunePropagationPolicy?: 'foreground' | 'background' | 'orphan';
  /** Fields left out of the apply preview and drift detection (Argo CD `spec.ignoreDifferences`). */
  ignoreDifferences?: IgnoreDifferenceRule[];
  /**
   * Flux `spec.force`: an object whose apply fails on an immutable field is deleted and created again
   * (kustomize-controller's ssa ApplyOptions.Force); per object, `kustomize.toolkit.fluxcd.io/force: enabled`.
   */
  force?: boolean;
  /**
   * Flux `spec.wait`: false waits only for `healthChecks` (none: no health wait at all), true for every
   * applied object (and `healthChecks` is ignored, as the Kustomization API says). Absent: every applied object.
   */
  wait?: boolean;
  /** Flux `spec.healthChecks`: objects waited for after the apply, applied by this environment or not. */
  healthChecks?: HealthCheckRef[];
  /**
   * A Flux HelmRelease: whether helm-controller installs or upgrades the release, which decides whether
   * `install.crds` or `upgrade.crds` governs its chart's crds/ CRDs (model/helm-crds.ts); for it and a
   * Fleet bundle: whether its pre-install or pre-upgrade hooks run (model/helm-hooks.ts). A plan sets it (an upgrade
   * when the base has the release, plan/helmrelease-sides.ts); the merge's apply asks the cluster.
   */
  helmRelease?: HelmReleaseAction;
}

/** One Flux `spec.healthChecks` entry; namespace empty for cluster-scoped objects. */
export interface HealthCheckRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/**
 * One Argo CD `ignoreDifferences` entry (or a Fleet `diff.comparePatches` one, discover/fleet-compare-patches.ts).
 * `group`/`kind` may be globs (`*`); name and namespace match exactly, an absent one matching any.
 */
export interface IgnoreDifferenceRule {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  /** The object's apiVersion must be exactly this (group and version), as Fleet matches a comparePatch's operations. */
  apiVersion?: string;
  /** Name and namespace compared as written, an absent one matching only an object without it (Fleet's operations match by object key). */
  exactKey?: boolean;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

/** The environment's policy and one object's own annotations, resolved. */
export interface ObjectApplyOptions {
  /** Sync wave (0 when the environment does not honour waves). */
  wave: number;
  /** `no`: kept when Git no longer has it (`Prune=false`); `confirm`: kept until someone deletes it by hand. */
  prune: 'yes' | 'no' | 'confirm';
  /** Whether it is deleted when its environment is removed (`Delete=false` / `Delete=confirm`). */
  delete: 'yes' | 'no' | 'confirm';
  pruneLast: boolean;
  replace: boolean;
  /**
   * Whether the object is applied: `always`; `ifNotPresent` (created when missing, never updated: Flux
   * `ssa: IfNotPresent`); `never` (Flux `ssa: Ignore` or `reconcile: disabled`). `skipReason` says which annotation.
   */
  apply: 'always' | 'ifNotPresent' | 'never';
  skipReason?: string;
  /** Delete and create again when the apply fails on an immutable field (Flux `spec.force` / `force: enabled`). */
  recreateOnImmutable: boolean;
  /** Why prune keeps it (Flux `prune: disabled` / `reconcile: disabled`), when a Flux annotation does. */
  keepReason?: string;
}

/** Flux's per-object annotations (kustomize-controller docs, "Controlling the apply behavior of resources"). */
export const fluxAnnotations = {
  reconcile: 'kustomize.toolkit.fluxcd.io/reconcile',
  ssa: 'kustomize.toolkit.fluxcd.io/ssa',
  force: 'kustomize.toolkit.fluxcd.io/force',
  prune: 'kustomize.toolkit.fluxcd.io/prune',
} as const;

/**
 * A Flux selector match (fluxcd/pkg ssa utils.AnyInMetadata): the label or the annotation, non-empty and
 * equal ignoring case (`Disabled` and `disabled` both count).
 */
export function fluxMetadataIs(obj: Pick<KubeObject, 'metadata'> | undefined, key: string, value: string): boolean {
  const meta = obj?.metadata;
  return [meta?.labels?.[key], meta?.annotations?.[key]].some((v) => typeof v === 'string' && v !== '' && v.toLowerCase() === value.toLowerCase());
}

/**
 * Why kustomize-controller would not apply or update `obj` at all (its ExclusionSelector: `reconcile:
 * disabled` or `ssa: Ignore`, on the object in Git or on the one in the cluster), or undefined.
 */
export function fluxExclusion(obj: Pick<KubeObject, 'metadata'> | undefined, where: 'in Git' | 'in the cluster' = 'in Git'): string | undefined {
  if (fluxMetadataIs(obj, fluxAnnotations.reconcile, 'disabled')) return `annotated ${fluxAnnotations.reconcile}: disabled ${where}: Flux neither applies nor prunes it`;
  if (fluxMetadataIs(obj, fluxAnnotations.ssa, 'Ignore')) return `annotated ${fluxAnnotations.ssa}: Ignore ${where}: Flux never applies it`;
  return undefined;
}

/**
 * Argo CD semantics for everything but Flux and Helm releases: a Flux Kustomization's kustomize-controller
 * reads its own annotations instead (discovery writes `apply.semantics: 'flux'`); a Flux HelmRelease (an
 * environment with `helmRelease`) is installed and upgraded by helm-controller with Helm's install and
 * upgrade actions (fluxcd/helm-controller internal/action/install.go, upgrade.go), and a Rancher Fleet
 * bundle by its agent (rancher/fleet internal/helmdeployer/install.go: action.NewInstall /
 * action.NewUpgrade): Helm's hooks, neither Argo CD's nor kustomize-controller's annotations
 * (model/helm-hooks.ts).
 */
export function syncSemanticsOf(env: { source?: string; apply?: ApplyPolicy; helmRelease?: unknown }): SyncSemantics {
  if (env.apply?.semantics) return env.apply.semantics;
  if (env.source === 'flux') return env.helmRelease ? 'helm' : 'flux';
  return env.source === 'fleet' ? 'helm' : 'argocd';
}

/**
 * The options for one object. Per-object `Prune=`/`Delete=` override the Application's (sync-options.md:
 * "setting a Prune sync option on the resource will always override a Prune sync policy defined in the
 * Application"); `PruneLast` and `Replace` apply when either asks (sync_context.go: pruneLast ||
 * annotation, replace || annotation).
 */
export function objectApplyOptions(obj: KubeObject | undefined, policy: ApplyPolicy | undefined, semantics: SyncSemantics): ObjectApplyOptions {
  if (semantics === 'flux') return fluxApplyOptions(obj, policy);
  const argo = semantics === 'argocd';
  const own = argo ? annotationValues(obj, syncOptionsAnnotation) : [];
  const pick = (key: 'Prune' | 'Delete', app: 'false' | 'confirm' | undefined): 'yes' | 'no' | 'confirm' => {
    const value = [...own].reverse().find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1) ?? (argo ? app : undefined);
    return value === 'false' ? 'no' : value === 'confirm' ? 'confirm' : 'yes';
  };
  return {
    wave: argo && obj ? syncWave(obj) : 0,
    prune: pick('Prune', policy?.prune),
    delete: pick('Delete', policy?.delete),
    pruneLast: argo && (policy?.pruneLast === true || hasAnnotationOption(obj, syncOptionsAnnotation, 'PruneLast=true')),
    replace: argo && !hasAnnotationOption(obj, syncOptionsAnnotation, 'Replace=false')
      && (policy?.replace === true || hasAnnotationOption(obj, syncOptionsAnnotation, 'Replace=true')),
    apply: 'always',
    recreateOnImmutable: false,
  };
}

/**
 * kustomize-controller's options for one object (its ssa ApplyOptions and prune DeleteOptions):
 * ExclusionSelector `reconcile: disabled` / `ssa: Ignore` (never applied), IfNotPresentSelector `ssa:
 * IfNotPresent` (created, never updated), ForceSelector `force: enabled` or `spec.force` (recreated on an
 * immutable-field error), prune Exclusions `prune: disabled` / `reconcile: disabled` (never pruned).
 * `ssa: Merge` keeps other managers' fields, which server-side apply already does for bosun.
 */
function fluxApplyOptions(obj: KubeObject | undefined, policy: ApplyPolicy | undefined): ObjectApplyOptions {
  const excluded = fluxExclusion(obj);
  const ifNotPresent = fluxMetadataIs(obj, fluxAnnotations.ssa, 'IfNotPresent');
  // Its garbage collection's Exclusions (kustomize-controller kustomization_controller.go deleteObjects, for a
  // prune and the finalizer alike): `prune: disabled`, `reconcile: disabled`, `ssa: Ignore`.
  const keepReason = fluxMetadataIs(obj, fluxAnnotations.reconcile, 'disabled')
    ? `annotated ${fluxAnnotations.reconcile}: disabled`
    : fluxMetadataIs(obj, fluxAnnotations.prune, 'disabled') ? `annotated ${fluxAnnotations.prune}: disabled`
      : fluxMetadataIs(obj, fluxAnnotations.ssa, 'Ignore') ? `annotated ${fluxAnnotations.ssa}: Ignore` : undefined;
  return {
    wave: 0,
    prune: keepReason ? 'no' : 'yes',
    delete: keepReason ? 'no' : 'yes',
    pruneLast: false,
    replace: false,
    apply: excluded ? 'never' : ifNotPresent ? 'ifNotPresent' : 'always',
    ...(excluded ? { skipReason: excluded } : ifNotPresent ? { skipReason: `annotated ${fluxAnnotations.ssa}: IfNotPresent: Flux creates it when missing and never updates it` } : {}),
    recreateOnImmutable: policy?.force === true || fluxMetadataIs(obj, fluxAnnotations.force, 'enabled'),
    ...(keepReason ? { keepReason } : {}),
  };
}

/**
 * Who deletes an environment's objects when Git drops them or the environment goes, for the rules of that
 * controller beyond per-object sync options (controllerKeepReason): an Argo CD Application, a Flux
 * Kustomization (kustomize-controller), a Flux HelmRelease (Helm, run by helm-controller) or a Fleet bundle
 * (Helm, run by the Fleet agent). Undefined for environments bosun alone applies (`.bosun.yaml`).
 */
export type Deleter = 'argocd' | 'kustomize-controller' | 'helm' | 'fleet';

/**
 * A Fleet bundle, whatever its content (raw YAML, kustomize, a chart), is a Helm release the Fleet agent
 * upgrades (rancher/fleet internal/helmdeployer/install.go: action.NewUpgrade) and uninstalls when the bundle
 * goes (delete.go deleteByRelease: action.NewUninstall, or with keepResources only the release history), so
 * Helm's own rules decide what stays: 'fleet' follows the 'helm' rules.
 */
export function deleterOf(env: { source?: string; helmRelease?: unknown }): Deleter | undefined {
  if (env.source === 'argocd') return 'argocd';
  if (env.source === 'flux') return env.helmRelease ? 'helm' : 'kustomize-controller';
  if (env.source === 'fleet') return 'fleet';
  return undefined;
}

/** bosun's own opt-out of prune, on any object of any environment (cluster/prune-rules.ts, plan/kept.ts). */
export const bosunPruneAnnotation = 'bosun.dev/prune';
export const bosunPruneDisabled = 'disabled';

/** Whether `obj` carries `bosun.dev/prune: disabled` (exactly), which bosun's prune always honours. */
export function isBosunPruneDisabled(obj: Pick<KubeObject, 'metadata'> | undefined): boolean {
  return obj?.metadata?.annotations?.[bosunPruneAnnotation] === bosunPruneDisabled;
}

/** Helm's resource policy annotation (helm pkg/kube/resource_policy.go ResourcePolicyAnno, KeepPolicy). */
export const helmResourcePolicyAnnotation = 'helm.sh/resource-policy';

const isCrd = (obj: Pick<KubeObject, 'apiVersion' | 'kind'>) => obj.kind === 'CustomResourceDefinition' && (obj.apiVersion ?? '').startsWith('apiextensions.k8s.io/');

/**
 * Why the controller that deletes this environment's objects leaves `obj` in the cluster, beyond the
 * per-object options objectApplyOptions reads (`Prune=`/`Delete=`, Flux's prune Exclusions), or undefined.
 * `removal`: the environment itself goes (an Application deleted with its objects, a HelmRelease uninstalled)
 * rather than Git dropping the object. Plan and prune both ask it (plan/kept.ts, cluster/prune-rules.ts):
 * - Argo CD, only when the Application is deleted: its cascading deletion skips CRDs and objects annotated
 *   `helm.sh/resource-policy: keep` (argo-cd controller/appcontroller.go shouldBeDeleted: `!kube.IsCRD(obj)`,
 *   `HasAnnotationOption(obj, helm.ResourcePolicyAnnotation, helm.ResourcePolicyKeep)`; argo-cd#13157, v2.8).
 *   A sync's prune honours neither (gitops-engine pkg/sync/sync_context.go pruneObject reads only Prune=, and
 *   argo-cd#17819 reports `keep` objects pruned): such an object is deleted when Git drops it.
 * - Helm (a Flux HelmRelease): an upgrade does not delete what the chart no longer renders when the object in
 *   the cluster says `helm.sh/resource-policy: keep` exactly (helm pkg/kube/client.go Update), nor does the
 *   uninstall when the release manifest says so, ignoring case and spaces (pkg/action/resource_policy.go
 *   filterManifestsToKeep). A CRD of the chart's crds/ folder is never deleted either (held out of the
 *   inventory, cluster/environment.ts).
 * - Fleet: the same Helm rules, the agent deploying every bundle as a Helm release (deleterOf).
 */
export function controllerKeepReason(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>, deleter: Deleter | undefined, removal: boolean): string | undefined {
  const policy = obj.metadata?.annotations?.[helmResourcePolicyAnnotation];
  if (deleter === 'argocd') {
    if (!removal) return undefined;
    if (isCrd(obj)) return 'a CustomResourceDefinition: Argo CD\'s cascading deletion of an Application never deletes CRDs (their custom resources would go with them)';
    if (hasAnnotationOption(obj, helmResourcePolicyAnnotation, 'keep')) return `annotated ${helmResourcePolicyAnnotation}: keep: Argo CD's cascading deletion of the Application leaves it`;
    return undefined;
  }
  if ((deleter === 'helm' || deleter === 'fleet') && typeof policy === 'string') {
    const uninstall = deleter === 'fleet' ? 'the Fleet agent\'s Helm uninstall of the bundle' : 'helm-controller\'s uninstall of the release';
    if (removal && policy.trim().toLowerCase() === 'keep') return `annotated ${helmResourcePolicyAnnotation}: keep: ${uninstall} leaves it`;
    if (!removal && policy === 'keep') return `annotated ${helmResourcePolicyAnnotation}: keep: the Helm upgrade leaves it although the ${deleter === 'fleet' ? 'bundle' : 'chart'} no longer renders it`;
  }
  return undefined;
}

/**
 * Why removing this environment (its definition gone from Git) leaves its objects in the cluster, or
 * undefined when they are deleted. The merge's prune of a removed environment asks it
 * (queue/workflows/apply/apply-job.ts pruneRemoved); the plan reads the same verdict (discover/affected.ts:
 * `keepObjectsOnRemoval` makes the removal not affected, so no deletions are shown and no prune is queued).
 * - A GitOps controller deletes by its own deletion rules, whatever its sync's prune says; discovery writes
 *   `keepObjectsOnRemoval` when they leave the objects (Argo CD: no resources finalizer, nothing deletes the
 *   Application; Flux: suspended, deletionPolicy Orphan, MirrorPrune without spec.prune). A Flux
 *   Kustomization with deletionPolicy `Delete` or `WaitForTermination` deletes its inventory on deletion even
 *   with `spec.prune: false` (kustomize-controller internal/controller/kustomization_controller.go
 *   finalizerShouldDeleteResources: `case DeletionPolicyDelete: return true`, `case
 *   DeletionPolicyWaitForTermination: return true`; docs spec.md "Deletion policy").
 * - An environment bosun alone applies (`.bosun.yaml`) keeps its objects with `prune: false`
 *   (bosunRemovalKeepReason; the plan lists them as kept).
 */
export function removalKeepReason(env: { source?: string; helmRelease?: unknown; prune: boolean; keepObjectsOnRemoval?: string }): string | undefined {
  if (env.keepObjectsOnRemoval) return env.keepObjectsOnRemoval;
  return bosunRemovalKeepReason(env);
}

/**
 * The part of removalKeepReason for environments bosun alone applies (no GitOps controller deletes them):
 * `prune: false` keeps a removed environment's objects. The merge still runs the removed environment's prune
 * job, which stops there (a neutral check run: "its objects stay (prune: false)"), so the plan shows the
 * removal as affected with every object kept for this reason (discover/affected.ts, plan/kept.ts).
 */
export function bosunRemovalKeepReason(env: { source?: string; helmRelease?: unknown; prune: boolean }): string | undefined {
  if (deleterOf(env)) return undefined;
  return env.prune ? undefined : 'prune: false';
}

/**
 * Why a sync leaves what Git drops from this environment in the cluster (nothing prunes it), or undefined
 * when it is pruned. The same `prune` the merge's apply follows (cluster/environment.ts: `prune is off`,
 * nothing Git dropped is deleted, on merge and on `/bosun apply` alike); the plan lists such objects as kept
 * with this reason (plan/kept.ts).
 * - Flux Kustomization: `spec.prune: false` (kustomize-controller kustomization_controller.go prune:
 *   `if !obj.Spec.Prune { return false, nil }`).
 * - Argo CD Application synced automatically without `automated.prune`: the sync applies but deletes
 *   nothing, and the Application shows OutOfSync (argo-cd docs/user-guide/auto_sync.md "Automatic Pruning":
 *   "by default (and as a safety mechanism), automated sync will not delete resources when Argo CD detects
 *   the resource is no longer defined in Git. To prune the resources, a manual sync can always be performed
 *   (with pruning checked)").
 * - Argo CD Application without `automated` (or `automated.enabled: false`): only someone syncs it, and a
 *   sync by hand deletes what Git drops only when it prunes (`argocd app sync --prune`); bosun's merge waits
 *   for `/bosun apply`, which applies with prune off.
 * - Argo CD Application of an ApplicationSet's RollingSync step: the ApplicationSet controller removes
 *   `automated` from it and syncs it itself with `automated.prune` as the only prune (applicationset_controller.go
 *   syncValidApplications: `pruneEnabled = ...Automated.Prune; ...Automated = nil`, syncApplication). Without
 *   prune the object stays and the Application stays OutOfSync ("The app will be out of sync if Argo CD
 *   expects a resource to be pruned", sync-options.md), and the rollout goes on to the next step only once
 *   every Application of this one is Healthy and not OutOfSync (appSyncEnabledForNextStep,
 *   isApplicationHealthy): later steps wait until someone syncs it with prune. bosun's merge holds it for
 *   `/bosun apply` when its preview finds such objects, and later steps wait for it
 *   (queue/workflows/apply/hold.ts rolloutPruneOffHold).
 * - An environment bosun alone applies (`.bosun.yaml`, `clusters/<name>/`) with `prune: false`.
 */
export function syncPruneOffReason(env: { source?: string; helmRelease?: unknown; prune: boolean; autoApply: boolean; rollout?: Pick<RolloutOrder, 'appSet' | 'step' | 'manual'> }): string | undefined {
  if (env.prune) return undefined;
  const deleter = deleterOf(env);
  if (deleter === undefined) return 'prune: false: bosun\'s apply leaves what Git no longer has';
  if (deleter === 'kustomize-controller') return 'spec.prune is off: kustomize-controller never deletes what Git no longer has';
  if (deleter !== 'argocd') return undefined;
  const rollout = env.rollout;
  const byHand = 'a sync by hand deletes it only with prune (argocd app sync --prune); bosun\'s /bosun apply leaves it too';
  if (rollout?.manual) return `${rollout.manual}, and ${byHand}`;
  if (rollout && rollout.step !== undefined && env.autoApply) {
    return `ApplicationSet ${rollout.appSet}'s RollingSync syncs it in step ${rollout.step} without prune (progressive syncs take automated off the Application and prune only as its automated.prune says): Argo CD leaves it and the Application stays OutOfSync, so the rollout never finds step ${rollout.step} done and later steps wait until someone syncs it with prune; bosun's merge does the same: its apply waits for /bosun apply (which leaves it too), and later steps wait for it`;
  }
  if (env.autoApply) return 'automated sync without prune: Argo CD leaves it, the Application shows OutOfSync';
  return `no automated sync: Argo CD syncs it only by hand, and ${byHand}`;
}
