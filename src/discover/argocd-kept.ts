/**
 * The Applications an ApplicationSet keeps while it fails at head, as environments of the head commit.
 *
 * Argo CD's ApplicationSet controller (applicationset/controllers/applicationset_controller.go Reconcile)
 * returns as soon as GenerateApplications fails (a template or generator error), before it creates, updates or
 * deletes any Application; when one generated Application cannot be created, createOrUpdateInCluster still
 * updates the others and returns the first error, and Reconcile returns before deleteInCluster. Either way the
 * Applications it generated before and does not generate now stay exactly as they were: their spec is the one
 * last generated (the base's), and the application controller keeps syncing their sources at the merged commit
 * (targetRevision HEAD / the branch), automatically or when someone syncs them.
 *
 * So each such Application is, at head, the base's environment unchanged (same name, destination, source,
 * sync policy) rendered from the head commit's files: the plan diffs it as any other environment, and the
 * merge applies it (it is no removed environment to prune). Excluded: an Application under the ApplicationSet's
 * RollingSync — the controller took `automated` off it and syncs it only from Reconcile's progressive-sync step,
 * which a failing reconcile never reaches, so it does not sync the merged commit at all; it stays a removed
 * environment whose objects stay (argocd-removal.ts), its folder's changes ones bosun cannot judge.
 */
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';

export interface KeptApplication {
  env: Environment;
  /** The ApplicationSet that keeps it, and why it fails at head (argocd-appset.ts appSetsDeletingNothing). */
  appSet: string;
  why: string;
}

/**
 * The base's environments that ApplicationSets failing at head keep (`deletingNothing`: name → why), where the
 * head has no environment of that name and the ApplicationSet is still in Git (its file at head: one removed
 * from Git is argocd-removal.ts's case).
 */
export function keptApplications(base: Iterable<Environment>, head: ReadonlyMap<string, Environment>, deletingNothing: ReadonlyMap<string, string>, existsAtHead: (path: string) => boolean): KeptApplication[] {
  const out: KeptApplication[] = [];
  if (deletingNothing.size === 0) return out;
  for (const env of base) {
    const by = env.producedBy;
    if (by?.kind !== 'ApplicationSet' || head.has(env.name) || env.rollout) continue;
    const why = deletingNothing.get(by.name);
    if (why === undefined || (by.file && !existsAtHead(by.file))) continue;
    out.push({ env, appSet: by.name, why });
  }
  return out;
}

/** What the plan says about a kept Application, on its environment. */
export function keptText(kept: KeptApplication): string {
  return `kept by failing ApplicationSet ${kept.appSet}: previewed with its last generated spec (Argo CD changes none of its Applications while the ApplicationSet fails; this one keeps syncing its source at the merged commit)`;
}

/** The same as an `info` note, with why the ApplicationSet fails. */
export function keptNote(kept: KeptApplication): DiscoveryNote {
  const file = kept.env.producedBy?.file ?? kept.env.definedIn?.file;
  return { status: 'info', kind: 'Environment', name: kept.env.name, ...(file ? { file } : {}), reason: `${keptText(kept)}: ApplicationSet ${kept.appSet} ${kept.why}`, environments: [kept.env.name] };
}

/**
 * The other way round: head environments of an ApplicationSet that fails at the base commit (`failingAtBase`:
 * name → why) and that the base has none of. Argo CD may already run them, as that ApplicationSet generated them
 * before it failed (kept, as above), but which ones and with which spec is in no commit bosun reads: they are
 * previewed as new environments, and the plan says why that may overstate the change.
 */
export function regeneratedAfterFailure(base: ReadonlyMap<string, Environment>, head: Iterable<Environment>, failingAtBase: ReadonlyMap<string, string>): KeptApplication[] {
  const out: KeptApplication[] = [];
  if (failingAtBase.size === 0) return out;
  for (const env of head) {
    const by = env.producedBy;
    const why = by?.kind === 'ApplicationSet' ? failingAtBase.get(by.name) : undefined;
    if (why !== undefined && !base.has(env.name)) out.push({ env, appSet: by!.name, why });
  }
  return out;
}

export function regeneratedText(regenerated: KeptApplication): string {
  return `ApplicationSet ${regenerated.appSet} fails at the base commit, so Argo CD may already run this Application as it last generated it; bosun cannot see that spec and shows every object as created`;
}
