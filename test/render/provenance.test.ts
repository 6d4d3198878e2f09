import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/object.ts';
import { SourceIndex } from '../../src/render/provenance.ts';

const cm = (name: string, namespace?: string, data: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: namespace ? { name, namespace } : { name }, data,
});

describe('matching rendered objects to source documents by identity', () => {
  const index = new SourceIndex();
  index.add('base/a.yaml', 1, cm('a'));
  index.add('base/b.yaml', 7, cm('b'));
  index.add('base/d.yaml', 3, cm('d', undefined, { k: 'v' }));
  index.add('base/deploy.yaml', 1, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } });

  it('gives file and line for an unchanged object, file only once anything differs', () => {
    expect(index.find(cm('b'))).toEqual({ file: 'base/b.yaml', line: 7 });
    expect(index.find(cm('b', 'moved'))).toEqual({ file: 'base/b.yaml' });
    expect(index.find(cm('d', undefined, { k: 'patched' }))).toEqual({ file: 'base/d.yaml' });
  });

  it('follows namePrefix / nameSuffix renames without confusing names that merely contain another', () => {
    expect(index.find(cm('sub-d', undefined, { k: 'v' }))).toEqual({ file: 'base/d.yaml' });
    expect(index.find(cm('b-prod'))).toEqual({ file: 'base/b.yaml' });
    expect(index.find(cm('x-a-y'))).toEqual({ file: 'base/a.yaml' });
  });

  it('keeps kinds apart and finds nothing for unknown objects', () => {
    expect(index.find({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } })).toEqual({ file: 'base/deploy.yaml', line: 1 });
    expect(index.find(cm('zzz'))).toBeUndefined();
    expect(index.lineIn('base/d.yaml', cm('d', undefined, { k: 'v' }))).toBe(3);
    expect(index.lineIn('base/d.yaml', cm('d'))).toBeUndefined();
  });
});
