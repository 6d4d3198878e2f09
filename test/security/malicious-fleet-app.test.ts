// The malicious Fleet pull requests (malicious-fleet-cases.ts) through the GitHub App's worker path, with the
// cluster registry (BOSUN_CLUSTERS) an operator of a Fleet repository gives bosun: signed webhooks, jobs
// through Redis, the worker cloning from the GitHub stand-in and rendering in the sandbox. As
// malicious-app.test.ts asserts for its cases: each report names the file (and the field) and is not green;
// nothing bosun sends to GitHub or logs carries a canary; no listener is reached; no file outside touched.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../queue/log.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import type { MaliciousCase } from './malicious-cases.ts';
import { fleetClusters, maliciousFleetCases } from './malicious-fleet-cases.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

const owner = 'acme';
const name = 'gitops';
const marker = '<!-- bosun:plan -->';
type Json = Record<string, unknown>;

function capturingLogger(lines: string[]): Logger {
  const write = (level: string) => (fields: Record<string, unknown>, msg: string) => {
    lines.push(JSON.stringify({ level, msg, ...fields }, (_, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

describe('malicious Fleet pull requests through the GitHub App (worker path, sandbox on, a cluster registry)', () => {
  let h: Harness;
  let canaries: Canaries;
  let cases: MaliciousCase[];
  let repo: CaseRepo;
  let work: string;
  const logs: string[] = [];
  const numbers = new Map<string, number>();

  const sticky = (pr: number): Json | undefined => h.gh.comments(owner, name, pr).find((c) => String(c.body).startsWith(marker));
  const runsOn = (sha: string): Json[] => h.gh.checkRuns(owner, name, sha).filter((r) => String(r.name).startsWith('bosun'));
  const reported = (pr: number, sha: string): { comment: Json; runs: Json[] } | undefined => {
    const comment = sticky(pr);
    const runs = runsOn(sha);
    if (!comment || !String(comment.body).includes(sha.slice(0, 7)) || runs.length === 0 || runs.some((r) => r.status !== 'completed')) return undefined;
    return { comment, runs };
  };
  const openPr = async (number: number, branch: string, sha: string) => {
    await h.gh.addPullRequest({ owner, repo: name, number, head: { ref: branch, sha }, base: { ref: 'main' }, user: 'mallory' });
    const payload = h.gh.examplePayload('pull_request', 'opened', h.gh.repoPayload(owner, name), { number, pull_request: await h.gh.pullPayload(owner, name, number) });
    const delivery = await h.send('pull_request', payload);
    expect(delivery.status).toBeLessThan(300);
  };

  beforeAll(async () => {
    canaries = await plantCanaries();
    cases = maliciousFleetCases(canaries);
    work = await mkdtemp(join(tmpdir(), 'bosun-malicious-fleet-app-'));
    repo = await buildCaseRepo(join(work, 'repo'), cases);
    const clustersFile = join(work, 'clusters.yaml');
    await writeFile(clustersFile, fleetClusters);
    h = await startHarness({ log: capturingLogger(logs), clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.repo.dir, defaultBranch: 'main' });
    let number = 1;
    for (const c of cases) {
      const head = repo.heads.get(c.id)!;
      numbers.set(c.id, number);
      await openPr(number++, head.branch, head.sha);
    }
  }, 300_000);

  afterAll(async () => {
    await h?.close();
    await canaries?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('answers every pull request', async () => {
    for (const c of cases) {
      const head = repo.heads.get(c.id)!;
      await waitFor(`the report of ${c.id}`, () => reported(numbers.get(c.id)!, head.sha), 300_000);
    }
  }, 600_000);

  for (const c of maliciousFleetCases({ url: 'http://x', port: 1, dir: '/x', evil: '/x', marker: '/x', otherRepo: '/x', envValue: '', fileValue: '', secretValue: '' } as Canaries)) {
    it(`${c.id}: the report names ${c.expect.file} and says what is wrong`, () => {
      const theCase = cases.find((x) => x.id === c.id)!;
      const head = repo.heads.get(c.id)!;
      const report = reported(numbers.get(c.id)!, head.sha);
      expect(report, 'reported (see the first test)').toBeDefined();
      const text = [String(report!.comment.body), ...report!.runs.map((r) => JSON.stringify(r.output))].join('\n');
      const verdicts = JSON.stringify(report!.runs.map((r) => [r.name, r.conclusion]));
      if (!theCase.expect.note) expect(report!.runs.some((r) => r.conclusion === 'failure'), verdicts).toBe(true);
      else expect(report!.runs.some((r) => r.conclusion === 'failure' || r.conclusion === 'neutral'), verdicts).toBe(true);
      expect(text).toContain(theCase.expect.file);
      expect(text).toMatch(new RegExp(theCase.expect.message.source.replace(/\\n/g, '(\\\\n|\\n)')));
      if (theCase.expect.field) {
        const at = new RegExp(`${theCase.expect.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?::\\d+)?: ([^\\s:\`]+):`, 'g');
        const fields = [...text.matchAll(/field `([^`]+)`/g), ...text.matchAll(at)].map((m) => m[1]);
        expect(fields.some((f) => theCase.expect.field!.test(f)), `fields in the report: ${JSON.stringify(fields)}`).toBe(true);
      }
    });
  }

  it('sent GitHub nothing and logged nothing that carries a canary, reached no listener, touched no file outside', async () => {
    const sent = h.gh.requests.map((r) => JSON.stringify(r.body ?? '')).join('\n');
    const logged = logs.join('\n');
    for (const secret of canaries.forbidden()) {
      expect(sent.includes(secret), `a request to GitHub carries ${secret}`).toBe(false);
      expect(logged.includes(secret), `the log carries ${secret}`).toBe(false);
    }
    await canaries.assertUntouched();
    expect(h.gh.problems()).toEqual([]);
  });
});
