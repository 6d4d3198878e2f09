/**
 * helm-controller's CRD policies (fluxcd/helm-controller api/v2 helmrelease_types.go, `CRDsPolicy`) for the
 * CustomResourceDefinitions of a chart's `crds/` folder, which Helm handles apart from the release:
 *
 * - `Skip`: neither created nor updated;
 * - `Create`: created when missing, an existing one neither updated nor deleted;
 * - `CreateReplace`: created when missing, an existing one replaced (never deleted).
 *
 * `spec.install.crds` applies when helm-controller installs the release (default `Create`; the deprecated
 * `install.skipCRDs: true` is `Skip`), `spec.upgrade.crds` when it upgrades it (default `Skip`).
 */
export type CrdsPolicy = 'Skip' | 'Create' | 'CreateReplace';

/** What the renderer records on each CRD of a chart's crds/ folder (RenderedObject.helmCrds). */
export interface HelmCrdsPolicies {
  install: CrdsPolicy;
  upgrade: CrdsPolicy;
  /** Who runs Helm: helm-controller by a HelmRelease's policies (absent), or the Fleet agent (fleetChartCrds). */
  deployer?: 'fleet';
}

/**
 * A Fleet bundle's chart (local or remote): the Fleet agent installs the release with Helm's install action
 * and upgrades it with Helm's upgrade action (rancher/fleet internal/helmdeployer/install.go `install`:
 * `action.NewInstall` when `mustInstall` finds no deployed release, else `action.NewUpgrade`), never setting
 * `SkipCRDs`, and fleet.yaml has no option about a chart's crds/. Helm 3's install creates each crds/ CRD
 * and skips one that exists ("CRD … is already present. Skipping.": helm pkg/action/install.go
 * `installCRDs`); its upgrade has no CRD step at all (pkg/action/upgrade.go), and neither it nor the
 * uninstall deletes one (they are not in the release manifest; helm docs "Custom Resource Definitions":
 * "CRDs are never upgraded… never deleted"). That is helm-controller's `install.crds: Create` and
 * `upgrade.crds: Skip`: a CRD added to crds/ later is not created by the upgrade either.
 */
export const fleetChartCrds: HelmCrdsPolicies = { install: 'Create', upgrade: 'Skip', deployer: 'fleet' };

/** Why a crds/ CRD the chart no longer has (or whose release goes) stays in the cluster: Helm never deletes one. */
export function helmCrdsKeepReason(policies: HelmCrdsPolicies, removal: boolean): string {
  const who = policies.deployer === 'fleet' ? 'the Fleet agent\'s Helm' : 'helm-controller\'s Helm';
  return `a CRD of the chart's crds/ folder: ${who} never deletes one (not part of the release), ${removal ? 'the uninstall' : 'the upgrade'} leaves it`;
}

/**
 * Whether helm-controller installs the release or upgrades it. A plan knows (the release is an upgrade when
 * the environment exists at the base); an apply outside a plan does not (undefined).
 */
export type HelmReleaseAction = 'install' | 'upgrade';

export function crdsPolicyOf(value: unknown, fallback: CrdsPolicy): CrdsPolicy {
  return value === 'Skip' || value === 'Create' || value === 'CreateReplace' ? value : fallback;
}

/**
 * How bosun applies one crds/ CRD, as helm-controller would: `never` (Skip), `ifNotPresent` (Create),
 * `always` (CreateReplace), with why. When the action is unknown, a missing CRD is created unless
 * `install.crds` skips it and an existing one is updated only when `upgrade.crds` replaces it.
 */
export function helmCrdsApply(policies: HelmCrdsPolicies, action: HelmReleaseAction | undefined): { apply: 'always' | 'ifNotPresent' | 'never'; reason?: string } {
  if (policies.deployer === 'fleet') return fleetCrdsApply(action);
  if (action === undefined) {
    if (policies.upgrade === 'CreateReplace') return { apply: 'always' };
    if (policies.install === 'Skip') return { apply: 'never', reason: `a CRD of the chart's crds/ folder: helm-controller does not create it (install.crds: Skip)` };
    return { apply: 'ifNotPresent', reason: `a CRD of the chart's crds/ folder: helm-controller creates it when missing and updates it only with upgrade.crds: CreateReplace (upgrade.crds: ${policies.upgrade})` };
  }
  const policy = policies[action];
  const field = `${action}.crds: ${policy}`;
  if (policy === 'Skip') return { apply: 'never', reason: `not applied by helm-controller on ${action} (${field})` };
  if (policy === 'Create') return { apply: 'ifNotPresent', reason: `a CRD of the chart's crds/ folder: helm-controller creates it on ${action} when missing, never updates it (${field})` };
  return { apply: 'always' };
}

/**
 * A Fleet bundle chart's crds/ CRD (fleetChartCrds), said in Fleet's terms: created on the install when
 * missing, never touched by the upgrade (action unknown: created when missing, never updated).
 */
function fleetCrdsApply(action: HelmReleaseAction | undefined): { apply: 'ifNotPresent' | 'never'; reason: string } {
  if (action === 'upgrade') return { apply: 'never', reason: `Helm does not upgrade a chart's crds/ (the Fleet agent deploys this existing bundle with helm upgrade, which has no CRD step)` };
  const when = action === 'install' ? 'the Fleet agent\'s helm install of the bundle creates it when missing' : 'only the Fleet agent\'s helm install of the bundle creates it, when missing';
  return { apply: 'ifNotPresent', reason: `a CRD of the chart's crds/ folder: ${when}; Helm never updates one` };
}
