import { describe, expect, it } from 'vitest';
import { entryOf, inventoryName, inventoryObject, parseInventory } from '../../src/cluster/inventory.ts';
import { environmentLabel, labelValue, nameFragment, partOfLabel, withOwnerLabels } from '../../src/cluster/labels.ts';
import { compareApplyOrder, phaseOf } from '../../src/cluster/order.ts';
import { planPrune } from '../../src/cluster/prune.ts';

describe('ownership labels', () => {
  it('keeps valid environment names as label values and rewrites others without collisions', () => {
    expect(labelValue('staging')).toBe('staging');
    const slashed = labelValue('staging/apps');
    expect(slashed).toMatch(/^staging\.apps-[0-9a-f]{8}$/);
    expect(labelValue('staging.apps')).toBe('staging.apps');
    expect(slashed).not.toBe(labelValue('staging_apps/'));
    const long = labelValue(`${'x'.repeat(70)}/y`);
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/);
  });

  it('derives DNS-safe inventory names', () => {
    expect(inventoryName('production')).toBe('bosun-inventory-production');
    expect(inventoryName('Staging/Apps')).toMatch(/^bosun-inventory-staging-apps-[0-9a-f]{8}$/);
    expect(nameFragment('a'.repeat(60)).length).toBeLessThanOrEqual(40);
    // Per repository: the GitHub App's owner/name is part of the name, the CLI's default is not.
    expect(inventoryName('production', 'bosun')).toBe('bosun-inventory-production');
    expect(inventoryName('production', 'acme/gitops')).toMatch(/^bosun-inventory-acme-gitops-production-[0-9a-f]{8}$/);
    expect(inventoryName('production', 'acme/gitops')).not.toBe(inventoryName('production', 'acme/other'));
  });

  it('adds owner labels without touching the original object or its own labels', () => {
    const original = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { app: 'web' } }, data: { a: '1' } };
    const labelled = withOwnerLabels(original, 'staging', 'acme/gitops');
    expect(labelled.metadata?.labels).toEqual({ app: 'web', [environmentLabel]: 'staging', [partOfLabel]: labelValue('acme/gitops') });
    expect(original.metadata.labels).toEqual({ app: 'web' });
  });
});

describe('apply order', () => {
  const item = (apiVersion: string, kind: string, namespaced: boolean, name = 'x', namespace = namespaced ? 'ns' : '') =>
    ({ apiVersion, kind, name, namespace, phase: phaseOf({ apiVersion, kind }, namespaced) });

  it('puts Namespaces and CRDs first, then cluster-scoped, then namespaced objects', () => {
    const sorted = [
      item('apps/v1', 'Deployment', true),
      item('rbac.authorization.k8s.io/v1', 'ClusterRole', false),
      item('example.com/v1', 'Widget', true),
      item('v1', 'Namespace', false),
      item('apiextensions.k8s.io/v1', 'CustomResourceDefinition', false),
      item('v1', 'ConfigMap', true),
    ].sort(compareApplyOrder).map((o) => o.kind);
    expect(sorted).toEqual(['Namespace', 'CustomResourceDefinition', 'ClusterRole', 'ConfigMap', 'Deployment', 'Widget']);
  });
});

describe('inventory', () => {
  it('round-trips entries through its ConfigMap form', () => {
    const entries = [
      entryOf({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }),
      entryOf({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } }),
    ];
    const cm = inventoryObject({ environment: 'staging/apps', entries }, 'bosun');
    expect(cm.metadata?.namespace).toBe('bosun-system');
    expect(parseInventory(cm)).toEqual({ environment: 'staging/apps', entries });
  });

  it('ignores malformed inventory lines instead of trusting them for deletion', () => {
    const parsed = parseInventory({ apiVersion: 'v1', kind: 'ConfigMap', data: { environment: 'e', entries: 'garbage\n["","v1","ConfigMap","ns"]\n["","v1","ConfigMap","ns","ok"]' } });
    expect(parsed.entries).toEqual([{ group: '', version: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'ok' }]);
  });
});

describe('prune planning', () => {
  const e = (group: string, version: string, kind: string, namespace: string, name: string) => ({ group, version, kind, namespace, name });

  it('selects what the previous inventory has and Git no longer has, ignoring version bumps', () => {
    const previous = [
      e('', 'v1', 'Namespace', '', 'old'),
      e('apps', 'v1beta2', 'Deployment', 'shop', 'web'),
      e('', 'v1', 'ConfigMap', 'shop', 'gone'),
      e('rbac.authorization.k8s.io', 'v1', 'ClusterRole', '', 'reader'),
    ];
    const desired = new Set(['apps/Deployment/shop/web']);
    const plan = planPrune(previous, desired);
    expect(plan.map((c) => c.key)).toEqual(['/Namespace//old', 'rbac.authorization.k8s.io/ClusterRole//reader', '/ConfigMap/shop/gone']);
    expect(plan.map((c) => c.phase)).toEqual(['definitions', 'cluster', 'namespaced']);
  });

  it('plans nothing when everything is still desired', () => {
    expect(planPrune([e('', 'v1', 'ConfigMap', 'a', 'b')], new Set(['/ConfigMap/a/b']))).toEqual([]);
  });
});
