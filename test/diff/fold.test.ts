import { describe, expect, it } from 'vitest';
import { diffRenders } from '../../src/diff/change-diff.ts';
import { foldAcrossEnvironments } from '../../src/diff/fold.ts';
import type { EnvironmentPlan } from '../../src/model/plan.ts';
import { b64, deployment, rendered, secret, simple } from './objects.ts';

function env(name: string, changes: EnvironmentPlan['changes']): EnvironmentPlan {
  return { name, source: 'directory', path: `clusters/${name}`, affected: true, reason: 'changed', render: { objects: 1 }, validation: { errors: [], warnings: [] }, changes };
}

describe('folding identical changes across environments', () => {
  it('groups a change that is the same in several environments and leaves out the ones that differ', () => {
    const bump = diffRenders([rendered(deployment({ image: 'web:1' }))], [rendered(deployment({ image: 'web:2' }))]);
    const other = diffRenders([rendered(deployment({ image: 'web:1' }))], [rendered(deployment({ image: 'web:3' }))]);
    const cm = diffRenders([], [rendered(simple('v1', 'ConfigMap', 'x', 'web', { data: { a: '1' } }))]);
    const groups = foldAcrossEnvironments([env('staging', [...bump, ...cm]), env('production', bump), env('dev', [...other, ...cm])]);
    expect(groups.map((g) => [g.change.kind, g.environments])).toEqual([
      ['Deployment', ['staging', 'production']],
      ['ConfigMap', ['staging', 'dev']],
    ]);
  });

  it('does not fold Secrets whose values changed: equal masks do not mean equal values', () => {
    const a = diffRenders([rendered(secret('db', { data: { pw: b64('one') } }))], [rendered(secret('db', { data: { pw: b64('two') } }))]);
    const b = diffRenders([rendered(secret('db', { data: { pw: b64('one') } }))], [rendered(secret('db', { data: { pw: b64('three') } }))]);
    expect(a[0].diff).toBe(b[0].diff);
    expect(foldAcrossEnvironments([env('staging', a), env('production', b)])).toEqual([]);
  });
});
