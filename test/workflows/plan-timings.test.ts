import { describe, expect, it } from 'vitest';
import { planTimings } from '../../queue/workflows/plan/plan-timings.ts';

describe('a plan job\'s phase timings', () => {
  it('gives each phase the time until the next one started, in order, and adds up a phase entered twice', () => {
    let now = 1_000;
    const t = planTimings(() => now);
    t.mark('fetch');
    now += 120;
    t.mark('analyse');
    now += 300.4;
    t.mark('openChecks');
    now += 40;
    t.mark('render');
    now += 500;
    // A fanned-out plan opens its parts' runs again when it resumes.
    t.mark('openChecks');
    now += 10;
    t.mark('checks');
    now += 25;
    expect(t.phases()).toEqual({ fetch: 120, analyse: 300, openChecks: 50, render: 500, checks: 25 });
    expect(Object.keys(t.phases())).toEqual(['fetch', 'analyse', 'openChecks', 'render', 'checks']);
  });

  it('gives work alongside the phases its own time, listed where it started, without cutting the running phase', async () => {
    let now = 0;
    const t = planTimings(() => now);
    t.mark('analyse');
    now += 100;
    let finish!: () => void;
    const opened = t.during('openChecks', new Promise<void>((resolve) => (finish = resolve)));
    t.mark('render');
    now += 30;
    finish();
    await opened;
    now += 470;
    t.mark('checks');
    now += 25;
    expect(t.phases()).toEqual({ analyse: 100, openChecks: 30, render: 500, checks: 25 });
    expect(Object.keys(t.phases())).toEqual(['analyse', 'openChecks', 'render', 'checks']);
  });

  it('counts nothing before the first phase and leaves out the phases that did not run', () => {
    let now = 0;
    const t = planTimings(() => now);
    now += 5_000;
    t.mark('fetch');
    now += 80;
    t.mark('comment');
    now += 20;
    expect(t.phases()).toEqual({ fetch: 80, comment: 20 });
  });
});
