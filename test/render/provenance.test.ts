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

  it('gives the file and line of the document an object was built from, changed on the way or not', () => {
    expect(index.find(cm('b'))).toEqual({ file: 'base/b.yaml', line: 7 });
    expect(index.find(cm('b', 'moved'))).toEqual({ file: 'base/b.yaml', line: 7 });
    expect(index.find(cm('d', undefined, { k: 'patched' }))).toEqual({ file: 'base/d.yaml', line: 3 });
  });

  it('follows namePrefix / nameSuffix renames without confusing names that merely contain another', () => {
    expect(index.find(cm('sub-d', undefined, { k: 'v' }))).toEqual({ file: 'base/d.yaml', line: 3 });
    expect(index.find(cm('b-prod'))).toEqual({ file: 'base/b.yaml', line: 7 });
    expect(index.find(cm('x-a-y'))).toEqual({ file: 'base/a.yaml', line: 1 });
  });

  it('finds the document in a known file: same name, else the longest source name inside the built name', () => {
    const inFile = new SourceIndex();
    inFile.add('apps/all.yaml', 1, cm('api'));
    inFile.add('apps/all.yaml', 5, cm('api-worker'));
    inFile.add('apps/all.yaml', 9, cm('api', 'other'));
    expect(inFile.documentIn('apps/all.yaml', cm('p-api-worker-x'))?.line).toBe(5);
    expect(inFile.documentIn('apps/all.yaml', cm('p-api'))?.line).toBe(1);
    expect(inFile.documentIn('apps/all.yaml', cm('api', 'other'))?.line).toBe(9);
    expect(inFile.documentIn('apps/other.yaml', cm('api'))).toBeUndefined();
    // A file of thousands of documents: found by name lookups, not a scan per object.
    const big = new SourceIndex();
    for (let i = 0; i < 5000; i++) big.add('apps/big.yaml', i * 6 + 1, cm(`cm-${i}`));
    expect(big.documentIn('apps/big.yaml', cm('prefix-cm-4321-suffix'))?.line).toBe(4321 * 6 + 1);
  });

  it('keeps kinds apart and finds nothing for unknown objects', () => {
    expect(index.find({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' } })).toEqual({ file: 'base/deploy.yaml', line: 1 });
    expect(index.find(cm('zzz'))).toBeUndefined();
    expect(index.lineIn('base/d.yaml', cm('d', undefined, { k: 'v' }))).toBe(3);
    expect(index.lineIn('base/d.yaml', cm('d'))).toBeUndefined();
  });
});
