import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Faults } from '../../testkit/github-standin/faults.ts';
import { standinWithRepo, type Fixture } from './fixture.ts';

const repoRef = { owner: 'acme', repo: 'gitops' };

describe('GitHub stand-in fault mode', () => {
  it('picks the same faults for the same seed and order of requests, about the share asked for', () => {
    const pick = (seed: number): Array<number | undefined> => {
      const f = new Faults();
      f.start({ percent: 30, durationMs: 60_000, seed }, 0);
      return Array.from({ length: 2_000 }, (_, i) => f.take(i % 2 ? 'POST' : 'GET', 1_000)?.status);
    };
    const a = pick(7);
    expect(pick(7)).toEqual(a);
    expect(pick(8)).not.toEqual(a);
    const share = a.filter((s) => s !== undefined).length / a.length;
    expect(share).toBeGreaterThan(0.25);
    expect(share).toBeLessThan(0.35);
    // Reads are never answered with the secondary (content-creation) limit.
    expect(a.filter((s, i) => s === 403 && i % 2 === 0)).toEqual([]);
    expect(new Set(a)).toEqual(new Set([undefined, 502, 503, 403]));
  });

  it('carries out the asked share of faulted writes before answering them, and picks the same faults as without it', () => {
    const pick = (appliedShare?: number): Array<{ status?: number; applied: boolean }> => {
      const f = new Faults();
      f.start({ percent: 30, durationMs: 60_000, seed: 7, ...(appliedShare === undefined ? {} : { appliedShare }) }, 0);
      return Array.from({ length: 2_000 }, (_, i) => f.take(i % 2 ? 'POST' : 'GET', 1_000)).map((a) => ({ status: a?.status, applied: a?.applied === true }));
    };
    const plain = pick();
    expect(pick(0)).toEqual(plain);
    const some = pick(0.5);
    const applied = some.filter((a, i) => a.applied && i % 2 === 1);
    // Only writes answered 502/503 are carried out (a read changes nothing; the rate limit refuses the write).
    expect(some.filter((a, i) => a.applied && (i % 2 === 0 || a.status === 403))).toEqual([]);
    const faultedWrites = some.filter((a, i) => i % 2 === 1 && (a.status === 502 || a.status === 503)).length;
    expect(applied.length / faultedWrites).toBeGreaterThan(0.35);
    expect(applied.length / faultedWrites).toBeLessThan(0.65);
    expect(() => new Faults().start({ percent: 30, durationMs: 1, seed: 1, appliedShare: 2 }, 0)).toThrow(/appliedShare must be 0–1/);
  });

  it('ends when its duration is over', () => {
    const f = new Faults();
    f.start({ percent: 100, durationMs: 1_000, seed: 1 }, 0);
    expect(f.take('GET', 999)).toBeDefined();
    expect(f.take('GET', 1_000)).toBeUndefined();
    expect(f.counts().seen).toBe(1);
  });

  describe('on the wire', () => {
    let f: Fixture;
    beforeAll(async () => {
      f = await standinWithRepo();
    });
    afterAll(async () => {
      await f?.close();
    });

    it('answers as GitHub does, and a faulted request has no effect', async () => {
      const issue = Number(f.gh.addIssue({ ...repoRef, title: 'faults', user: 'alice' }).number);
      f.gh.simulateFaults({ percent: 100, durationMs: 60_000, seed: 3, retryAfterSeconds: 5 });
      type Failure = { status: number; response: { headers: Record<string, string>; data: { message: string } } };
      const answers: Failure[] = [];
      for (let i = 0; i < 12; i++) {
        answers.push((await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: issue, body: `try ${i}` }).catch((e: unknown) => e)) as Failure);
      }
      const byStatus = (s: number): Failure[] => answers.filter((a) => a.status === s);
      expect(answers.every((a) => [403, 502, 503].includes(a.status))).toBe(true);
      for (const a of byStatus(403)) {
        expect(a.response.headers['retry-after']).toBe('5');
        expect(a.response.data.message).toMatch(/secondary rate limit/);
      }
      for (const a of byStatus(502)) expect(a.response.data.message).toBe('Server Error');
      for (const a of byStatus(503)) expect(a.response.data.message).toBe('Service Unavailable');
      expect(f.gh.requests.filter((r) => r.injected).length).toBe(12);

      f.gh.simulateFaults({ percent: 0, durationMs: 0, seed: 3 });
      await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: issue, body: 'after' });
      expect(f.gh.comments('acme', 'gitops', issue).map((c) => c.body)).toEqual(['after']);
      expect(f.gh.faultCounts().seen).toBe(12);
      expect(f.gh.problems()).toEqual([]);
    });

    it('fails the next requests matching a one-off fault, those only and as often as asked, without effect', async () => {
      const issue = Number(f.gh.addIssue({ ...repoRef, title: 'one-off', user: 'alice' }).number);
      f.gh.failNext({ method: 'POST', path: /\/issues\/\d+\/comments$/, body: /"body":"second/, status: 503, times: 2 });
      const post = (body: string) => f.octokit.rest.issues.createComment({ ...repoRef, issue_number: issue, body }).then((r) => r.status, (e: { status: number }) => e.status);
      expect(await post('first')).toBe(201);
      expect(f.gh.armedFaults()).toBe(2);
      expect(await post('second')).toBe(503);
      expect(await post('second again')).toBe(503);
      expect(f.gh.armedFaults()).toBe(0);
      expect(await post('second, third try')).toBe(201);
      expect(f.gh.comments('acme', 'gitops', issue).map((c) => c.body)).toEqual(['first', 'second, third try']);
      expect(f.gh.requests.filter((r) => r.injected && r.path.endsWith(`/issues/${issue}/comments`)).map((r) => r.status)).toEqual([503, 503]);
      expect(() => f.gh.failNext({ method: 'GET', path: /./, times: 0 })).toThrow(/positive integer/);
    });

    it('can carry a write out and still answer 502, as GitHub can', async () => {
      const issue = Number(f.gh.addIssue({ ...repoRef, title: 'applied', user: 'alice' }).number);
      const post = (body: string) => f.octokit.rest.issues.createComment({ ...repoRef, issue_number: issue, body }).then((r) => r.status, (e: { status: number }) => e.status);
      f.gh.failNext({ method: 'POST', path: /\/issues\/\d+\/comments$/, applied: true });
      expect(await post('done, answered 502')).toBe(502);
      f.gh.simulateFaults({ percent: 100, durationMs: 60_000, seed: 5, appliedShare: 1, rateLimitShare: 0 });
      expect(await post('done, answered 5xx')).toBeGreaterThanOrEqual(502);
      f.gh.simulateFaults({ percent: 0, durationMs: 0, seed: 5 });
      expect(f.gh.comments('acme', 'gitops', issue).map((c) => c.body)).toEqual(['done, answered 502', 'done, answered 5xx']);
      expect(f.gh.requests.filter((r) => r.injected && r.path.endsWith(`/issues/${issue}/comments`)).map((r) => r.operationId)).toEqual(['issues/create-comment', 'issues/create-comment']);
      expect(f.gh.faultCounts().applied).toBe(1);
    });
  });
});
