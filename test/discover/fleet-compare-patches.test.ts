import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { compileIgnoreRules, withoutIgnoredFields } from '../../src/diff/ignore-differences.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { makeTree, yaml } from './temp-tree.ts';

const clusters = { clusters: [{ name: 'c1', labels: { env: 'prod' } }] };

const web = (namespace: string | undefined, replicas: number, apiVersion = 'apps/v1'): KubeObject => ({
  apiVersion, kind: 'Deployment', metadata: { name: 'web', ...(namespace ? { namespace } : {}) }, spec: { replicas, paused: false },
});

describe('Fleet diff.comparePatches as the fields the apply preview and drift leave out', () => {
  it('gives the bundle environment ignore rules: operations by exact apiVersion and object key, jsonPointers as Argo CD matches them', async () => {
    const root = await makeTree({
      'web/fleet.yaml': yaml`
        defaultNamespace: shop
        diff:
          comparePatches:
            - apiVersion: apps/v1
              kind: Deployment
              name: web
              namespace: shop
              operations:
                - {op: remove, path: /spec/replicas}
                - {op: add, path: /spec/paused, value: true}
                - {op: ignore}
            - apiVersion: v1
              kind: ConfigMap
              jsonPointers: [/data/tuned, data/oops]
      `,
      'web/deploy.yaml': yaml`
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {mode: a}
      `,
    });
    const { environments, notes } = await discoverEnvironments(root, { clusters });
    const env = environments.find((e) => e.name === 'web@c1')!;
    const rules = compileIgnoreRules(env.apply?.ignoreDifferences);
    expect(rules.problems).toEqual([]);

    // The operation's path is left out of the named Deployment only.
    expect(withoutIgnoredFields(web('shop', 5), web('shop', 2), rules)).toMatchObject({ live: { spec: { paused: false } }, next: { spec: { paused: false } }, ignored: true });
    expect(withoutIgnoredFields(web('shop', 5), web('shop', 2), rules).live.spec).toEqual({ paused: false });
    for (const other of [web('other', 5), web(undefined, 5), web('shop', 5, 'apps/v1beta2')]) {
      expect(withoutIgnoredFields(other, other, rules).ignored, JSON.stringify(other.metadata) + other.apiVersion).toBe(false);
    }
    // A jsonPointers entry without name or namespace covers every ConfigMap.
    const cm = (tuned: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'any', namespace: 'x' }, data: { mode: 'a', tuned } });
    expect(withoutIgnoredFields(cm('live'), cm('git'), rules)).toMatchObject({ live: { data: { mode: 'a' } }, next: { data: { mode: 'a' } } });
    expect(withoutIgnoredFields(cm('live'), cm('git'), rules).live.data).toEqual({ mode: 'a' });

    // What is not modelled is said, on the environment, naming the entry.
    const said = notes.filter((n) => n.name === 'web@c1').map((n) => n.reason);
    expect(said).toEqual(expect.arrayContaining([
      'diff.comparePatches[0] (apps/v1 Deployment shop/web).operations[1]: op "add" is not modelled (bosun models remove and replace, which leave the path out of the comparison); that field is compared as usual',
      'diff.comparePatches[0] (apps/v1 Deployment shop/web).operations[2]: op "ignore" (leave the whole object out of drift) is not modelled; its fields are compared',
      'diff.comparePatches[1] (v1 ConfigMap): jsonPointers entry "data/oops" is not a JSON pointer (it must start with "/"); that field is compared as usual',
    ]));
  });

  it('gives a bundle without comparePatches no ignore rules', async () => {
    const root = await makeTree({ 'web/fleet.yaml': 'defaultNamespace: shop\n', 'web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n' });
    const { environments } = await discoverEnvironments(root, { clusters });
    expect(environments.find((e) => e.name === 'web@c1')?.apply).toBeUndefined();
  });
});
