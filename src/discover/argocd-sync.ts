import type { ApplyPolicy, IgnoreDifferenceRule } from '../model/apply-options.ts';
import { jqProgram } from '../diff/ignore-differences.ts';
import { field, isRecord, list, str, stringMap } from './object-fields.ts';

/**
 * How bosun applies an Argo CD Application's environment: `spec.syncPolicy.syncOptions`,
 * `spec.syncPolicy.managedNamespaceMetadata` and `spec.ignoreDifferences`, as Argo CD documents them
 * (docs/user-guide/sync-options.md, diffing.md). `notes` say what bosun does not honour, one line each,
 * for the environment's discovery notes. The per-object annotations (hooks, waves, sync and compare
 * options) are read from the rendered objects by the engine (src/model/sync.ts, apply-options.ts).
 */
export function argocdApplyPolicy(app: Record<string, unknown>): { policy: ApplyPolicy; notes: string[] } {
  const policy: ApplyPolicy = {};
  const notes: string[] = [];
  for (const raw of list(field(app, 'spec', 'syncPolicy', 'syncOptions'))) {
    if (typeof raw !== 'string') continue;
    const option = raw.trim();
    const [key, value = ''] = option.split('=', 2).map((s) => s.trim());
    switch (key) {
      case 'Prune':
      case 'Delete':
        if (value === 'false' || value === 'confirm') policy[key === 'Prune' ? 'prune' : 'delete'] = value;
        break;
      case 'CreateNamespace':
        if (value === 'true') policy.createNamespace = {};
        break;
      case 'PruneLast':
        if (value === 'true') policy.pruneLast = true;
        break;
      case 'Replace':
        if (value === 'true') policy.replace = true;
        break;
      case 'PrunePropagationPolicy':
        if (value === 'foreground' || value === 'background' || value === 'orphan') policy.prunePropagationPolicy = value;
        else notes.push(`syncOptions \`${option}\`: not a propagation policy (foreground, background, orphan); bosun prunes with background propagation`);
        break;
      case 'ServerSideApply':
        if (value === 'false') notes.push('syncOptions `ServerSideApply=false`: bosun always applies with server-side apply (field manager `bosun`)');
        break;
      case 'ApplyOutOfSyncOnly':
        // Server-side apply of an unchanged object changes nothing, so applying everything is equivalent.
        break;
      case 'Validate':
        if (value === 'false') notes.push('syncOptions `Validate=false`: bosun still validates the objects offline and the API server still checks them');
        break;
      default:
        notes.push(`syncOptions \`${option}\` is not honoured by bosun (see docs/gitops-sources.md, "Sync semantics")`);
    }
  }
  if (policy.createNamespace) {
    const meta = field(app, 'spec', 'syncPolicy', 'managedNamespaceMetadata');
    const labels = stringMap(field(meta, 'labels'));
    const annotations = stringMap(field(meta, 'annotations'));
    if (labels && Object.keys(labels).length > 0) policy.createNamespace.labels = labels;
    if (annotations && Object.keys(annotations).length > 0) policy.createNamespace.annotations = annotations;
  }
  const rules: IgnoreDifferenceRule[] = [];
  list(field(app, 'spec', 'ignoreDifferences')).forEach((entry, i) => {
    if (!isRecord(entry)) return;
    const rule: IgnoreDifferenceRule = {};
    for (const key of ['group', 'kind', 'name', 'namespace'] as const) {
      const value = str(entry[key]);
      if (value !== undefined) rule[key] = value;
    }
    const strings = (key: string): string[] => list(entry[key]).filter((v): v is string => typeof v === 'string' && v !== '');
    const pointers = strings('jsonPointers');
    const jq = strings('jqPathExpressions');
    const managers = strings('managedFieldsManagers');
    for (const expression of jq) {
      const parsed = jqProgram(expression);
      if ('problem' in parsed) notes.push(`ignoreDifferences[${i}].jqPathExpressions: ${parsed.problem}; that field is compared as usual`);
    }
    if (pointers.length > 0) rule.jsonPointers = pointers;
    if (jq.length > 0) rule.jqPathExpressions = jq;
    if (managers.length > 0) rule.managedFieldsManagers = managers;
    rules.push(rule);
  });
  if (rules.length > 0) policy.ignoreDifferences = rules;
  if (field(app, 'spec', 'syncPolicy', 'retry') !== undefined) {
    notes.push('syncPolicy.retry is not honoured: bosun retries transient API errors itself, and an apply that failed waits for the next change, `/bosun apply` or `/bosun sync`');
  }
  return { policy, notes };
}
