// Which of an Application's rendered objects an Argo CD sync applies, as Argo CD's documentation says
// (user-guide/resource_hooks.md; user-guide/helm.md, "Helm Hooks"), written from the docs, not from bosun:
// - `argocd.argoproj.io/hook`: a hook of the phases it names; PreSync, Sync, PostSync and SyncFail run in a
//   sync; `Skip` is never applied; PreDelete / PostDelete run only when the Application is deleted. With an
//   Argo CD hook annotation, the object's Helm hook annotation is ignored.
// - `helm.sh/hook`, mapped: pre-install / pre-upgrade → PreSync, post-install / post-upgrade → PostSync,
//   pre-delete → PreDelete, post-delete → PostDelete; crd-install is an ordinary object ("normal CRD
//   handling"); test, test-success, test-failure, pre-rollback, post-rollback are not supported: "Unsupported
//   hooks are ignored".
// A hook that runs in a sync is part of what the sync does (a new one at each sync when it has generateName);
// the change set keeps it, and drops what a sync never applies.
import type { Obj } from './oracle-tools.ts';

const syncPhases = new Set(['PreSync', 'Sync', 'PostSync', 'SyncFail']);
const helmToArgo: Record<string, string> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
  'pre-delete': 'PreDelete',
  'post-delete': 'PostDelete',
};

const values = (text: string): string[] => text.split(',').map((v) => v.trim()).filter((v) => v !== '');

export function appliedBySync(o: Obj): boolean {
  const annotations = ((o.metadata as Record<string, unknown> | undefined)?.annotations ?? {}) as Record<string, unknown>;
  const argo = annotations['argocd.argoproj.io/hook'];
  if (typeof argo === 'string') return values(argo).some((t) => syncPhases.has(t));
  const helm = annotations['helm.sh/hook'];
  if (typeof helm !== 'string') return true;
  const types = values(helm);
  if (types.length > 0 && types.every((t) => t === 'crd-install')) return true;
  return types.some((t) => syncPhases.has(helmToArgo[t] ?? ''));
}
