// A plan BullMQ gave up on (its workers vanished more often than the runtime allows: queue/runtime.ts calls
// the processor's `abandoned` hook, test/queue/abandoned.test.ts) must not leave the head silent: the plan
// workflow's hook fails a `bosun` check run on the head saying why, and closes the environment runs the
// vanished attempts left in progress. Real processors against the GitHub stand-in.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server.ts';
import { checkRunExternalId } from '../../src/github/names.ts';
import { createProducers, type PlanJob } from '../../src/jobs.ts';
import { createBosunProcessors } from '../../queue/workflows/index.ts';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import type { RepoInfo } from '../../testkit/github-standin/index.ts';
import { startHarness, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';

const owner = 'example-org';
const name = 'shop-fleet';

describe('a plan abandoned by its workers', () => {
  let h: Harness;
  let work: string;
  let repo: ExampleRepo;
  let info: RepoInfo;
  const s = scenario(owner, name, () => h);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-plan-abandoned-'));
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    h = await startHarness({ workers: false });
    info = await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('fails a `bosun` check on the head saying bosun gave up, and closes the environment runs left in progress', async () => {
    const config = loadServerConfig({ ...h.workerEnv, PORT: '0', BOSUN_DATA_DIR: h.dataDir, LOG_LEVEL: 'silent' }, { cwd: h.dataDir });
    const producers = createProducers(config.redisUrl, { prefix: h.prefix });
    const bosun = createBosunProcessors(config, { connection: config.redisUrl, prefix: h.prefix, producers });
    try {
      const pr = 1;
      await h.gh.addPullRequest({ owner, repo: name, number: pr, head: { ref: repo.branch, sha: repo.headSha }, base: { ref: 'main' }, user: 'alice' });
      const installationId = info.installationId;
      // What two vanished attempts left: one environment run in progress (this PR's), and another PR's run on the same commit.
      const token = h.gh.mintToken(installationId);
      const create = (checkName: string, externalId: string) => fetch(`${h.gh.apiUrl}/repos/${owner}/${name}/check-runs`, {
        method: 'POST',
        headers: { authorization: `token ${token}`, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
        body: JSON.stringify({ name: checkName, head_sha: repo.headSha, status: 'in_progress', external_id: externalId }),
      }).then((r) => expect(r.status).toBe(201));
      await create('bosun / staging/apps', checkRunExternalId(pr, 'abcdef012345'));
      await create('bosun / production/apps', checkRunExternalId(pr + 1, 'abcdef012345'));

      const job: PlanJob = {
        deliveryId: 'abandoned-plan', installationId, pr, headSha: repo.headSha, baseRef: 'main', reason: 'opened',
        repo: { owner, name, fullName: `${owner}/${name}`, cloneUrl: info.cloneUrl, defaultBranch: 'main' },
      };
      await bosun.processors.plan!.abandoned!(job, 'its workers stopped responding 6 times (killed, or stalled longer than the job lock), so bosun gave up on it');

      const [check] = s.checkRuns(repo.headSha, 'bosun');
      expect(check).toMatchObject({ status: 'completed', conclusion: 'failure' });
      expect(String((check.output as { summary: string }).summary)).toMatch(/bosun gave up planning [0-9a-f]{7}: its workers stopped responding 6 times/);
      const [staging] = s.checkRuns(repo.headSha, 'bosun / staging/apps');
      expect(staging).toMatchObject({ status: 'completed', conclusion: 'failure' });
      // Another pull request's run is not this plan's to close.
      expect(s.checkRuns(repo.headSha, 'bosun / production/apps')[0]).toMatchObject({ status: 'in_progress' });
      expect(h.gh.problems()).toEqual([]);
    } finally {
      await bosun.close();
      await producers.close();
    }
  }, 120_000);
});
