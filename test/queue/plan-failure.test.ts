// What a failed plan attempt tells the pull request: its own content's problems at once, bosun's own
// failures on the last attempt, and — so a head is never left without a check or a comment — anything
// unnamed (a bug, a dropped connection) on the last attempt too, as an internal problem.
import { describe, expect, it } from 'vitest';
import { planFailure } from '../../queue/workflows/plan/plan-failure.ts';
import { GitHubError } from '../../src/github/errors.ts';
import { BosunError } from '../../src/model/errors.ts';

const attempt = (attemptsMade: number, attempts = 3) => ({ job: { attemptsMade, attempts } }) as Parameters<typeof planFailure>[1];

describe('planFailure', () => {
  it('reports a problem in the pull request content on the first attempt', () => {
    const err = new BosunError({ kind: 'yaml', message: 'bad indentation', file: 'apps/a.yaml', line: 3 });
    expect(planFailure(err, attempt(0))).toBe(err);
  });

  it('retries bosun-side failures silently and reports them on the last attempt', () => {
    const err = new BosunError({ kind: 'git', message: 'fetch failed' });
    expect(planFailure(err, attempt(0))).toBeUndefined();
    expect(planFailure(err, attempt(1))).toBeUndefined();
    expect(planFailure(err, attempt(2))).toBe(err);
  });

  it('reports an unnamed error on the last attempt as an internal problem naming it', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'name')");
    expect(planFailure(err, attempt(0))).toBeUndefined();
    const reported = planFailure(err, attempt(2));
    expect(reported).toBeInstanceOf(BosunError);
    expect(reported?.kind).toBe('internal');
    expect(reported?.message).toContain("Cannot read properties of undefined (reading 'name')");
    expect(reported?.message).toContain('3 attempts');
    expect(reported?.cause).toBe(err);
  });

  it('leaves an error that asks to be run later (a rate limit) to the job layer, even on the last attempt', () => {
    const err = new GitHubError({ message: 'secondary rate limit', status: 403, retryAfterMs: 60_000 });
    expect(planFailure(err, attempt(2))).toBeUndefined();
  });

  it('treats a job without retries as on its last attempt', () => {
    expect(planFailure(new Error('boom'), { job: { attemptsMade: 0 } } as Parameters<typeof planFailure>[1])?.kind).toBe('internal');
  });
});
