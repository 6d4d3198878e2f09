// The malicious Fleet pull requests (malicious-fleet-cases.ts) through the GitHub App's worker path, with the
// cluster registry (BOSUN_CLUSTERS) an operator of a Fleet repository gives bosun: signed webhooks, jobs
// through Redis, the worker cloning from the GitHub stand-in and rendering in the sandbox. As
// malicious-app.test.ts asserts for its cases: each report names the file (and the field) and is not green;
// nothing bosun sends to GitHub or logs carries a canary; no listener is reached; no file outside touched.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startHarness, type Harness } from '../../testkit/harness.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import type { MaliciousCase } from './malicious-cases.ts';
import { fleetClusters, maliciousFleetCases } from './malicious-fleet-cases.ts';
import { appPullRequests, capturingLogger, expectAppVerdict, expectNothingLeaked, listingCanaries } from './malicious-verdicts.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

const owner = 'acme';
const name = 'gitops';

describe('malicious Fleet pull requests through the GitHub App (worker path, sandbox on, a cluster registry)', () => {
  let h: Harness;
  let canaries: Canaries;
  let cases: MaliciousCase[];
  let repo: CaseRepo;
  let work: string;
  const logs: string[] = [];
  const numbers = new Map<string, number>();

  const prs = appPullRequests(() => h, owner, name);

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
      await prs.open(number++, head.branch, head.sha);
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
      await prs.waitReported(`the report of ${c.id}`, numbers.get(c.id)!, head.sha, 300_000);
    }
  }, 600_000);

  for (const c of maliciousFleetCases(listingCanaries)) {
    it(`${c.id}: the report names ${c.expect.file} and says what is wrong`, () => {
      const head = repo.heads.get(c.id)!;
      expectAppVerdict(prs.reported(numbers.get(c.id)!, head.sha), cases.find((x) => x.id === c.id)!);
    });
  }

  it('sent GitHub nothing and logged nothing that carries a canary, reached no listener, touched no file outside', async () => {
    await expectNothingLeaked(h, logs, canaries);
  });
});
