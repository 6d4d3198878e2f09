// Which patches apply to an object and which generator entry made it, read from the kustomization files;
// and the patch target matching that never runs a pull request's regular expression.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/model/object.ts';
import { generatorEntry, patchesFor, patternMayMatch, readKustomizeSourceMap } from '../../src/render/kustomize-source-map.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const object = (kind: string, name: string, labels?: Record<string, string>): KubeObject => ({
  apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, metadata: { name, namespace: 'shop', ...(labels ? { labels } : {}) },
});

describe('kustomize patch and generator sources', () => {
  it('lists the patches of each object in the order kustomize applies them: base, overlay, then the GitOps object', async () => {
    const root = await repo({
      'base/kustomization.yaml': 'resources: [d.yaml]\npatchesStrategicMerge:\n  - smp.yaml\n',
      'base/smp.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n',
      'overlay/kustomization.yaml': [
        'resources: [../base]',
        'configMapGenerator:',
        '  - name: api-config',
        '    literals: [A=1]',
        'patches:',
        '  - path: ops.yaml',
        '    target: {kind: Deployment, labelSelector: "tier=web"}',
        '  - target: {kind: ConfigMap, name: "api-.*"}',
        '    patch: |-',
        '      - op: add',
        '        path: /data/B',
        '        value: "2"',
        '',
      ].join('\n'),
      'overlay/ops.yaml': '- op: replace\n  path: /spec/replicas\n  value: 3\n',
    });
    const env = environment({
      name: 'prod', path: 'overlay', source: 'flux', definedIn: { file: 'clusters/prod/apps.yaml', line: 4 },
      kustomize: { patches: [{ patch: 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  paused: true\n' }] },
    });
    const map = await readKustomizeSourceMap(root, ['overlay/kustomization.yaml', 'base/kustomization.yaml'], env);

    const source = object('Deployment', 'api');
    const web = patchesFor(map, { built: object('Deployment', 'prod-api', { tier: 'web' }), source });
    expect(web.map((p) => `${p.file}:${p.line}`)).toEqual(['base/smp.yaml:1', 'overlay/ops.yaml:1', 'clusters/prod/apps.yaml:4']);
    // The label selector rules the JSON patch out; the strategic merge patch for `other` never applied.
    expect(patchesFor(map, { built: object('Deployment', 'prod-api', { tier: 'db' }), source }).map((p) => p.file)).toEqual(['base/smp.yaml', 'clusters/prod/apps.yaml']);
    expect(patchesFor(map, { built: object('Deployment', 'unrelated'), source: object('Deployment', 'unrelated') })).toEqual([]);

    const generated = object('ConfigMap', 'api-config-hf678c7m2b');
    const entry = generatorEntry(map, 'overlay/kustomization.yaml', 'ConfigMapGenerator', generated);
    expect(entry).toMatchObject({ name: 'api-config', line: 3 });
    expect(generatorEntry(map, 'overlay/kustomization.yaml', 'SecretGenerator', generated)).toBeUndefined();
    const inline = patchesFor(map, { built: generated, source: object('ConfigMap', 'api-config') });
    expect(inline).toEqual([{ file: 'overlay/kustomization.yaml', line: 8, inline: { text: expect.stringContaining('/data/B'), doc: 0, firstLine: 10 } }]);
  });

  it('evaluates literal names and . .* .+ wildcards, alternatives, and takes anything else as a possible match', () => {
    expect(patternMayMatch('api', 'api')).toBe(true);
    expect(patternMayMatch('api', 'api-worker')).toBe(false); // anchored, as kustomize anchors it
    expect(patternMayMatch('api-.*', 'api-worker')).toBe(true);
    expect(patternMayMatch('api-.+', 'api-')).toBe(false);
    expect(patternMayMatch('web|api', 'api')).toBe(true);
    expect(patternMayMatch('a.i', 'api')).toBe(true);
    expect(patternMayMatch('a\\.i', 'api')).toBe(false);
    expect(patternMayMatch('[a-z]+', 'anything')).toBe(true);
    // A pattern that takes a backtracking engine exponential time: never run, answered at once.
    const started = Date.now();
    expect(patternMayMatch('(a+)+$', `${'a'.repeat(40)}!`)).toBe(true);
    expect(patternMayMatch('.*.*.*.*.*.*.*.*.*.*b', 'a'.repeat(250))).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
