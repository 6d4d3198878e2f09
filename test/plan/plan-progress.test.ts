// Progress before the first render (issue #16): discovery and the affected analysis are said as they
// start, and the analysis is counted at most once per interval, so a plan of many environments is
// never silent for long and never says one line per environment. Order and end state, not timing.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { countedProgress, longStep } from '../../src/plan/progress.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const configMap = (value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  key: "${value}"\n`;
const recorder = () => {
  const messages: string[] = [];
  return { messages, progress: Object.assign((m: string) => { messages.push(m); }, { done: () => undefined }) };
};

describe('a plan\'s progress before its first render', () => {
  let repo: GitRepoBuilder;
  const envs = Array.from({ length: 30 }, (_, i) => `env-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    repo = await makeGitRepo();
    for (const env of envs) await repo.write(`clusters/${env}/app.yaml`, configMap('one'));
    await repo.commit('base');
    await repo.write('clusters/env-07/app.yaml', configMap('two'));
    await repo.commit('one environment changes');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('says checkout, discovery (with what it found) and the analysis, in that order, before the render', async () => {
    const { messages, progress } = recorder();
    await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', progress });
    const first = (prefix: string) => messages.findIndex((m) => m.startsWith(prefix));
    const steps = ['planning ', 'writing out base and head: ', 'discovering environments at base and head (', 'found 30 environments at head, 30 at base', 'analysing 30 environments against 1 changed file', 'rendered 1/1: env-07'];
    expect(steps.map(first).every((at, i, all) => at >= 0 && (i === 0 || at > all[i - 1]!))).toBe(true);
    // The analysis is said at its start and at its end (and, were it slow, in between: once per interval).
    const analysing = messages.filter((m) => m.startsWith('analysing'));
    expect([analysing[0], analysing.at(-1)]).toEqual(['analysing 30 environments against 1 changed file', 'analysing 30 environments against 1 changed file: 30 of 30 done']);
  });
});

describe('counted progress', () => {
  it('says a count at most once per interval, and the last one always', () => {
    const { messages, progress } = recorder();
    let clock = 0;
    const counted = countedProgress(progress, 'analysing 9,999 environments', 9999, { everyMs: 1000, now: () => clock });
    for (let i = 1; i <= 9999; i++) {
      clock = i; // one item per millisecond: ten seconds in all
      counted.tick();
    }
    expect(messages[0]).toBe('analysing 9,999 environments');
    expect(messages.slice(1, 3)).toEqual(['analysing 9,999 environments: 1,000 of 9,999 done', 'analysing 9,999 environments: 2,000 of 9,999 done']);
    expect(messages.at(-1)).toBe('analysing 9,999 environments: 9,999 of 9,999 done');
    expect(messages).toHaveLength(11);
  });

  it('a long step is said while it runs, and its stopped job\'s progress throwing does not escape the timer', async () => {
    const { messages, progress } = recorder();
    let stopped = false;
    let throwsAfterStop = 0;
    const throwing = Object.assign((m: string) => {
      if (stopped) {
        throwsAfterStop += 1;
        throw new Error('job stopped');
      }
      progress(m);
    }, { done: () => undefined });
    const result = await longStep(throwing, 'discovering environments', async () => {
      // Until the step has been said twice (the start and one "still at it"), then once after being stopped.
      while (messages.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      stopped = true;
      // The timer calls the stopped job's progress (which throws) at least once more before the step ends.
      while (throwsAfterStop < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      return 'found';
    }, { everyMs: 10 });
    expect(result).toBe('found');
    expect(throwsAfterStop).toBeGreaterThanOrEqual(1);
    expect(messages[0]).toBe('discovering environments');
    expect(messages[1]).toMatch(/^discovering environments: still at it after \d+s$/);
  });
});
