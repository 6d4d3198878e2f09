import type { Change } from '../../src/model/change.ts';
import type { EnvironmentPlan, PlanResult } from '../../src/model/plan.ts';

// Plan builders for the report tests: plain data, as the plan job would produce it.

export function environment(name: string, fields: Partial<EnvironmentPlan> = {}): EnvironmentPlan {
  return {
    name, source: 'config', path: `clusters/${name}`, affected: true, reason: `clusters/${name}/kustomization.yaml changed`,
    render: { objects: 10, baseObjects: 10 }, validation: { errors: [], warnings: [] }, changes: [], ...fields,
  };
}

export function plan(...environments: EnvironmentPlan[]): PlanResult {
  return { base: '0123456789abcdef0123456789abcdef01234567', head: 'fedcba9876543210fedcba9876543210fedcba98', environments };
}

/** A ConfigMap creation whose diff has `lines` unique lines of about `width` characters. */
export function bigChange(name: string, lines: number, width = 60): Change {
  const body = Array.from({ length: lines }, (_, i) => `+  k${i}: "${name}-${i}-${'x'.repeat(Math.max(0, width - name.length - 16))}"`);
  return {
    action: 'create', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'web', name, risk: 'other',
    diff: [`--- /dev/null`, `+++ head/core/ConfigMap/web/${name}`, `@@ -0,0 +1,${lines} @@`, ...body].join('\n') + '\n',
    file: `apps/${name}.yaml`, line: 1,
  };
}

export function change(kind: string, name: string, fields: Partial<Change> = {}): Change {
  return {
    action: 'update', apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, namespace: 'web', name, risk: 'other',
    diff: `--- base/x/${kind}/web/${name}\n+++ head/x/${kind}/web/${name}\n@@ -1 +1 @@\n-a: 1\n+a: 2\n`, ...fields,
  };
}
