import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';

/**
 * HelmRelease environments whose chart is not rendered (`helmRelease.refused`: a source bosun may not
 * fetch, a chart path leaving the repository…) are kept by discovery for the plan, which decides here:
 * where the other side renders the release, the refused side stays, so the plan shows why it cannot
 * render it (a render error naming the reason) instead of reading as "every object deleted" or "every
 * object created"; where neither side renders it, it is no environment at all (its discovery note says
 * why, and its object is diffed in the Kustomization that applies it).
 */
export function settleRefusedReleases(base: Map<string, Environment>, head: Map<string, Environment>): void {
  const refused = (env: Environment | undefined) => env?.helmRelease?.refused !== undefined;
  for (const name of new Set([...base.keys(), ...head.keys()])) {
    const [b, h] = [base.get(name), head.get(name)];
    if ((refused(b) || !b) && (refused(h) || !h)) {
      base.delete(name);
      head.delete(name);
    }
  }
  markReleaseActions(base, head);
}

/**
 * Each HelmRelease at head says whether helm-controller installs it or upgrades it (`apply.helmRelease`):
 * an upgrade when the base has the release (its HelmRelease was applied, so the release exists), an
 * install otherwise. That decides which of `install.crds` / `upgrade.crds` governs the chart's crds/ CRDs
 * in the plan's sync section and apply preview (model/helm-crds.ts). A Fleet bundle is a Helm release too
 * (the agent installs it the first time, upgrades it after: rancher/fleet internal/helmdeployer/install.go
 * mustInstall): that decides whether its pre-install or its pre-upgrade hooks run (model/helm-hooks.ts).
 * Called by settleRefusedReleases, which runs once both sides are discovered.
 */
export function markReleaseActions(base: Map<string, Environment>, head: Map<string, Environment>): void {
  const mark = (side: Map<string, Environment>, name: string, env: Environment, action: 'install' | 'upgrade') => side.set(name, { ...env, apply: { ...env.apply, helmRelease: action } });
  const isRelease = (env: Environment | undefined) => env?.helmRelease !== undefined || env?.source === 'fleet';
  for (const [name, env] of head) {
    if (!isRelease(env)) continue;
    const before = base.get(name);
    // Marked alike on both sides, so that the mark alone never reads as a changed definition.
    if (isRelease(before)) mark(base, name, before!, 'upgrade');
    mark(head, name, env, isRelease(before) ? 'upgrade' : 'install');
  }
}

/**
 * The environment whose `postBuild.substituteFrom` values a render depends on: a HelmRelease's parent
 * Kustomization (the release is taken from its substituted output), else the environment itself.
 */
export function substitutionOwner(name: string, env: Environment | undefined): string {
  return env?.helmRelease ? env.helmRelease.parent.name : name;
}

/** A HelmRelease environment rendered from its parent as substituteFrom resolved it (the Istio pattern: one ConfigMap's `version` upgrades its releases). */
export function withSubstitutedParent(env: Environment | undefined, substituted: (name: string) => Environment | undefined): Environment | undefined {
  if (!env?.helmRelease) return env;
  const parent = substituted(env.helmRelease.parent.name);
  return parent ? { ...env, helmRelease: { ...env.helmRelease, parent } } : env;
}

/** A HelmRelease note of discover/helmrelease.ts whose chart is not fetched: `chart <name>[ <version>] not fetched: <why>`. */
const notFetched = /^chart (\S+)(?: (.+?))? not fetched: /;

/**
 * The head's discovery notes, where a HelmRelease whose chart is not fetched on either side (so it is
 * diffed only as an object, in its Kustomization) changes its chart version, saying so: "chart podinfo
 * 6.5.0 → 6.6.0 not fetched: <why>". The release is found in the base's notes by file, namespace and
 * name (else by namespace and name, when only one base note has them). A version left out is helm's
 * default, `*` (the latest). Pure: the notes are copies.
 *
 * For the plan (plan.ts), once both sides are discovered: `head.notes = chartVersionChanges(base.notes, head.notes)`.
 */
export function chartVersionChanges(base: readonly DiscoveryNote[], head: readonly DiscoveryNote[]): DiscoveryNote[] {
  const charts = (notes: readonly DiscoveryNote[]) => notes.flatMap((n) => {
    const m = n.kind === 'HelmRelease' ? notFetched.exec(n.reason) : null;
    return m ? [{ note: n, chart: m[1], version: m[2] ?? '*', rest: n.reason.slice(m[0].length) }] : [];
  });
  const before = charts(base);
  const changed = new Map(charts(head).flatMap((h) => {
    const same = (b: (typeof before)[number]) => b.note.namespace === h.note.namespace && b.note.name === h.note.name;
    const byName = before.filter(same);
    const b = byName.find((x) => x.note.file === h.note.file) ?? (byName.length === 1 ? byName[0] : undefined);
    if (!b || b.chart !== h.chart || b.version === h.version) return [];
    return [[h.note, `chart ${h.chart} ${b.version} → ${h.version} not fetched: ${h.rest}`] as const];
  }));
  return head.map((n) => (changed.has(n) ? { ...n, reason: changed.get(n)! } : n));
}
