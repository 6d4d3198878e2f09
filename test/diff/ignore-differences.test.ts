import { describe, expect, it } from 'vitest';
import { compileIgnoreRules, withoutIgnoredFields } from '../../src/diff/ignore-differences.ts';
import { parseJqPath, selectPaths } from '../../src/diff/jq-path.ts';
import { liveDiff } from '../../src/cluster/live-diff.ts';
import type { KubeObject } from '../../src/model/object.ts';

const deployment = (image: string, replicas: number, sidecar = 'envoy:1.0'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', annotations: { 'example.com/checksum': image } },
  spec: {
    replicas,
    template: { spec: { containers: [{ name: 'app', image }, { name: 'proxy', image: sidecar }] } },
  },
});

describe('jq path expressions (the subset Argo CD users write)', () => {
  it('selects fields, array elements and select() matches', () => {
    const doc = deployment('app:1', 3);
    expect(selectPaths(parseJqPath('.spec.replicas'), doc)).toEqual([['spec', 'replicas']]);
    expect(selectPaths(parseJqPath('.spec.template.spec.containers[] | select(.name == "proxy") | .image'), doc))
      .toEqual([['spec', 'template', 'spec', 'containers', 1, 'image']]);
    expect(selectPaths(parseJqPath('.metadata.annotations."example.com/checksum"'), doc)).toEqual([['metadata', 'annotations', 'example.com/checksum']]);
    expect(selectPaths(parseJqPath('.metadata.annotations["example.com/checksum"]'), doc)).toEqual([['metadata', 'annotations', 'example.com/checksum']]);
    expect(selectPaths(parseJqPath('.spec.template.spec.containers[]? | select(.name != "app" and (.image | startswith("envoy"))) | .image'), doc))
      .toEqual([['spec', 'template', 'spec', 'containers', 1, 'image']]);
    expect(selectPaths(parseJqPath('.spec.template.spec.containers[0].image'), doc)).toEqual([['spec', 'template', 'spec', 'containers', 0, 'image']]);
  });

  it('refuses what it does not run, saying what', () => {
    expect(() => parseJqPath('.spec | to_entries')).toThrow(/expected|not supported/);
    expect(() => parseJqPath('..|.image?')).toThrow(/recursive descent/);
    expect(() => parseJqPath('.spec.containers[] | select(.name | test("x"))')).toThrow(/function "test" is not supported/);
    expect(() => parseJqPath('.a[1:2]')).toThrow(/slices/);
  });
});

describe('ignoreDifferences', () => {
  it('hides a field matched by a jq expression from the live diff, and only that field', () => {
    const rules = compileIgnoreRules([{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "proxy") | .image'] }]);
    const live = deployment('app:1', 3, 'envoy:2.0');
    const head = deployment('app:1', 3, 'envoy:1.0');
    const hidden = withoutIgnoredFields(live, head, rules);
    expect(hidden.ignored).toBe(true);
    expect(liveDiff(hidden.live, hidden.next).changed).toBe(false);
    const replicas = withoutIgnoredFields(live, deployment('app:1', 4, 'envoy:1.0'), rules);
    const d = liveDiff(replicas.live, replicas.next);
    expect(d.changed).toBe(true);
    expect(d.diff).toContain('+  replicas: 4');
    expect(d.diff).not.toContain('envoy');
  });

  it('matches group and kind as globs, name and namespace exactly, and removes JSON pointers', () => {
    const rules = compileIgnoreRules([{ group: '*', kind: 'Deploy*', name: 'web', jsonPointers: ['/spec/replicas', '/metadata/annotations/example.com~1checksum'] }]);
    const hidden = withoutIgnoredFields(deployment('app:1', 3), deployment('app:1', 5), rules);
    expect(liveDiff(hidden.live, hidden.next).changed).toBe(false);
    const other = compileIgnoreRules([{ group: 'apps', kind: 'Deployment', name: 'api', jsonPointers: ['/spec/replicas'] }]);
    expect(withoutIgnoredFields(deployment('app:1', 3), deployment('app:1', 5), other).ignored).toBe(false);
  });

  it('leaves out the fields a named field manager owns (managedFieldsManagers)', () => {
    const live: KubeObject = {
      ...deployment('app:1', 7),
      metadata: {
        ...deployment('app:1', 7).metadata,
        managedFields: [
          { manager: 'bosun', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } } },
          { manager: 'kube-hpa', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        ],
      },
    };
    const rules = compileIgnoreRules([{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['kube-hpa'] }]);
    const hidden = withoutIgnoredFields(live, deployment('app:1', 3), rules);
    expect(liveDiff(hidden.live, hidden.next).changed).toBe(false);
    const image = withoutIgnoredFields(live, deployment('app:2', 3), rules);
    expect(liveDiff(image.live, image.next).diff).toContain('+        - image: app:2');
  });

  it('reports an expression outside the subset as a problem and compares that field as usual', () => {
    const rules = compileIgnoreRules([{ kind: 'Deployment', group: 'apps', jqPathExpressions: ['.spec | del(.replicas)'] }]);
    expect(rules.problems).toEqual([expect.stringMatching(/^ignoreDifferences\[0\]\.jqPathExpressions: `\.spec \| del\(\.replicas\)` is outside the jq subset bosun runs: .*; that field is compared as usual$/)]);
  });
});
