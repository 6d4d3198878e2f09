import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { diffRenders } from '../../src/diff/change-diff.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { renderJson } from '../../src/report/json.ts';
import { planJsonSchema } from '../../src/report/json-schema.ts';
import { b64, deployment, rendered, secret, simple } from '../diff/objects.ts';
import { change, environment, plan } from './plans.ts';

/** A plan that uses every optional field the model has. */
function everything(): PlanResult {
  const changes = diffRenders(
    [rendered(deployment({ image: 'a:1' }), 'apps/web.yaml', 3), rendered(secret('db', { data: { pw: b64('old-pw') } }), 'apps/db.yaml')],
    [rendered(deployment({ image: 'a:2' }), 'apps/web.yaml', 3), rendered(secret('db', { data: { pw: b64('new-pw'), user: b64('u') } }), 'apps/db.yaml')],
  );
  return plan(
    environment('staging', {
      source: 'flux', cluster: 'staging', lifecycle: 'added', render: { objects: 2, baseObjects: 2 }, changes,
      validation: {
        errors: [{ severity: 'error', file: 'apps/web.yaml', line: 9, object: 'apps/v1 Deployment web/frontend', path: '/spec/replicas', message: 'must be integer' }],
        warnings: [{ severity: 'warning', object: 'example.com/v1 Widget web/w', path: '', message: 'no schema' }],
      },
    }),
    environment('dev', { source: 'directory', affected: false, reason: 'no input changed', render: { skipped: true } }),
    environment('qa', { source: 'argocd', lifecycle: 'removed', render: { error: { kind: 'render', message: 'helm failed', file: 'charts/x/values.yaml', line: 2, field: 'image.tag', tool: 'helm', side: 'base' } } }),
  );
}

const ajv = new Ajv({ strict: true, allErrors: true });
const validate = ajv.compile(planJsonSchema);

describe('JSON output', () => {
  it('validates against the published JSON Schema', () => {
    const doc = JSON.parse(renderJson(everything()));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
  });

  it('is rejected by the schema when a field is wrong, so the schema really describes the shape', () => {
    const doc = JSON.parse(renderJson(everything()));
    doc.environments[0].changes[0].risk = 'spicy';
    expect(validate(doc)).toBe(false);
    const extra = JSON.parse(renderJson(everything()));
    extra.environments[0].surprise = true;
    expect(validate(extra)).toBe(false);
  });

  it('writes keys in the model order, 2-space indented, whatever order the input objects have', () => {
    const p = everything();
    const scrambled = JSON.parse(JSON.stringify(p, (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))) as PlanResult;
    const text = renderJson(scrambled);
    expect(text).toBe(renderJson(p));
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['base', 'head', 'environments']);
    expect(Object.keys(doc.environments[0])).toEqual(['name', 'source', 'path', 'cluster', 'affected', 'reason', 'lifecycle', 'render', 'validation', 'changes']);
    expect(Object.keys(doc.environments[0].changes[0])).toEqual(['action', 'apiVersion', 'kind', 'namespace', 'name', 'risk', 'diff', 'file', 'line']);
    expect(Object.keys(doc.environments[2].render.error)).toEqual(['kind', 'message', 'file', 'line', 'field', 'tool', 'side']);
    expect(text.startsWith('{\n  "base": ')).toBe(true);
  });

  it('lists changes riskiest first and keeps Secret key lists but never values', () => {
    const doc = JSON.parse(renderJson(everything()));
    expect(doc.environments[0].changes.map((c: { risk: string }) => c.risk)).toEqual(['image', 'other']);
    expect(doc.environments[0].changes[1].secretKeys).toEqual({ added: ['user'], removed: [], changed: ['pw'] });
    const text = renderJson(everything());
    for (const value of ['old-pw', 'new-pw', b64('old-pw'), b64('new-pw')]) expect(text).not.toContain(value);
  });

  it('describes a kustomize hash-suffix rename and the objects that follow it, in the schema and in key order', () => {
    const generated = (name: string, level: string) => ({
      object: simple('v1', 'ConfigMap', name, 'web', { data: { LEVEL: level } }),
      source: { file: 'apps/kustomization.yaml', line: 2, generator: 'ConfigMapGenerator' },
    });
    const follower = (name: string) => rendered(deployment({ extra: { spec: { template: { spec: { volumes: [{ name: 'c', configMap: { name } }] } } } } }), 'apps/web.yaml', 1);
    const changes = diffRenders([generated('c-hf678c7m2b', 'info'), follower('c-hf678c7m2b')], [generated('c-5t2m9b7k8h', 'debug'), follower('c-5t2m9b7k8h')]);
    const doc = JSON.parse(renderJson(plan(environment('staging', { changes }))));
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    const [cm, deploy] = doc.environments[0].changes;
    expect(Object.keys(cm)).toEqual(['action', 'apiVersion', 'kind', 'namespace', 'name', 'risk', 'diff', 'file', 'line', 'rename']);
    expect(cm.rename).toEqual({ from: 'c-hf678c7m2b', generator: 'ConfigMapGenerator', changed: ['data.LEVEL'] });
    expect(Object.keys(deploy)).toEqual(['action', 'apiVersion', 'kind', 'namespace', 'name', 'risk', 'diff', 'file', 'line', 'renamedReferences', 'referenceOnly']);
    expect(deploy.renamedReferences).toEqual([{ kind: 'ConfigMap', name: 'c', from: 'c-hf678c7m2b', to: 'c-5t2m9b7k8h' }]);
    cm.rename.extra = true;
    expect(validate(doc)).toBe(false);
  });

  it('keeps fields the model gains later instead of dropping them', () => {
    const p = plan(environment('x', { changes: [{ ...change('ConfigMap', 'c'), ...{ blastRadius: 3 } }] }));
    const doc = JSON.parse(renderJson(p));
    expect(doc.environments[0].changes[0].blastRadius).toBe(3);
  });
});
