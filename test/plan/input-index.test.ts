// The input index's incremental rule (src/plan/input-index.ts): which entries a head's index keeps from its
// base's, and the lookup of changed files. Conservative: anything a changed path could reach is dropped.
import { describe, expect, it } from 'vitest';
import { definitionHash, deriveIndex, emptyIndex, inputIndexKey, lookupInputs, readersOf, recordInputs, type InputIndex } from '../../src/plan/input-index.ts';
import type { Environment } from '../../src/model/environment.ts';

const env = (name: string, path: string): Environment => ({ name, path, source: 'flux', render: 'kustomize', definedIn: { file: `clusters/${name}.yaml`, line: 1 } } as Environment);

function baseIndex(): InputIndex {
  const index = emptyIndex('base', 'tree-a');
  recordInputs(index, env('shop', 'apps/shop/overlays/prod'), { inputs: { files: ['apps/shop/base/kustomization.yaml', 'apps/shop/base/deploy.yaml', 'apps/shop/overlays/prod/kustomization.yaml', 'clusters/shop.yaml'], dirs: [] } });
  recordInputs(index, env('web', 'apps/web'), { inputs: { files: ['clusters/web.yaml'], dirs: ['apps/web'] } });
  recordInputs(index, env('all', '.'), { inputs: { files: [], dirs: ['.'] } });
  recordInputs(index, env('odd', 'apps/odd'), { inputs: { files: ['apps/odd/kustomization.yaml'], dirs: [], unsure: 'a plugin reads files bosun cannot list' } });
  recordInputs(index, env('broken', 'apps/broken'), { problem: { kind: 'render', message: 'path "apps/broken" does not exist' } });
  return index;
}

describe('input index', () => {
  it('keeps only entries no changed path reaches; unsure, failed and whole-repository entries are always recomputed', () => {
    const derived = deriveIndex(baseIndex(), ['apps/web/deployment.yaml'], 'head', 'tree-b');
    expect(Object.keys(derived.envs).sort()).toEqual(['shop']);
    expect(derived).toMatchObject({ key: 'head', tree: 'tree-b' });
  });

  it('drops an entry when a file is added next to one of its files (a second kustomization file, a new patch)', () => {
    expect(Object.keys(deriveIndex(baseIndex(), ['apps/shop/base/kustomization.yml'], 'h', 't').envs)).not.toContain('shop');
    expect(Object.keys(deriveIndex(baseIndex(), ['apps/shop/README.md'], 'h', 't').envs)).toContain('shop');
  });

  it('uses an entry only for the very definition it was recorded for', () => {
    const index = baseIndex();
    expect(lookupInputs(index, env('shop', 'apps/shop/overlays/prod'))?.inputs?.files).toContain('apps/shop/base/deploy.yaml');
    expect(lookupInputs(index, env('shop', 'apps/shop/overlays/staging'))).toBeUndefined();
    expect(lookupInputs(index, { ...env('shop', 'apps/shop/overlays/prod'), definedIn: { file: 'clusters/shop.yaml', line: 2 } })).toBeUndefined();
    expect(definitionHash(env('a', 'x'))).toBe(definitionHash({ path: 'x', name: 'a', render: 'kustomize', source: 'flux', definedIn: { line: 1, file: 'clusters/a.yaml' } } as Environment));
  });

  it('looks changed files up: by file, by folder, the whole repository, and whatever is not known for sure', () => {
    const index = baseIndex();
    expect([...readersOf(index, ['apps/shop/base/deploy.yaml'])].sort()).toEqual(['all', 'broken', 'odd', 'shop']);
    expect([...readersOf(index, ['apps/web/deep/x.yaml'])].sort()).toEqual(['all', 'broken', 'odd', 'web']);
    expect([...readersOf(index, ['docs/readme.md'])].sort()).toEqual(['all', 'broken', 'odd']);
  });

  it('looks up a folder named as a changed path, several changed paths at once, and no change at all', () => {
    const index = baseIndex();
    // A submodule or a folder replaced by a file: the path itself is one of the inputs' folders.
    expect([...readersOf(index, ['apps/web'])].sort()).toEqual(['all', 'broken', 'odd', 'web']);
    expect([...readersOf(index, ['./apps/web/a.yaml', 'clusters/shop.yaml'])].sort()).toEqual(['all', 'broken', 'odd', 'shop', 'web']);
    // A sibling whose name starts like an input folder is not in it.
    expect([...readersOf(index, ['apps/webshop/a.yaml'])].sort()).toEqual(['all', 'broken', 'odd']);
    // Nothing changed: only what is not known for sure.
    expect([...readersOf(index, [])].sort()).toEqual(['broken', 'odd']);
  });

  it('keys an index by tree, version and scope', () => {
    const k = inputIndexKey('tree-a', { version: '1.0.0', scope: { repoUrls: ['a'], clusters: null } });
    expect(inputIndexKey('tree-a', { version: '1.0.0', scope: { clusters: null, repoUrls: ['a'] } })).toBe(k);
    expect(inputIndexKey('tree-b', { version: '1.0.0', scope: { repoUrls: ['a'], clusters: null } })).not.toBe(k);
    expect(inputIndexKey('tree-a', { version: '1.0.1', scope: { repoUrls: ['a'], clusters: null } })).not.toBe(k);
    expect(inputIndexKey('tree-a', { version: '1.0.0', scope: { repoUrls: ['b'], clusters: null } })).not.toBe(k);
    expect(k).toMatch(/^[0-9a-f]{40}$/);
  });
});
