import { describe, expect, it } from 'vitest';
import { diffRenders } from '../../src/diff/change-diff.ts';
import { deployment, rendered, simple } from './objects.ts';

describe('change diff between the base and head renders', () => {
  it('treats an apiVersion bump inside the same group as an update, not delete + create', () => {
    const changes = diffRenders(
      [rendered(deployment({ apiVersion: 'apps/v1beta2' }), 'apps/web.yaml', 1)],
      [rendered(deployment({ apiVersion: 'apps/v1' }), 'apps/web.yaml', 1)],
    );
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'update', apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'web', name: 'frontend' });
    expect(changes[0].diff).toContain('-apiVersion: apps/v1beta2');
    expect(changes[0].diff).toContain('+apiVersion: apps/v1');
  });

  it('keeps objects of the same kind in different groups apart', () => {
    const changes = diffRenders(
      [rendered(simple('extensions/v1beta1', 'Ingress', 'web', 'web'))],
      [rendered(simple('networking.k8s.io/v1', 'Ingress', 'web', 'web'))],
    );
    expect(changes.map((c) => [c.action, c.apiVersion])).toEqual([['delete', 'extensions/v1beta1'], ['create', 'networking.k8s.io/v1']]);
  });

  it('reports creations and deletions with the whole object on one side and /dev/null on the other', () => {
    const changes = diffRenders(
      [rendered(simple('v1', 'ConfigMap', 'old', 'web', { data: { a: '1' } }), 'apps/old.yaml', 4)],
      [rendered(simple('v1', 'ConfigMap', 'new', 'web', { data: { b: '2' } }), 'apps/new.yaml', 7)],
    );
    const created = changes.find((c) => c.action === 'create')!;
    const deleted = changes.find((c) => c.action === 'delete')!;
    expect(created.name).toBe('new');
    expect(created.diff.split('\n').slice(0, 2)).toEqual(['--- /dev/null', '+++ head/core/ConfigMap/web/new']);
    expect(created.diff).toContain('+  b: "2"');
    expect(deleted.name).toBe('old');
    expect(deleted.diff.split('\n').slice(0, 2)).toEqual(['--- base/core/ConfigMap/web/old', '+++ /dev/null']);
    expect(deleted.diff).toContain('-  a: "1"');
    // provenance: the head object for creations, the base object for deletions
    expect([created.file, created.line]).toEqual(['apps/new.yaml', 7]);
    expect([deleted.file, deleted.line]).toEqual(['apps/old.yaml', 4]);
  });

  it('omits objects that did not change, including ones that differ only in key order or server noise', () => {
    const base = deployment({ extra: { status: { readyReplicas: 2 } } });
    const head = deployment();
    (head.metadata as Record<string, unknown>).resourceVersion = '123';
    const reordered = Object.fromEntries(Object.entries(head).reverse()) as typeof head;
    expect(diffRenders([rendered(base)], [rendered(reordered)])).toEqual([]);
  });

  it('judges a change by the YAML both sides write: an unset field is no change, a number that became a string is one', () => {
    const same = (extra: Record<string, unknown>) => deployment({ extra: { data: { a: '1', ...extra } } });
    // Many unchanged objects and one change among them: only that one is listed.
    const base = Array.from({ length: 300 }, (_, i) => rendered(deployment({ name: `web-${i}` })));
    const head = base.map((o, i) => (i === 150 ? rendered(deployment({ name: 'web-150', image: 'nginx:1.28' })) : rendered(structuredClone(o.object))));
    expect(diffRenders(base, head).map((c) => `${c.action} ${c.name}`)).toEqual(['update web-150']);
    // Not equal values, but one text: a field set to undefined is not written.
    expect(diffRenders([rendered(same({}))], [rendered(same({ b: undefined }))])).toEqual([]);
    const typed = diffRenders([rendered(same({ port: 80 }))], [rendered(same({ port: '80' }))]);
    expect(typed.map((c) => c.action)).toEqual(['update']);
    expect(typed[0].diff).toContain('-  port: 80\n+  port: "80"');
  });

  it('names the object in the diff headers and shows 3 lines of context around a change', () => {
    const [change] = diffRenders([rendered(deployment({ replicas: 2 }))], [rendered(deployment({ replicas: 5 }))]);
    const lines = change.diff.split('\n');
    expect(lines[0]).toBe('--- base/apps/Deployment/web/frontend');
    expect(lines[1]).toBe('+++ head/apps/Deployment/web/frontend');
    const at = lines.indexOf('-  replicas: 2');
    expect(lines[at + 1]).toBe('+  replicas: 5');
    expect(lines.slice(at - 3, at).every((l) => l.startsWith(' '))).toBe(true);
    expect(lines[at - 4].startsWith('@@')).toBe(true);
  });

  it('gives the same result whatever order the renders list their objects in', () => {
    const base = [rendered(deployment({ name: 'a' })), rendered(deployment({ name: 'b' })), rendered(simple('v1', 'Namespace', 'gone'))];
    const head = [rendered(deployment({ name: 'b', replicas: 9 })), rendered(deployment({ name: 'a', image: 'x:2' })), rendered(simple('v1', 'Namespace', 'web'))];
    expect(diffRenders([...base].reverse(), [...head].reverse())).toEqual(diffRenders(base, head));
  });

  it('names cluster-scoped objects without a namespace', () => {
    const [change] = diffRenders([], [rendered(simple('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader', undefined, { rules: [] }))]);
    expect(change).toMatchObject({ namespace: '', name: 'reader', risk: 'rbac' });
    expect(change.diff.split('\n')[1]).toBe('+++ head/rbac.authorization.k8s.io/ClusterRole/reader');
  });

  it('shows a wholesale rewrite of a big object as one complete replacement hunk', () => {
    const data = (tag: string) => Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${String(i).padStart(4, '0')}`, `${tag}-${i}`]));
    const [change] = diffRenders([rendered(simple('v1', 'ConfigMap', 'big', 'web', { data: data('old') }))], [rendered(simple('v1', 'ConfigMap', 'big', 'web', { data: data('new') }))]);
    const lines = change.diff.split('\n');
    expect(lines.slice(0, 2)).toEqual(['--- base/core/ConfigMap/web/big', '+++ head/core/ConfigMap/web/big']);
    expect(lines.filter((l) => l.startsWith('@@'))).toHaveLength(1);
    expect(lines).toContain('-  k0000: old-0');
    expect(lines).toContain('+  k2999: new-2999');
    expect(lines.filter((l) => l.startsWith('-  k')).length).toBe(3000);
    expect(lines.filter((l) => l.startsWith('+  k')).length).toBe(3000);
  });
});
