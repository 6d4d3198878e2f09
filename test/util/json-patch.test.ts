// RFC 6902 JSON patch, the one implementation kustomize-style JSON 6902 patches of Flux Kustomizations
// (discover/flux-patched.ts) and Fleet's `<name>_patch.yaml` lists (render/fleet-patch.ts) use, as
// github.com/evanphx/json-patch applies it (kustomize api/filters/patchjson6902, wrangler patch.Apply).
import { describe, expect, it } from 'vitest';
import { applyJsonPatch, JsonPatchError } from '../../src/util/json-patch.ts';

const object = { metadata: { name: 'apps', 'a/b~c': 1 }, spec: { path: './apps/staging', list: ['a', 'b'] } };

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies add, replace, remove, move, copy and test in order on a copy, with ~1 / ~0 escapes and - for the end of a list', () => {
    const out = applyJsonPatch(object, [
      { op: 'replace', path: '/spec/path', value: './apps/production' },
      { op: 'add', path: '/spec/list/-', value: 'c' },
      { op: 'add', path: '/spec/list/0', value: 'first' },
      { op: 'remove', path: '/metadata/a~1b~0c' },
      { op: 'copy', from: '/spec/path', path: '/spec/copied' },
      { op: 'move', from: '/spec/copied', path: '/metadata/moved' },
      { op: 'test', path: '/metadata', value: { moved: './apps/production', name: 'apps' } },
    ]);
    expect(out).toEqual({ metadata: { name: 'apps', moved: './apps/production' }, spec: { path: './apps/production', list: ['first', 'a', 'b', 'c'] } });
    expect(object.spec.path).toBe('./apps/staging');
  });

  it('fails the whole patch at the first operation that cannot be applied, naming its index', () => {
    const cases: Array<[unknown, string]> = [
      [{ op: 'replace', path: '/spec/missing', value: 1 }, 'operation 1: /spec/missing does not exist'],
      [{ op: 'remove', path: '/spec/list/5' }, 'operation 1: /spec/list/5 does not exist'],
      [{ op: 'add', path: '/nowhere/x', value: 1 }, 'operation 1: cannot add at /nowhere/x'],
      [{ op: 'test', path: '/spec/path', value: 'other' }, 'operation 1: test of /spec/path failed'],
      [{ op: 'move', path: '/spec/x' }, 'operation 1: move needs "from"'],
      [{ op: 'merge', path: '/spec' }, 'operation 1: unknown operation "merge"'],
      [{ op: 'add', path: 'spec', value: 1 }, 'operation 1: "spec" is not a JSON pointer'],
      [{ path: '/spec' }, 'operation 1: each operation needs "op" and "path"'],
    ];
    for (const [op, message] of cases) {
      const run = () => applyJsonPatch(object, [{ op: 'add', path: '/spec/ok', value: true }, op]);
      expect(run).toThrow(JsonPatchError);
      expect(run).toThrow(message);
    }
  });
});
