import { describe, expect, it } from 'vitest';
import { collectCrds, createValidator, crdVersions } from '../../src/validate/index.ts';
import type { RenderedObject } from '../../src/model/object.ts';
import { rendered } from './support.ts';

const widgetCrd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: { type: integer, minimum: 1 }
                mode: { type: string, enum: [fast, safe] }
                port:
                  x-kubernetes-int-or-string: true
                  anyOf: [{ type: integer }, { type: string }]
                note: { type: string, nullable: true }
                name: { type: string, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' }
                legacyName: { type: string, pattern: '(?i)^[a-z]+$' }
                config:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                tuning:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
                  properties:
                    level: { type: integer }
                labels:
                  type: object
                  additionalProperties: { type: string }
                template:
                  type: object
                  x-kubernetes-embedded-resource: true
                  properties:
                    spec: { type: object, properties: { image: { type: string } } }
            status:
              type: object
              properties:
                ready: { type: boolean }
    - name: v1alpha1
      served: false
      storage: false
      schema:
        openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true }
`;

const widget = (spec: string, apiVersion = 'example.com/v1') => `apiVersion: ${apiVersion}
kind: Widget
metadata:
  name: w1
  namespace: apps
spec:
${spec.split('\n').map((l) => `  ${l}`).join('\n')}
`;

function render(...docs: string[]): RenderedObject[] {
  return rendered('clusters/prod/widgets.yaml', docs.join('---\n'));
}

const errors = (objs: RenderedObject[], opts = {}) => createValidator(opts).validate(objs).filter((f) => f.severity === 'error');

describe('custom resources validated against their CRD', () => {
  it('accepts a custom resource that matches the CRD in the same render', () => {
    const objs = render(widgetCrd, widget('size: 3\nmode: fast\nport: 8080\nlabels: { team: a }\nstatus: null'.replace('\nstatus: null', '')));
    expect(createValidator().validate(objs)).toEqual([]);
  });

  it('rejects an unknown field of a custom resource and names it', () => {
    const objs = render(widgetCrd, widget('size: 3\nsizee: 4'));
    expect(errors(objs)).toEqual([expect.objectContaining({
      file: 'clusters/prod/widgets.yaml',
      line: 55,
      object: 'example.com/v1 Widget apps/w1',
      path: '/spec/sizee',
      message: 'unknown field "sizee" (did you mean "size"?)',
    })]);
  });

  it('applies the CRD constraints: required, types, enums, minimum and patterns', () => {
    const objs = render(widgetCrd, widget('size: 0\nmode: turbo\nname: Not_Valid'), widget('mode: safe').replace('name: w1', 'name: w2'));
    expect(errors(objs).map((f) => [f.object, f.path, f.message])).toEqual([
      ['example.com/v1 Widget apps/w1', '/spec/size', 'must be >= 1'],
      ['example.com/v1 Widget apps/w1', '/spec/mode', 'unsupported value "turbo"; allowed: fast, safe'],
      ['example.com/v1 Widget apps/w1', '/spec/name', 'does not match the required pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'],
      ['example.com/v1 Widget apps/w2', '/spec', 'missing required field "size"'],
    ]);
  });

  it('accepts anything below x-kubernetes-preserve-unknown-fields, but still checks the fields it lists', () => {
    const ok = render(widgetCrd, widget('size: 1\nconfig: { anything: [1, 2], nested: { deep: true } }\ntuning: { level: 2, extra: yes }'));
    expect(errors(ok)).toEqual([]);
    const bad = render(widgetCrd, widget('size: 1\ntuning: { level: high }'));
    expect(errors(bad).map((f) => [f.path, f.message])).toEqual([['/spec/tuning/level', 'expected integer, got string']]);
  });

  it('skips a pattern only RE2 understands instead of failing the whole CRD', () => {
    expect(errors(render(widgetCrd, widget('size: 1\nlegacyName: ABC')))).toEqual([]);
  });

  it('treats x-kubernetes-int-or-string as integer or string', () => {
    expect(errors(render(widgetCrd, widget('size: 1\nport: 8080')))).toEqual([]);
    expect(errors(render(widgetCrd, widget('size: 1\nport: http')))).toEqual([]);
    expect(errors(render(widgetCrd, widget('size: 1\nport: [1]'))).map((f) => f.message)).toEqual(['expected integer or string, got array']);
  });

  it('accepts null where the CRD says nullable, and only there', () => {
    expect(errors(render(widgetCrd, widget('size: 1\nnote: null')))).toEqual([]);
    expect(errors(render(widgetCrd, widget('size: 1\nmode: null'))).map((f) => [f.path, f.message])).toEqual([
      ['/spec/mode', 'expected string, got null'],
    ]);
  });

  it('allows apiVersion, kind and metadata inside an embedded resource', () => {
    const objs = render(widgetCrd, widget('size: 1\ntemplate: { apiVersion: v1, kind: Pod, metadata: { name: x }, spec: { image: nginx } }'));
    expect(errors(objs)).toEqual([]);
  });

  it('checks custom resource metadata as Kubernetes object metadata', () => {
    const objs = render(widgetCrd, widget('size: 1').replace('namespace: apps', 'namespace: apps\n  labelz: { a: b }'));
    expect(errors(objs).map((f) => [f.path, f.message])).toEqual([['/metadata/labelz', 'unknown field "labelz" (did you mean "labels"?)']]);
  });

  it('refuses a version the CRD does not serve and names the served one', () => {
    const objs = render(widgetCrd, widget('size: 1', 'example.com/v1alpha1'), widget('size: 1', 'example.com/v2').replace('w1', 'w2'));
    expect(errors(objs).map((f) => f.message)).toEqual([
      'example.com/v1alpha1 Widget is not served by CustomResourceDefinition widgets.example.com: use example.com/v1',
      'example.com/v2 Widget is not served by CustomResourceDefinition widgets.example.com: use example.com/v1',
    ]);
  });

  it('uses CRDs passed in from elsewhere in the repository', () => {
    const crds = collectCrds(rendered('crds/widgets.yaml', widgetCrd));
    expect(crds).toHaveLength(1);
    const objs = rendered('apps/widget.yaml', widget('size: 1\nsizee: 2'));
    expect(errors(objs, { crds }).map((f) => f.path)).toEqual(['/spec/sizee']);
  });

  it('prefers the CRD in the render over an older copy from the repository', () => {
    const old = collectCrds(rendered('crds/widgets.yaml', widgetCrd.replace('mode: { type: string, enum: [fast, safe] }', 'mode: { type: string, enum: [fast] }')));
    const objs = render(widgetCrd, widget('size: 1\nmode: safe'));
    expect(errors(objs, { crds: old })).toEqual([]);
    expect(errors(rendered('apps/widget.yaml', widget('size: 1\nmode: safe')), { crds: old }).map((f) => f.path)).toEqual(['/spec/mode']);
  });

  it('ignores versions that only an older copy of the same CRD still lists', () => {
    const old = collectCrds(rendered('vendor/widgets.yaml', widgetCrd.replace('served: false', 'served: true')));
    const objs = render(widgetCrd, widget('size: 1', 'example.com/v1alpha1'));
    expect(errors(objs, { crds: old }).map((f) => f.message)).toEqual([
      'example.com/v1alpha1 Widget is not served by CustomResourceDefinition widgets.example.com: use example.com/v1',
    ]);
  });

  it('reads apiextensions.k8s.io/v1beta1 CRDs with a top-level spec.validation', () => {
    const v1beta1 = `apiVersion: apiextensions.k8s.io/v1beta1
kind: CustomResourceDefinition
metadata: { name: gadgets.example.org }
spec:
  group: example.org
  version: v1
  names: { plural: gadgets, kind: Gadget }
  preserveUnknownFields: false
  validation:
    openAPIV3Schema:
      type: object
      properties:
        spec: { type: object, properties: { count: { type: integer } } }
`;
    const crds = collectCrds(rendered('crds/gadgets.yaml', v1beta1));
    expect(crdVersions(crds[0]).map((v) => [v.group, v.version, v.kind, v.served])).toEqual([['example.org', 'v1', 'Gadget', true]]);
    const cr = rendered('gadget.yaml', 'apiVersion: example.org/v1\nkind: Gadget\nmetadata: { name: g }\nspec: { count: two, color: red }\n');
    expect(errors(cr, { crds }).map((f) => [f.path, f.message])).toEqual([
      ['/spec/color', 'unknown field "color"'],
      ['/spec/count', 'expected integer, got string'],
    ]);
  });

  it('validates the CRD object itself against the built-in CustomResourceDefinition schema', () => {
    const broken = widgetCrd.replace('  scope: Namespaced', '  scope: Namespaced\n  scopes: Cluster');
    expect(errors(render(broken)).map((f) => [f.object, f.path])).toEqual([['apiextensions.k8s.io/v1 CustomResourceDefinition widgets.example.com', '/spec/scopes']]);
  });
});
