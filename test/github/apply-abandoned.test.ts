// An apply BullMQ gave up on (its workers vanished too often) must not stay "in progress" on GitHub:
// its check run fails with the reason and its deployment gets a failure status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckRun, createDeployment, setDeploymentStatus } from '../../src/github/index.ts';
import { reportAbandoned } from '../../queue/workflows/apply/apply-job.ts';
import { applyCheckRunName } from '../../src/github/names.ts';
import { standinWithRepo, type StandinRepo } from './standin-setup.ts';

let env: StandinRepo;
beforeAll(async () => {
  env = await standinWithRepo();
});
afterAll(async () => {
  await env?.close();
});

describe('an abandoned apply', () => {
  it('fails the check run and the deployment it left in progress, and leaves finished ones alone', async () => {
    const { owner, repo, sha } = env;
    const gh = env.octokit;
    const deployment = await createDeployment(gh, { owner, repo, ref: sha, environment: 'staging', description: 'bosun applies' });
    const run = await createCheckRun(gh, { owner, repo, name: applyCheckRunName('staging'), headSha: sha, status: 'in_progress', externalId: `bosun-deployment-${deployment.id}` });
    await setDeploymentStatus(gh, { owner, repo, deploymentId: deployment.id, state: 'in_progress', description: 'Applying', logUrl: run.url });
    const job = { repo: { owner, name: repo, fullName: `${owner}/${repo}`, cloneUrl: '', defaultBranch: 'main' }, env: 'staging', sha };

    await reportAbandoned(gh, env.standin.appId, job, 'its workers stopped responding 2 times');
    const [stored] = env.standin.checkRuns(owner, repo, sha);
    expect(stored).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect((stored.output as { title: string }).title).toBe(`Apply of ${sha.slice(0, 7)} to staging abandoned`);
    expect(env.standin.deploymentStatuses(deployment.id).map((s) => s.state)).toEqual(['in_progress', 'failure']);

    // Once closed, a second report changes nothing.
    await reportAbandoned(gh, env.standin.appId, job, 'again');
    expect(env.standin.deploymentStatuses(deployment.id)).toHaveLength(2);
    expect(env.standin.problems()).toEqual([]);
  });
});
