/**
 * What Argo CD does with what an Application deployed once a change stops defining that Application, so
 * that the plan (and the prune a merge queues) follows the same verdict. Two questions, as Argo CD answers
 * them (docs: user-guide/app_deletion.md "About the deletion finalizer", operator-manual/cluster-bootstrapping.md
 * "Cascading deletion", operator-manual/applicationset/Application-Deletion.md):
 *
 * 1. Is the Application object deleted at all? Only by what created it from Git: a parent Application
 *    (app of apps) that prunes it — automated sync with prune, and no `Prune=false` on the child — or the
 *    ApplicationSet that generated it, which deletes an Application it stops generating (unless its
 *    `applicationsSync` policy forbids deletes). Nothing in Argo CD deletes an Application that no parent
 *    or ApplicationSet produces when its file leaves Git: someone runs `argocd app delete` / `kubectl delete`.
 * 2. When it is deleted, are its objects? Only with the deletion finalizer: `resources-finalizer.argocd.argoproj.io`
 *    (foreground cascading, as `…/foreground`) or `…/background`; without it the deletion is non-cascading
 *    and the objects stay (pkg/apis/application/v1alpha1: ResourcesFinalizerName and the propagation variants).
 */
import type { ArgoRemovalFacts, Environment } from '../model/environment.ts';
import { field, list, str } from './object-fields.ts';

const resourcesFinalizer = 'resources-finalizer.argocd.argoproj.io';

/** The Argo CD object that creates the Application from Git, as far as what deletes it matters. */
export type RemovalProducer =
  | { kind: 'none' }
  | { kind: 'Application'; name: string; /** The parent prunes (automated sync with prune). */ prunes: boolean }
  | { kind: 'ApplicationSet'; name: string; /** Why it never deletes an Application it stops generating (applicationsSync, preserveResourcesOnDeletion). */ keeps?: string };

/** Exactly one of the two: why the objects are deleted with it, or why they stay. */
export type RemovalVerdict = { deletes: string; keeps?: undefined } | { keeps: string; deletes?: undefined };

/** The deletion finalizer on an Application, and how it cascades; undefined without one (non-cascading). */
export function deletionFinalizer(app: Record<string, unknown>): { finalizer: string; propagation: 'foreground' | 'background' } | undefined {
  for (const raw of list(field(app, 'metadata', 'finalizers'))) {
    if (raw === resourcesFinalizer || raw === `${resourcesFinalizer}/foreground`) return { finalizer: raw, propagation: 'foreground' };
    if (raw === `${resourcesFinalizer}/background`) return { finalizer: raw, propagation: 'background' };
  }
  return undefined;
}

/**
 * `Prune=…` / `Delete=…` (`false` or `confirm`) in the Application's own `argocd.argoproj.io/sync-options`
 * annotation: how its parent's prune (Prune) and its parent's cascading deletion (Delete, Argo CD sync-options
 * "No Resource Deletion") treat it.
 */
function syncOption(app: Record<string, unknown>, name: 'Prune' | 'Delete'): 'false' | 'confirm' | undefined {
  const options = str(field(app, 'metadata', 'annotations', 'argocd.argoproj.io/sync-options'));
  for (const option of (options ?? '').split(',')) {
    const [key, value] = option.split('=', 2).map((s) => s.trim());
    if (key === name && (value === 'false' || value === 'confirm')) return value;
  }
  return undefined;
}

/** What deletes the Application object itself while its producer stays defined, undefined when nothing does. */
function deletedBy(app: Record<string, unknown>, producer: RemovalProducer): string | undefined {
  if (producer.kind === 'none') return undefined;
  // applicationsSync create-only / create-update: the controller never deletes an Application it stops generating
  // (preserveResourcesOnDeletion only drops the finalizer: the Application itself is deleted).
  if (producer.kind === 'ApplicationSet') return producer.keeps?.includes('applicationsSync') ? undefined : `ApplicationSet ${producer.name}`;
  return producer.prunes && syncOption(app, 'Prune') === undefined ? `its parent Application ${producer.name} (automated prune)` : undefined;
}

export function removalVerdict(app: Record<string, unknown>, producer: RemovalProducer): RemovalVerdict & { facts: ArgoRemovalFacts } {
  const name = str(field(app, 'metadata', 'name')) ?? '';
  const fin = deletionFinalizer(app);
  const by = deletedBy(app, producer);
  const deleteOption = syncOption(app, 'Delete');
  const facts: ArgoRemovalFacts = { app: name, ...(by ? { deletedBy: by } : {}), ...(fin ? { finalizer: fin.finalizer } : {}), ...(deleteOption ? { deleteOption } : {}) };
  return { ...verdictOf(app, producer, name, fin), facts };
}

function verdictOf(app: Record<string, unknown>, producer: RemovalProducer, name: string, fin: ReturnType<typeof deletionFinalizer>): RemovalVerdict {
  const cascade = fin ? `resources finalizer ${fin.finalizer}: ${fin.propagation} cascading deletion` : undefined;
  if (producer.kind === 'none') {
    const then = fin
      ? `its objects are deleted only then (${cascade})`
      : 'even then its objects stay (no resources finalizer)';
    return { keeps: `removing the file does not delete Application ${name} in Argo CD: no parent Application or ApplicationSet of this repository produces it, so it stays and keeps deploying until someone deletes it (argocd app delete ${name}); ${then}` };
  }
  if (producer.kind === 'ApplicationSet') {
    if (producer.keeps) return { keeps: producer.keeps };
    if (!fin) return { keeps: `no resources finalizer: ApplicationSet ${producer.name} deletes Application ${name} when it stops generating it, without deleting what it deployed (non-cascading)` };
    return { deletes: `${cascade}, when ApplicationSet ${producer.name} deletes Application ${name} because it no longer generates it` };
  }
  const option = syncOption(app, 'Prune');
  if (option === 'false') return { keeps: `Application ${name} has argocd.argoproj.io/sync-options: Prune=false, so its parent Application ${producer.name} never prunes it: Argo CD leaves it in place` };
  if (option === 'confirm') return { keeps: `Application ${name} has argocd.argoproj.io/sync-options: Prune=confirm, so its parent Application ${producer.name} prunes it only once someone confirms the prune` };
  if (!producer.prunes) return { keeps: `its parent Application ${producer.name} does not prune (no syncPolicy.automated.prune), so Argo CD leaves Application ${name} in place (OutOfSync in ${producer.name}) until someone syncs ${producer.name} with prune` };
  if (!fin) return { keeps: `no resources finalizer: when its parent Application ${producer.name} prunes Application ${name}, Argo CD deletes the Application alone (non-cascading)` };
  return { deletes: `${cascade}, when its parent Application ${producer.name} prunes Application ${name}` };
}

/**
 * What the head commit holds, for the Applications a change removes together with what produces them. The
 * verdicts above assume the producer stays; when the change removes the parent Application or the
 * ApplicationSet too, Argo CD goes by what happens to that parent (docs operator-manual/cluster-bootstrapping.md
 * "Cascading deletion", applicationset/Application-Deletion.md, Controlling-Resource-Modification.md):
 * - a parent nothing deletes (its own file removed, no parent of its own that prunes it) stays in the cluster
 *   with its last definition: an ApplicationSet keeps generating, an Application keeps syncing its source, so
 *   the children stay — except, for an Application parent with automated prune whose source folder is still
 *   in Git, a child whose own file is gone: that sync prunes it;
 * - a parent Application that is deleted with its resources finalizer deletes what it deployed, the child
 *   Applications among them (unless `Delete=false` / `Delete=confirm` on the child); without the finalizer the
 *   children stay. An ApplicationSet that is deleted takes its Applications with it (ownerReferences garbage
 *   collection, whatever `applicationsSync` says);
 * - a deleted child Application then deletes its own objects only with its own resources finalizer.
 */
export interface RemovalSides {
  base: Iterable<Environment>;
  head: Iterable<Environment>;
  /**
   * ApplicationSets that delete nothing at head, with why (argocd-appset.ts appSetsDeletingNothing over the head's
   * discovery notes): the Applications they generated before stay.
   */
  deletingNothingAtHead?: ReadonlyMap<string, string>;
  /** Whether a repository path (file or folder) exists at head. */
  existsAtHead: (path: string) => boolean;
}

/** Whether the Application object is deleted once the change is merged, why, and whether that deletes its objects. */
type Fate = { deleted: false; why: string } | { deleted: true; why: string; cascade?: string };

export class RemovalContext {
  private readonly base: Map<string, Environment>;
  private readonly head: Map<string, Environment>;
  private readonly headAppSets = new Set<string>();
  private readonly existsAtHead: (path: string) => boolean;
  private readonly deletingNothing: ReadonlyMap<string, string>;
  private readonly fates = new Map<string, Fate | undefined>();

  constructor(sides: RemovalSides) {
    this.base = new Map([...sides.base].map((e) => [e.name, e]));
    this.head = new Map([...sides.head].map((e) => [e.name, e]));
    for (const e of this.head.values()) if (e.producedBy?.kind === 'ApplicationSet') this.headAppSets.add(e.producedBy.name);
    this.existsAtHead = sides.existsAtHead;
    this.deletingNothing = sides.deletingNothingAtHead ?? new Map();
  }

  /** The verdict for a removed environment whose producer the change removes as well; undefined: its own verdict holds. */
  verdict(env: Environment): RemovalVerdict | undefined {
    if (this.head.has(env.name) || !env.argocdRemoval || !env.producedBy) return undefined;
    const fate = this.producerGone(env, new Set());
    if (!fate) return undefined;
    const app = env.argocdRemoval.app;
    if (!fate.deleted) return { keeps: fate.why };
    if (!fate.cascade) return { keeps: `${fate.why}, without what it deployed (no resources finalizer on Application ${app}: non-cascading)` };
    return { deletes: `${fate.why}; resources finalizer ${fate.cascade} on Application ${app}` };
  }

  /** The fate of a removed environment's Application when what produces it is gone at head too; undefined when its producer stays. */
  private producerGone(env: Environment, seen: Set<string>): Fate | undefined {
    const by = env.producedBy!;
    const facts = env.argocdRemoval!;
    const app = facts.app;
    const withCascade = (why: string): Fate => ({ deleted: true, why, ...(facts.finalizer ? { cascade: facts.finalizer } : {}) });
    if (by.kind === 'ApplicationSet') {
      const stuck = this.deletingNothing.get(by.name);
      if (stuck !== undefined && (!by.file || this.existsAtHead(by.file))) {
        return { deleted: false, why: `ApplicationSet ${by.name} deletes no Application at the merged commit: ${stuck}; Argo CD's reconcile stops before deleting, so Application ${app} stays as it was generated before and keeps syncing its source` };
      }
      if (this.headAppSets.has(by.name)) return undefined;
      const renderer = by.environment ? this.base.get(by.environment) : undefined;
      if (renderer) {
        if (this.head.has(renderer.name)) return undefined; // the parent still renders (or prunes) it: its own verdict
        const parent = this.fate(renderer, seen);
        if (!parent) return undefined;
        const what = `ApplicationSet ${by.name} is deployed by Application ${renderer.argocdRemoval?.app ?? renderer.name}, which this change removes`;
        if (parent.deleted && parent.cascade) return withCascade(`${what}: ${parent.why} with resources finalizer ${parent.cascade}, which deletes ApplicationSet ${by.name}, and with it (ownerReferences) Application ${app}`);
        return { deleted: false, why: `${what}: ${parent.deleted ? `${parent.why} without what it deployed (no resources finalizer)` : parent.why}, so ApplicationSet ${by.name} stays and keeps generating Application ${app}` };
      }
      // A top-level ApplicationSet: gone only when its file is (one that generates nothing now is still there).
      if (by.file && this.existsAtHead(by.file)) return undefined;
      // It stays in Argo CD with its last definition, and its git generator keeps reading the repository: what
      // it found the Application by gone at the merged commit, it stops generating it and deletes it (unless
      // applicationsSync forbids: then facts.deletedBy is absent).
      const gone = (facts.generatedFrom ?? []).filter((p) => !this.existsAtHead(p));
      if (gone.length > 0 && facts.deletedBy) {
        return withCascade(`ApplicationSet ${by.name} was removed from Git in this change but stays in Argo CD with its last definition, and its git generator no longer finds ${gone.join(', ')} at the merged commit, so it deletes Application ${app}`);
      }
      return { deleted: false, why: `ApplicationSet ${by.name} was removed from Git in this change; Argo CD does not delete an ApplicationSet whose file is removed, so its Applications and their objects stay — delete it with kubectl/argocd to remove them (Application ${app}${facts.finalizer ? ' has the resources finalizer: its objects go with it' : ' has no resources finalizer: its objects stay even then'})` };
    }
    const parentEnv = by.environment ? this.base.get(by.environment) : undefined;
    if (!parentEnv || this.head.has(parentEnv.name)) return undefined;
    const parent = this.fate(parentEnv, seen);
    if (!parent) return undefined;
    const parentApp = parentEnv.argocdRemoval?.app ?? parentEnv.name;
    if (parent.deleted) {
      if (!parent.cascade) return { deleted: false, why: `its parent Application ${parentApp} is deleted (${parent.why}) without what it deployed (no resources finalizer), so Application ${app} stays` };
      if (facts.deleteOption) return { deleted: false, why: `its parent Application ${parentApp} is deleted with resources finalizer ${parent.cascade} (${parent.why}), but Application ${app} has argocd.argoproj.io/sync-options: Delete=${facts.deleteOption}, so Argo CD leaves it in place` };
      return withCascade(`its parent Application ${parentApp} is deleted with resources finalizer ${parent.cascade} (${parent.why}), which deletes Application ${app}`);
    }
    // The parent stays with its last definition and keeps syncing its source from Git.
    const stays = `its parent Application ${parentApp} is removed from Git in this change but not deleted in Argo CD (${parent.why}): it stays with its last definition`;
    const ownFile = env.definedIn?.file;
    if (parentEnv.prune && this.existsAtHead(parentEnv.path) && ownFile && !this.existsAtHead(ownFile) && facts.deletedBy) {
      return withCascade(`${stays} and keeps syncing ${parentEnv.path} with automated prune, where ${ownFile} is gone, so it prunes Application ${app}`);
    }
    return { deleted: false, why: `${stays}, so Application ${app} stays too — delete ${parentApp} with argocd app delete to remove them` };
  }

  /** Whether a removed environment's Application is deleted in Argo CD once the change is merged. */
  private fate(env: Environment, seen: Set<string>): Fate | undefined {
    if (this.fates.has(env.name)) return this.fates.get(env.name);
    const facts = env.argocdRemoval;
    if (!facts || seen.has(env.name)) return undefined;
    seen.add(env.name);
    let fate: Fate | undefined;
    if (!env.producedBy) fate = { deleted: false, why: `Application ${facts.app} was removed from Git in this change, and Argo CD does not delete an Application whose file is removed` };
    else {
      fate = this.producerGone(env, seen);
      if (!fate) fate = facts.deletedBy ? { deleted: true, why: `${facts.deletedBy} deletes Application ${facts.app}`, ...(facts.finalizer ? { cascade: facts.finalizer } : {}) } : { deleted: false, why: `nothing deletes Application ${facts.app} (${env.keepObjectsOnRemoval ?? 'its parent does not prune it'})` };
    }
    this.fates.set(env.name, fate);
    return fate;
  }
}
