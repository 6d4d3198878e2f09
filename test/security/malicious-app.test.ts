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
import { startHarness, type Harness } from '../../testkit/harness.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import { maliciousCases, type MaliciousCase } from './malicious-cases.ts';
import { appPullRequests, capturingLogger, expectAppVerdict, expectNothingLeaked, listingCanaries } from './malicious-verdicts.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

const owner = 'acme';
const name = 'gitops';

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

  const prs = appPullRequests(() => h, owner, name);

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
      await prs.open(number++, head.branch, head.sha);
    }
    benign = { number, sha: benignSha };
    await prs.open(number, 'benign', benignSha);
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
      await prs.waitReported(`the report of ${c.id}`, numbers.get(c.id)!, head.sha, 600_000);
    }
    const plain = await prs.waitReported('the plain pull request\'s report', benign.number, benign.sha, 120_000);
    // The plan's `bosun` run (open from the job's start) and the environment's own: both green.
    expect(plain.runs.map((r) => `${String(r.name)}: ${String(r.conclusion)}`).sort()).toEqual(['bosun / app: success', 'bosun: success']);
    expect(String(plain.comment.body)).toContain('app');
  }, 900_000);

  for (const c of maliciousCases(listingCanaries)) {
    // A known hole is run as `it.fails`: it reports itself once bosun closes it.
    (c.appGap ? it.fails : it)(`${c.id}: the report names ${c.expect.file} and says what is wrong${c.appGap ? ` (known hole: ${c.appGap})` : ''}`, () => {
      const head = repo.heads.get(c.id)!;
      expectAppVerdict(prs.reported(numbers.get(c.id)!, head.sha), cases.find((x) => x.id === c.id)!);
    });
  }

  it('sent GitHub nothing and logged nothing that carries a canary, reached no listener, touched no file outside', async () => {
    await expectNothingLeaked(h, logs, canaries);
  });

  it('stayed within its memory while the bombs were rendered (they run in the sandbox, output capped)', () => {
    expect(peakRss).toBeGreaterThan(0);
    expect(peakRss).toBeLessThan(1.5 * 1024 ** 3);
  });
});
