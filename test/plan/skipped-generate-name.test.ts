// What a sync never applies (`argocd.argoproj.io/hook: Skip`) is held out of prune by its key
// (splitForSync → cluster/environment.ts, cluster/preview.ts). Objects named by the cluster at each run
// (`metadata.generateName`, no name) are keyed as the plan's diff keys them (model/sync.ts objectKeys), not by
// an empty name that made every such Job of a namespace one object: two hooks of one prefix, one Skip,
// stay two objects, and the names shown come from one place (shownId).
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/object.ts';
import { objectKeys } from '../../src/model/sync.ts';
import { hookDisplayName, splitForSync } from '../../src/model/sync.ts';
import { entryKey, entryOf } from '../../src/cluster/inventory.ts';
import { objectLabel } from '../../src/validate/validator.ts';

const job = (meta: string, hook: string) => `apiVersion: batch/v1
kind: Job
metadata:
  ${meta}
  namespace: shop
  annotations:
    argocd.argoproj.io/hook: ${hook}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
`;

const render = [
  job('generateName: migrate-', 'PreSync'),
  job('generateName: migrate-', 'Skip'),
  job('generateName: migrate-', 'Skip'),
  job('name: seed', 'Skip'),
].join('---\n');
const objects = parseAllDocuments(render).map((d) => ({ object: d.toJS() as KubeObject }));

describe('objects a sync never applies, keyed like the diff', () => {
  const split = splitForSync(objects, 'argocd');
  const keys = objectKeys(objects.map((o) => o.object));

  it('keeps two Skip Jobs of one generateName prefix apart from each other and from the PreSync hook of that prefix', () => {
    expect(split.hooks.map((h) => h.object)).toEqual([objects[0].object]);
    expect(split.skipped.map((s) => s.key)).toEqual([keys[1], keys[2], keys[3]]);
    expect(new Set([keys[0], ...split.skipped.map((s) => s.key)]).size).toBe(4);
    // Before: all three generateName Jobs were `batch/Job/shop/` (an empty name).
    expect(split.skipped.map((s) => s.key)).not.toContain('batch/Job/shop/');
    expect(split.skipped.map((s) => s.label)).toEqual(['Job shop/migrate-*', 'Job shop/migrate-*', 'Job shop/seed']);
  });

  it('keys a named Skip object as the inventory does, so one bosun applied before stays tracked until Git drops it', () => {
    expect(split.skipped[2].key).toBe(entryKey(entryOf(objects[3].object)));
  });

  it('shows a generateName object as `<generateName>*` in hook names and validation labels alike', () => {
    expect(hookDisplayName(objects[1].object)).toBe('migrate-*');
    expect(hookDisplayName(objects[3].object)).toBe('seed');
    expect(objectLabel(objects[1].object)).toBe('batch/v1 Job shop/migrate-*');
    expect(objectLabel({ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} } as KubeObject)).toBe('v1 ConfigMap <unnamed>');
  });
});
