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

/** `Prune=false` / `Prune=confirm` in the Application's own `argocd.argoproj.io/sync-options` annotation: how its parent's prune treats it. */
function pruneOption(app: Record<string, unknown>): 'false' | 'confirm' | undefined {
  const options = str(field(app, 'metadata', 'annotations', 'argocd.argoproj.io/sync-options'));
  for (const option of (options ?? '').split(',')) {
    const [key, value] = option.split('=', 2).map((s) => s.trim());
    if (key === 'Prune' && (value === 'false' || value === 'confirm')) return value;
  }
  return undefined;
}

export function removalVerdict(app: Record<string, unknown>, producer: RemovalProducer): RemovalVerdict {
  const name = str(field(app, 'metadata', 'name')) ?? '';
  const fin = deletionFinalizer(app);
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
  const option = pruneOption(app);
  if (option === 'false') return { keeps: `Application ${name} has argocd.argoproj.io/sync-options: Prune=false, so its parent Application ${producer.name} never prunes it: Argo CD leaves it in place` };
  if (option === 'confirm') return { keeps: `Application ${name} has argocd.argoproj.io/sync-options: Prune=confirm, so its parent Application ${producer.name} prunes it only once someone confirms the prune` };
  if (!producer.prunes) return { keeps: `its parent Application ${producer.name} does not prune (no syncPolicy.automated.prune), so Argo CD leaves Application ${name} in place (OutOfSync in ${producer.name}) until someone syncs ${producer.name} with prune` };
  if (!fin) return { keeps: `no resources finalizer: when its parent Application ${producer.name} prunes Application ${name}, Argo CD deletes the Application alone (non-cascading)` };
  return { deletes: `${cascade}, when its parent Application ${producer.name} prunes Application ${name}` };
}
