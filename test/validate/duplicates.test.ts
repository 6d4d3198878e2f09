import { describe, expect, it } from 'vitest';
import { createValidator, findDuplicates } from '../../src/validate/index.ts';
import { rendered } from './support.ts';

const cm = (name: string, namespace?: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
${namespace ? `  namespace: ${namespace}\n` : ''}data: { a: b }
`;

describe('duplicate objects in one render', () => {
  it('reports the second definition as an error naming both source files', () => {
    const objs = [...rendered('base/config.yaml', cm('settings', 'web')), ...rendered('overlays/prod/extra.yaml', `---\n${cm('other', 'web')}---\n${cm('settings', 'web')}`)];
    expect(createValidator().validate(objs)).toEqual([{
      severity: 'error',
      file: 'overlays/prod/extra.yaml',
      line: 9,
      object: 'v1 ConfigMap web/settings',
      path: '/metadata/name',
      message: 'duplicate object ConfigMap web/settings: defined in base/config.yaml:1 and again in overlays/prod/extra.yaml:9; remove one or rename it',
    }]);
  });

  it('does not confuse objects that differ in namespace, kind or API group', () => {
    const objs = [
      ...rendered('a.yaml', cm('settings', 'web')),
      ...rendered('b.yaml', cm('settings', 'api')),
      ...rendered('c.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: { name: settings, namespace: web }\n'),
      ...rendered('d.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: settings, namespace: web }\nspec: { selector: {}, template: {} }\n'),
    ];
    expect(findDuplicates(objs)).toEqual([]);
  });

  it('treats two versions of the same group and kind as the same object', () => {
    const objs = [
      ...rendered('a.yaml', 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: { name: web }\n'),
      ...rendered('b.yaml', 'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: web }\n'),
    ];
    expect(findDuplicates(objs).map((d) => [d.first.source?.file, d.object.source?.file])).toEqual([['a.yaml', 'b.yaml']]);
  });

  it('ignores the namespace written on a cluster-scoped kind when the scope is known', () => {
    const objs = [
      ...rendered('a.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: { name: web }\n'),
      ...rendered('b.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: { name: web, namespace: default }\n'),
    ];
    expect(findDuplicates(objs)).toEqual([]);
    const findings = createValidator().validate(objs).filter((f) => f.message.startsWith('duplicate'));
    expect(findings.map((f) => f.file)).toEqual(['b.yaml']);
  });
});
