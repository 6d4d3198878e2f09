// The apply of a merge when one of its GitHub calls fails (the stand-in's one-off faults: a 502 that has no
// effect): the job runs again — after a GitHub server error without using an attempt — and must continue the
// check run and the deployment the failed run created, not add a second of either, and say what the merge
// did. What a user checks on GitHub and in the cluster: per environment one apply check run, concluded
// success, counting the objects the merge created; one deployment, its statuses `in_progress` then `success`
// and nothing more; the cluster at the merged commit. (test/queue/apply-run.test.ts covers the other steps.)
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosDriver, type ChaosDriver } from '../../testkit/chaos/driver.ts';
import { applyCheckName, clusterProblems, deleteNamespaces, exactlyOnceProblems, waitSettled } from '../../testkit/chaos/outcomes.ts';
import { buildChaosRepo, type ChaosRepo } from '../../testkit/chaos/repo.ts';
import { redisUrl, startHarness, type Harness } from '../../testkit/harness.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';

const owner = 'acme';
const name = 'apply-retry';
const note = 'apply-retry-github-faults';

describe('an apply whose GitHub call fails once is run again without a second check run or deployment', () => {
  let h: Harness;
  let repo: ChaosRepo;
  let work: string;
  let driver: ChaosDriver;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-apply-retry-'));
    repo = await buildChaosRepo(randomBytes(3).toString('hex'));
    h = await startHarness({ clustersFile: await writeTestClusterRegistry(join(work, 'clusters.yaml')) });
    await h.gh.addRepo({ owner, name, gitDir: repo.git.dir, defaultBranch: 'main' });
    driver = chaosDriver({ gh: h.gh, send: (event, payload) => h.send(event, payload) }, repo, owner, name);
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (repo) {
      await deleteNamespaces(repo);
      await rm(repo.git.dir, { recursive: true, force: true });
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  /** Merges PR `pr` with the faults armed, waits until bosun is done, and checks what GitHub and the cluster show. */
  const mergeAndCheck = async (pr: number, arm: (env: string) => void): Promise<void> => {
    expect((await driver.open(pr)).status).toBeLessThan(300);
    const injectedBefore = h.gh.requests.filter((r) => r.injected).length;
    for (const env of repo.envs) arm(env);
    const merged = await driver.merge(pr);
    await waitSettled({ gh: h.gh, owner, name, envs: repo.envs, driver }, { url: redisUrl, prefix: h.prefix }, 180_000, note);

    // The faults were really answered: every armed one was used.
    expect(h.gh.armedFaults()).toBe(0);
    expect(h.gh.requests.filter((r) => r.injected).length).toBeGreaterThan(injectedBefore);

    for (const env of repo.envs) {
      const runs = h.gh.checkRuns(owner, name, merged.sha).filter((r) => r.name === applyCheckName(env));
      expect(runs.map((r) => [r.status, r.conclusion]), env).toEqual([['completed', 'success']]);
      const output = runs[0].output as { title: string; summary: string };
      expect(output.title).toBe(`Applied ${merged.sha.slice(0, 7)} to ${env}`);
      // What the merge did (its ConfigMap created), not what an apply run again would say (all unchanged).
      expect(output.summary, env).toMatch(/\| created \|[^\n]*\n[^\n]*\n\| [1-9]\d* \|/);
      const deployments = h.gh.deployments(owner, name).filter((d) => d.sha === merged.sha && d.environment === env);
      expect(deployments, env).toHaveLength(1);
      const statuses = h.gh.deploymentStatuses(Number(deployments[0].id)).sort((a, b) => Number(a.id) - Number(b.id));
      expect(statuses.map((s) => s.state), env).toEqual(['in_progress', 'success']);
      expect(statuses.every((s) => s.log_url === runs[0].html_url), env).toBe(true);
      expect(String(statuses[1].description), env).toMatch(/: [1-9]\d* created/);
    }
    expect(exactlyOnceProblems({ gh: h.gh, owner, name, envs: repo.envs, driver })).toEqual([]);
    expect(await clusterProblems(repo, driver)).toEqual([]);
    expect(h.gh.problems()).toEqual([]);
  };

  it('the deployment\'s success status fails once in each environment: the same run and deployment end as applied', async () => {
    // The last step of the apply: the cluster is already changed, the deployment gets its terminal status.
    await mergeAndCheck(1, (env) => h.gh.failNext({
      method: 'POST',
      path: /\/deployments\/\d+\/statuses$/,
      body: new RegExp(`^(?=.*"state":"success")(?=.*to ${env}\\b)`),
    }));
  }, 240_000);

  it('recording the new deployment on the check run fails (every retry in place too): the next run finds that deployment', async () => {
    // The PATCH is retried in place (GitHub server errors, 4 tries); when all fail, the job runs again later.
    await mergeAndCheck(2, (env) => h.gh.failNext({
      method: 'PATCH',
      path: /\/check-runs\/\d+$/,
      body: new RegExp(`^(?=.*"external_id":"[^"]*deployment)(?=.*to ${env}\\b)`),
      times: 4,
    }));
  }, 240_000);
});
