/**
 * What an ApplicationSet says about the Applications it generates once they exist, beyond their content:
 * `syncPolicy.preserveResourcesOnDeletion`, `syncPolicy.applicationsSync`, `strategy` (progressive syncs)
 * and `ignoreApplicationDifferences`. bosun previews each generated Application as generated now; where
 * Argo CD would do otherwise, the plan's notes say so, and where bosun can honour a field it does.
 */
import { field, isRecord, list, str } from './object-fields.ts';

export interface ApplicationSetPolicy {
  /** Why the objects of an Application it stops generating stay in the cluster, when they do. */
  keepObjects?: string;
  /** Caveats for the plan's notes about the ApplicationSet. */
  notes: string[];
}

// The controller reads the ApplicationSet's policy only when allowed to (utils DefaultPolicy).
const overrideCaveat = 'Argo CD reads it only when the ApplicationSet controller allows it (applicationsetcontroller.enable.policy.override); otherwise the controller\'s --policy applies';

export function applicationSetPolicy(name: string, spec: unknown): ApplicationSetPolicy {
  const notes: string[] = [];
  let keepObjects: string | undefined;
  if (field(spec, 'syncPolicy', 'preserveResourcesOnDeletion') === true) keepObjects = `ApplicationSet ${name} sets preserveResourcesOnDeletion`;

  const sync = str(field(spec, 'syncPolicy', 'applicationsSync'));
  if (sync === 'create-only' || sync === 'create-update') {
    keepObjects ??= `ApplicationSet ${name} sets applicationsSync: ${sync}, so Argo CD does not delete an Application it stops generating`;
    notes.push(sync === 'create-only'
      ? `applicationsSync create-only: Argo CD creates the Applications but never updates or deletes them, so a change to the template or the generators' parameters reaches only Applications created after it, and one it stops generating keeps deploying; bosun previews every generated Application as if created now, and keeps the objects of one no longer generated (${overrideCaveat})`
      : `applicationsSync create-update: Argo CD creates and updates the Applications but never deletes them, so one it stops generating keeps deploying; bosun keeps the objects of an Application no longer generated (${overrideCaveat})`);
  } else if (sync === 'create-delete') {
    notes.push(`applicationsSync create-delete: Argo CD never updates an Application it already created, so a change to the template or the generators' parameters reaches only Applications created after it; bosun previews every generated Application as if created now (${overrideCaveat})`);
  } else if (sync !== undefined && sync !== 'sync') {
    notes.push(`applicationsSync "${sync}" is not one of create-only, create-update, create-delete, sync (Argo CD rejects the ApplicationSet); bosun previews the Applications as with sync`);
  }

  const strategy = str(field(spec, 'strategy', 'type'));
  if (strategy === 'RollingSync') {
    const steps = list(field(spec, 'strategy', 'rollingSync', 'steps')).length;
    notes.push(`strategy RollingSync (${steps} step${steps === 1 ? '' : 's'}): with progressive syncs enabled in the ApplicationSet controller, Argo CD turns automated sync off on the generated Applications and syncs them step by step, each step once the previous one is healthy, and never syncs an Application that no step selects; each generated environment's notes say which step syncs it, or loudly that none does; bosun previews each generated Application on its own and applies them on merge in the steps' order (a step's environments once the earlier steps' are applied and healthy, maxUpdate at a time; one no step syncs waits for /bosun apply, and so does one whose sync would leave objects Git dropped — prune off: Argo CD's step then never completes — and later steps wait for it)`);
  } else if (strategy !== undefined && strategy !== 'AllAtOnce') {
    notes.push(`strategy "${strategy}" is not AllAtOnce or RollingSync; bosun previews the Applications as with AllAtOnce`);
  }

  const ignored = list(field(spec, 'ignoreApplicationDifferences')).filter(isRecord).flatMap((rule) => {
    const paths = [...list(rule.jsonPointers), ...list(rule.jqPathExpressions)].filter((p): p is string => typeof p === 'string' && p !== '');
    const only = str(rule.name);
    return paths.map((p) => (only ? `${p} (of ${only})` : p));
  });
  if (ignored.length > 0) {
    notes.push(`ignoreApplicationDifferences: on an Application it already created, Argo CD keeps the live value of ${ignored.join(', ')}; bosun previews each generated Application with the template's value, as if created now`);
  }
  return { ...(keepObjects ? { keepObjects } : {}), notes };
}
