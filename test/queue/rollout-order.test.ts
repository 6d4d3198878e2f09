// An ApplicationSet's RollingSync as ordering edges between one push's applies (src/jobs/rollout-order.ts):
// each step after the nearest earlier step the push applies, maxUpdate lanes within a step, nothing waits
// for an Application no step selects, and two ApplicationSets never wait for each other.
import { describe, expect, it } from 'vitest';
import { rolloutWaits, type RolloutMember } from '../../src/jobs/rollout-order.ts';

const member = (name: string, step: number | undefined, more: { appSet?: string; maxAtOnce?: number; manual?: string } = {}): RolloutMember => ({
  name,
  rollout: { appSet: more.appSet ?? 'web', file: 'sets/web.yaml', ...(step !== undefined ? { step } : {}), ...(more.maxAtOnce !== undefined ? { maxAtOnce: more.maxAtOnce } : {}), ...(more.manual ? { manual: more.manual } : {}) },
});
const after = (waits: ReturnType<typeof rolloutWaits>) => Object.fromEntries([...waits].map(([env, w]) => [env, w.after]));

describe('RollingSync order of a merge\'s applies', () => {
  it('applies step 2 only after every environment of step 1 the push applies', () => {
    const waits = rolloutWaits([member('web-prod', 2), member('web-dev', 1), member('web-canary', 1), { name: 'plain' }]);
    expect(after(waits)).toEqual({ 'web-prod': ['web-canary', 'web-dev'] });
    expect(waits.get('web-prod')!.why['web-dev']).toBe("ApplicationSet web's RollingSync syncs step 2 once the Applications of step 1 are healthy");
  });

  it('waits for the nearest earlier step the push applies: a step the push does not touch is skipped, as Argo CD finds it healthy', () => {
    expect(after(rolloutWaits([member('a', 1), member('c', 3), member('d', 4)]))).toEqual({ c: ['a'], d: ['c'] });
  });

  it('a later step waits for a maxUpdate 0 step (applied only by /bosun apply, the manual sync); nothing waits for an Application no step selects', () => {
    const waits = rolloutWaits([member('qa', 2, { maxAtOnce: 0, manual: 'maxUpdate 0' }), member('prod', 3), member('legacy', undefined, { manual: 'no step' }), member('dev', 1)]);
    expect(after(waits)).toEqual({ qa: ['dev'], prod: ['qa'] });
  });

  it('one several steps select (placed in its first step, never synced by the rollout) takes no maxUpdate lane, and the later steps wait for it', () => {
    const waits = rolloutWaits([member('a', 1, { maxAtOnce: 1, manual: 'steps 1, 3 select it' }), member('b', 1, { maxAtOnce: 1 }), member('c', 1, { maxAtOnce: 1 }), member('prod', 2)]);
    // Argo CD never moves it to Pending, so b and c take the one slot in turn; step 2 waits for all of step 1.
    expect(after(waits)).toEqual({ c: ['b'], prod: ['a', 'b', 'c'] });
  });

  it('maxUpdate caps a step: its environments form lanes by name, each after the one maxUpdate places before it', () => {
    const step = ['p1', 'p2', 'p3', 'p4', 'p5'].map((n) => member(n, 2, { maxAtOnce: 2 }));
    const waits = rolloutWaits([member('dev', 1), ...step]);
    expect(after(waits)).toEqual({ p1: ['dev'], p2: ['dev'], p3: ['dev', 'p1'], p4: ['dev', 'p2'], p5: ['dev', 'p3'] });
    expect(waits.get('p3')!.why.p1).toBe("ApplicationSet web's RollingSync step 2 has maxUpdate 2: at most 2 Applications sync at once");
    // Never more than maxUpdate at once: every lane is a chain.
    const one = rolloutWaits(['c', 'a', 'b'].map((n) => member(n, 1, { maxAtOnce: 1 })));
    expect(after(one)).toEqual({ b: ['a'], c: ['b'] });
  });

  it('two ApplicationSets, or two files defining one name, roll out independently', () => {
    const other = (name: string, step: number): RolloutMember => ({ name, rollout: { appSet: 'web', file: 'sets/other.yaml', step } });
    expect(after(rolloutWaits([member('a', 1), member('b', 2, { appSet: 'api' }), other('c', 2)]))).toEqual({});
  });
});
