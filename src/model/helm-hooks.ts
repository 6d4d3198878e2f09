import type { HelmReleaseAction } from './helm-crds.ts';
import type { KubeObject, RenderedObject } from './object.ts';
import { helmHookAnnotation, helmHookDeletePolicyAnnotation, helmHookWeightAnnotation, type HookDeletePolicy, type HookPhase, type SyncRole } from './sync.ts';

/**
 * Helm's chart hooks as Helm 3 runs them during an install or an upgrade — the rules of an environment
 * with 'helm' semantics (a Rancher Fleet bundle: the Fleet agent deploys every bundle as a Helm release,
 * rancher/fleet internal/helmdeployer/install.go `action.NewInstall` / `action.NewUpgrade`, hooks never
 * disabled: no fleet.yaml option sets DisableHooks). Pure. From helm/helm v3:
 * - pkg/releaseutil/manifest_sorter.go `sort`: an object with `helm.sh/hook` is a hook, each comma-separated
 *   type lower-cased and trimmed; one unknown type (not pre/post-install, pre/post-upgrade, pre/post-delete,
 *   pre/post-rollback, test, test-success) and Helm skips the object altogether ("skipping unknown hook") —
 *   `crd-install` included; the weight is `helm.sh/hook-weight` by strconv.Atoi, else 0; delete policies
 *   are `helm.sh/hook-delete-policy`'s values, lower-cased and trimmed.
 * - pkg/action/hooks.go `execHook`: the hooks of the event (pre-install on an install, pre-upgrade on an
 *   upgrade…) sorted by weight, then kind (InstallOrder), then name, each created and waited for before the
 *   next; no policy means before-hook-creation; a failed hook is deleted when it says hook-failed and stops
 *   the release; once all succeeded, those saying hook-succeeded are deleted; a CRD hook never is.
 * - Hooks are not part of the release manifest: an upgrade never deletes one Git no longer has.
 * Argo CD's annotations (`argocd.argoproj.io/hook`, `sync-wave`, `sync-options`, `hook-delete-policy`)
 * mean nothing to Helm: such an object is an ordinary object of the release.
 */

/** Helm 3's hook events (release.HookEvent), `test-success` being `test`. */
const helmEvents = new Set(['pre-install', 'post-install', 'pre-delete', 'post-delete', 'pre-upgrade', 'post-upgrade', 'pre-rollback', 'post-rollback', 'test', 'test-success']);

const helmDeletePolicyNames: Readonly<Record<string, HookDeletePolicy>> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

/** Go's strconv.Atoi, as calculateHookWeight reads the weight (kept to JS's safe range). */
function atoi(text: string | undefined): number {
  if (typeof text !== 'string' || !/^[+-]?\d+$/.test(text)) return 0;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : 0;
}

/**
 * What Helm does with `obj` during an install or an upgrade (`action`; unknown: either, so a pre-install
 * and a pre-upgrade hook both run first). A hook runs in PreSync (pre-*) or PostSync (post-*), its
 * weight as its wave; one whose events are all others (test, delete, rollback, or pre-install on an
 * upgrade) is not applied by this release operation; an object without `helm.sh/hook` is a resource.
 */
export function helmSyncRoleOf(obj: KubeObject, action: HelmReleaseAction | undefined): SyncRole {
  const text = obj.metadata?.annotations?.[helmHookAnnotation];
  if (typeof text !== 'string') return { role: 'resource', wave: 0 };
  const declaredBy = `${helmHookAnnotation}: ${text}`;
  const events = text.split(',').map((t) => t.trim().toLowerCase());
  const unknown = events.find((e) => !helmEvents.has(e));
  if (unknown !== undefined) return { role: 'skipped', reason: `${declaredBy}: "${unknown}" is no Helm hook type, so Helm skips the object altogether (neither a hook nor part of the release)` };
  const runs = (when: 'pre' | 'post') => (action === 'upgrade' ? events.includes(`${when}-upgrade`) : action === 'install' ? events.includes(`${when}-install`) : events.includes(`${when}-install`) || events.includes(`${when}-upgrade`));
  const phases: HookPhase[] = [...(runs('pre') ? ['PreSync' as const] : []), ...(runs('post') ? ['PostSync' as const] : [])];
  if (phases.length === 0) {
    const operation = action ? `this ${action} of the release` : 'an install or an upgrade of the release';
    return { role: 'skipped', reason: `${declaredBy}: Helm runs it only on ${[...new Set(events)].join(', ')}, not during ${operation}` };
  }
  return { role: 'hook', phases, wave: atoi(obj.metadata?.annotations?.[helmHookWeightAnnotation]), deletePolicies: helmDeletePoliciesOf(obj), declaredBy };
}

/**
 * `helm.sh/hook-delete-policy`'s policies; before-hook-creation when the annotation names none (execHook).
 * A value Helm does not know counts as a policy that deletes nothing, so it too stops the default.
 */
export function helmDeletePoliciesOf(obj: KubeObject): HookDeletePolicy[] {
  const raw = obj.metadata?.annotations?.[helmHookDeletePolicyAnnotation];
  if (typeof raw !== 'string') return ['BeforeHookCreation'];
  const values = raw.split(',').map((v) => v.trim().toLowerCase());
  return [...new Set(values.flatMap((v) => (v in helmDeletePolicyNames ? [helmDeletePolicyNames[v]] : [])))];
}

/**
 * Whether the Fleet agent's Helm reads this rendered object's `helm.sh/hook` at all. Helm 3 splits hooks
 * from the chart's rendered templates before the post-renderer runs (helm pkg/action/action.go
 * renderResources: SortManifests, then `pr.Run` on the manifest of non-hooks), and Fleet adds a raw-YAML
 * bundle's files and builds a kustomize bundle in its post-renderer (rancher/fleet
 * internal/helmdeployer/postrender.go postRender.Run: `kustomize.Process`, `rawyaml.ToObjects`;
 * render/helm.go `manifests` puts only `templates/` in the chart of a raw bundle, `toChart` nothing of a
 * kustomize bundle). So a hook is a hook in a chart's templates (local or remote) and in a raw bundle's
 * `templates/`; anywhere else it is an ordinary object of the release. The renderer says which objects
 * Helm rendered from a template (RenderedObject.helmTemplate): a kustomize bundle that lists files of a
 * `templates/` folder renders none.
 */
export function fleetHelmTemplate(rendered: Pick<RenderedObject, 'helmTemplate'>): boolean {
  return rendered.helmTemplate === true;
}

/**
 * Whether Helm sorts this rendered object out as a hook — a chart template with a `helm.sh/hook`
 * annotation, whatever its value (pkg/releaseutil/manifest_sorter.go `sort`: one of an unknown type is
 * dropped, never a resource either) — so that no post-renderer sees it: the Fleet agent's post-render sets
 * neither `namespace` nor its labels on it (rancher/fleet internal/helmdeployer/postrender.go
 * postRender.Run), and Helm creates it in the release namespace when it names none (helm pkg/kube
 * client.go Build: `NamespaceParam(namespace).DefaultNamespace()`).
 */
export function fleetHelmHook(rendered: Pick<RenderedObject, 'object' | 'helmTemplate'>): boolean {
  return fleetHelmTemplate(rendered) && rendered.object.metadata?.annotations?.[helmHookAnnotation] !== undefined;
}

/**
 * A Flux HelmRelease chart template's role under helm-controller, which installs and upgrades the release
 * with Helm's actions (fluxcd/helm-controller internal/action/install.go newInstall: `install.DisableHooks =
 * obj.Spec.GetInstall().DisableHooks`; upgrade.go newUpgrade likewise with `spec.upgrade.disableHooks`):
 * Helm's rules (helmSyncRoleOf), and a hook of an operation whose hooks are disabled is neither run nor
 * installed — Helm's install and upgrade skip `execHook` under DisableHooks, and hooks are never part of the
 * release manifest (helm pkg/action/install.go, upgrade.go), so the object never reaches the cluster.
 * `disabled`: the operations whose hooks are disabled (RenderedObject.helmHooksDisabled). `action`
 * unknown: a hook runs when an operation whose hooks are on would run it.
 */
export function helmReleaseSyncRoleOf(obj: KubeObject, action: HelmReleaseAction | undefined, disabled: readonly HelmReleaseAction[] = []): SyncRole {
  const role = helmSyncRoleOf(obj, action);
  if (role.role !== 'hook' || disabled.length === 0) return role;
  const off = (a: HelmReleaseAction) => `spec.${a}.disableHooks`;
  const why = (actions: readonly HelmReleaseAction[]) => `${role.declaredBy}: ${actions.map(off).join(' and ')} ${actions.length > 1 ? 'are' : 'is'} set, so helm-controller's Helm ${actions.join(' and ')} neither runs nor installs the chart's hooks`;
  if (action !== undefined) return disabled.includes(action) ? { role: 'skipped', reason: why([action]) } : role;
  const enabled = (['install', 'upgrade'] as const).filter((a) => !disabled.includes(a));
  if (enabled.length === 0) return { role: 'skipped', reason: why(['install', 'upgrade']) };
  const only = helmSyncRoleOf(obj, enabled[0]);
  return only.role === 'hook' ? only : { role: 'skipped', reason: why(disabled) };
}
