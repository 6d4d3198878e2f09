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

/** What the renderer records on each CRD of a HelmRelease chart's crds/ folder (RenderedObject.helmCrds). */
export interface HelmCrdsPolicies {
  install: CrdsPolicy;
  upgrade: CrdsPolicy;
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
