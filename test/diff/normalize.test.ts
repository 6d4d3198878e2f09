import { describe, expect, it } from 'vitest';
import { normalize, noiseFields } from '../../src/diff/normalize.ts';
import { stableYaml } from '../../src/diff/yaml-dump.ts';
import { deployment } from './objects.ts';

describe('normalisation before diffing', () => {
  it('drops status, server-written metadata and the last-applied annotation', () => {
    const live = deployment({ extra: { status: { replicas: 2 } } });
    Object.assign(live.metadata!, {
      managedFields: [{ manager: 'kubectl' }], resourceVersion: '42', uid: 'u-1', generation: 3,
      creationTimestamp: '2024-01-01T00:00:00Z', selfLink: '/apis/apps/v1/x',
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"json"}', team: 'web' },
    });
    const out = normalize(live);
    expect(out.status).toBeUndefined();
    expect(Object.keys(out.metadata!)).toEqual(['annotations', 'name', 'namespace']);
    expect(out.metadata!.annotations).toEqual({ team: 'web' });
  });

  it('removes annotations and labels that end up empty or null', () => {
    const obj = deployment();
    Object.assign(obj.metadata!, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, labels: null });
    expect(Object.keys(normalize(obj).metadata!)).toEqual(['name', 'namespace']);
  });

  it('drops creationTimestamp: null inside pod templates, as kubectl --dry-run emits it', () => {
    const obj = deployment();
    ((obj.spec as { template: { metadata: Record<string, unknown> } }).template.metadata).creationTimestamp = null;
    expect(stableYaml(normalize(obj))).not.toContain('creationTimestamp');
  });

  it('sorts keys but keeps array order, and leaves the input untouched', () => {
    const obj = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' }, data: { z: '1', a: '2' }, list: [3, 1, 2] };
    const out = normalize(obj);
    expect(Object.keys(out)).toEqual(['apiVersion', 'data', 'kind', 'list', 'metadata']);
    expect(Object.keys(out.data as object)).toEqual(['a', 'z']);
    expect(out.list).toEqual([3, 1, 2]);
    expect(Object.keys(obj)).toEqual(['kind', 'apiVersion', 'metadata', 'data', 'list']);
  });

  it('exports the noise list for the apply preview', () => {
    expect(noiseFields.metadata).toContain('managedFields');
    expect(noiseFields.annotations).toContain('kubectl.kubernetes.io/last-applied-configuration');
  });
});
