// The malicious pull requests through the GitHub App, as an attacker who can open pull requests would send
// them: signed webhooks into bosun's server, jobs through Redis, the worker cloning from the GitHub stand-in
// and rendering in the sandbox. Every case ends in a report naming the file (and the field, where the case has
// one) of the problem;
// nothing bosun sends to GitHub or writes to its log carries a canary; no listener is reached, no file
// outside touched; and the worker keeps serving: a plain pull request opened behind all of them, and one
// beside a resource bomb, get their reports.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../queue/log.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import { maliciousCases, type MaliciousCase } from './malicious-cases.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

const owner = 'acme';
const name = 'gitops';
const marker = '<!-- bosun:plan -->';
type Json = Record<string, unknown>;

/** Every log line bosun writes, as JSON text, to search for canaries. */
function capturingLogger(lines: string[]): Logger {
  const write = (level: string) => (fields: Record<string, unknown>, msg: string) => {
    lines.push(JSON.stringify({ level, msg, ...fields }, (_, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v)));
  };
  return { info: write('info'), warn: write('warn'), error: write('error') };
}

describe('malicious pull requests through the GitHub App (worker path, sandbox on)', () => {
  let h: Harness;
  let canaries: Canaries;
  let cases: MaliciousCase[];
  let repo: CaseRepo;
  let work: string;
  const logs: string[] = [];
  const numbers = new Map<string, number>();
  let benign: { number: number; sha: string };
  let peakRss = 0;
  let sampler: NodeJS.Timeout | undefined;

  const sticky = (pr: number): Json | undefined => h.gh.comments(owner, name, pr).find((c) => String(c.body).startsWith(marker));
  const runsOn = (sha: string): Json[] => h.gh.checkRuns(owner, name, sha).filter((r) => String(r.name).startsWith('bosun'));
  /**
   * The PR's report is final: its comment names the head, and every bosun check run on the head completed.
   * A PR whose only change is a skipped file (a note, nothing to render) may get no check run at all.
   */
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
    canaries = await plantCanaries(); // BOSUN_CANARY_TOKEN is in this process's environment: the worker's
    cases = maliciousCases(canaries);
    work = await mkdtemp(join(tmpdir(), 'bosun-malicious-app-'));
    repo = await buildCaseRepo(join(work, 'repo'), cases);
    await repo.repo.git('checkout', '-q', '-b', 'benign', repo.baseSha);
    await repo.repo.write('clusters/app/cm.yaml', (await repo.repo.read('clusters/app/cm.yaml')).replace('mode: base', 'mode: changed'));
    const benignSha = await repo.repo.commit('a plain change');
    await repo.repo.git('checkout', '-q', 'main');
    h = await startHarness({ log: capturingLogger(logs), env: { BOSUN_RENDER_MAX_BYTES: '8Mi' } });
    await h.gh.addRepo({ owner, name, gitDir: repo.repo.dir, defaultBranch: 'main' });
    sampler = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss); }, 100);
    let number = 1;
    for (const c of cases) {
      const head = repo.heads.get(c.id)!;
      numbers.set(c.id, number);
      await openPr(number++, head.branch, head.sha);
    }
    benign = { number, sha: benignSha };
    await openPr(number, 'benign', benignSha);
  }, 300_000);

  afterAll(async () => {
    if (sampler) clearInterval(sampler);
    await h?.close();
    await canaries?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('answers every pull request, the plain one queued behind all the malicious ones included', async () => {
    for (const c of cases) {
      const head = repo.heads.get(c.id)!;
      await waitFor(`the report of ${c.id}`, () => reported(numbers.get(c.id)!, head.sha), 600_000);
    }
    const plain = await waitFor('the plain pull request\'s report', () => reported(benign.number, benign.sha), 120_000);
    expect(plain.runs.map((r) => r.conclusion)).toEqual(['success']);
    expect(String(plain.comment.body)).toContain('app');
  }, 900_000);

  for (const c of maliciousCases({ url: 'http://x', port: 1, dir: '/x', evil: '/x', marker: '/x', otherRepo: '/x', envValue: '', fileValue: '', secretValue: '' } as Canaries)) {
    // A known hole is run as `it.fails`: it reports itself once bosun closes it.
    (c.appGap ? it.fails : it)(`${c.id}: the report names ${c.expect.file} and says what is wrong${c.appGap ? ` (known hole: ${c.appGap})` : ''}`, () => {
      const theCase = cases.find((x) => x.id === c.id)!;
      const head = repo.heads.get(c.id)!;
      const report = reported(numbers.get(c.id)!, head.sha);
      expect(report, 'reported (see the first test)').toBeDefined();
      const text = [String(report!.comment.body), ...report!.runs.map((r) => JSON.stringify(r.output))].join('\n');
      // Never a silent green: a check fails, or — a skipped file, which bosun cannot judge — the \`bosun\` check is neutral.
      const verdicts = JSON.stringify(report!.runs.map((r) => [r.name, r.conclusion]));
      if (!theCase.expect.note) expect(report!.runs.some((r) => r.conclusion === 'failure'), verdicts).toBe(true);
      else expect(report!.runs.some((r) => r.conclusion === 'failure' || r.conclusion === 'neutral'), verdicts).toBe(true);
      expect(text).toContain(theCase.expect.file);
      expect(text).toMatch(new RegExp(theCase.expect.message.source.replace(/\\n/g, '(\\\\n|\\n)')));
      if (theCase.expect.field) {
        // Where the report shows a field: a render error's "field `spec.releaseName`" (src/report/markdown.ts),
        // or a configuration error's "<file>:<line>: <field>: <message>".
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

  it('stayed within its memory while the bombs were rendered (they run in the sandbox, output capped)', () => {
    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss).toBeLessThan(1.5 * 1024 ** 3);
  });
});
