// The malicious pull requests through `bosun plan`, as a CI job on a fork's pull request would run it:
// the sandbox on (the default), canaries planted, each case must end in a clear error naming the file (and
// the field), or for a skipped file a discovery note naming it, and leak nothing.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import { maliciousCases, repoUrl, type MaliciousCase } from './malicious-cases.ts';
import { expectPlanVerdict, listingCanaries } from './malicious-verdicts.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

describe('malicious pull requests through bosun plan (sandbox on)', () => {
  let canaries: Canaries;
  let work: string;
  let cases: MaliciousCase[];
  let repo: CaseRepo;

  const savedCap = process.env.BOSUN_RENDER_MAX_BYTES;
  beforeAll(async () => {
    process.env.BOSUN_RENDER_MAX_BYTES = '8Mi'; // the output bomb stops sooner; nothing legitimate here is near it
    canaries = await plantCanaries();
    cases = maliciousCases(canaries);
    work = await mkdtemp(join(tmpdir(), 'bosun-malicious-'));
    repo = await buildCaseRepo(join(work, 'repo'), cases);
  }, 120_000);

  afterAll(async () => {
    if (savedCap === undefined) delete process.env.BOSUN_RENDER_MAX_BYTES;
    else process.env.BOSUN_RENDER_MAX_BYTES = savedCap;
    await canaries?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('has at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of maliciousCases(listingCanaries)) {
    it(`${c.id}: ${c.title}`, async () => {
      const head = repo.heads.get(c.id)!;
      const run = await runCli(['plan', '--repo', repo.repo.dir, '--base', repo.baseSha, '--head', head.sha, '--format', 'json', '--repo-url', repoUrl]);
      await expectPlanVerdict(run, cases.find((x) => x.id === c.id)!, canaries);
    }, 120_000);
  }
});
