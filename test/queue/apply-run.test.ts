// The one apply path every caller goes through (queue/workflows/apply): GitHub's deployment semantics
// (in_progress, then exactly one terminal status), the check run, one apply record, and the lease rule
// (a lost lease fails the run; it is never ignored). Real Redis, the GitHub stand-in; the cluster work
// is the caller's and stands for itself here.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApplyReport } from '../../src/cluster/index.ts';
import { createEnvStatusStore, envLeaseHolder, stateKeys, type EnvStatusStore, type StateKeys } from '../../src/jobs.ts';
import { BosunError } from '../../src/model/errors.ts';
import { applyRun, EnvLeaseLost, unavailableRetryMs, type RunEnd, type RunSteps } from '../../queue/workflows/apply/apply-run.ts';
import { ApiError, TransportError } from '../../src/cluster/api-error.ts';
import { isUnavailable } from '../../src/cluster/retry.ts';
import { RetryAfterError } from '../../src/jobs/errors.ts';
import { takeEnvLease } from '../../queue/workflows/apply/env-lease.ts';
import { openApplyLifeCycle, type ApplyTarget } from '../../queue/workflows/apply/life-cycle.ts';
import { standinWithRepo, type StandinRepo } from '../github/standin-setup.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';

let gh: StandinRepo;
beforeAll(async () => {
  gh = await standinWithRepo();
});
afterAll(async () => {
  await gh?.close();
});

const report = (ok: boolean): ApplyReport => ({
  environment: 'staging', cluster: 'test', mode: 'apply', dryRun: false, objects: [], pruned: 0, notes: [], ok, durationMs: 1200,
  counts: { created: 1, configured: 2, unchanged: 0, failed: ok ? 0 : 1, pruned: 0, skipped: 0 },
});

describe('applyRun', () => {
  let redis: Redis;
  let prefix: string;
  let keys: StateKeys;
  let status: EnvStatusStore;
  beforeEach(() => {
    redis = testRedis();
    prefix = uniquePrefix();
    keys = stateKeys(prefix);
    status = createEnvStatusStore(redis, prefix);
  });
  afterEach(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
  });

  const target = (env: string, trigger: ApplyTarget['trigger'], more: Partial<ApplyTarget> = {}): ApplyTarget => ({
    repo: { owner: gh.owner, name: gh.repo, fullName: `${gh.owner}/${gh.repo}`, cloneUrl: '', defaultBranch: 'main' },
    env, sha: gh.sha, seq: 5, trigger, ...more,
  });
  const deploymentsOf = (env: string) => gh.standin.deployments(gh.owner, gh.repo).filter((d) => d.environment === env);
  const statesOf = (id: unknown) => gh.standin.deploymentStatuses(Number(id)).sort((a, b) => Number(a.id) - Number(b.id)).map((s) => s.state);

  it('a run that applies: a deployment in_progress then success, its check run concluded, one apply record in the history', async () => {
    const life = await openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: 'job-1', checkRun: true, deployment: true }, target('staging', 'merge', { pr: 3 }));
    const events: string[] = [];
    const end = await applyRun({
      life,
      signal: new AbortController().signal,
      work: async (steps) => {
        events.push(`deployments before deploy: ${deploymentsOf('staging').length}`);
        await steps.deploy();
        events.push(`statuses when the cluster is touched: ${statesOf(life.deploymentId).join(',')}`);
        return { kind: 'finish', ending: { ok: true, title: 'Applied', summary: 'done', description: 'Applied: 1 created', report: report(true) } };
      },
      posted: async (result) => {
        events.push(`posted ${result.kind} after ${statesOf(life.deploymentId).join(',')}`);
      },
    });
    expect(end.kind).toBe('finish');
    expect(events).toEqual(['deployments before deploy: 0', 'statuses when the cluster is touched: in_progress', 'posted finish after in_progress,success']);
    const [deployment] = deploymentsOf('staging');
    expect(deployment).toMatchObject({ sha: gh.sha, payload: { job: 'job-1', trigger: 'merge', pr: 3 } });
    const [run] = gh.standin.checkRuns(gh.owner, gh.repo, gh.sha).filter((r) => r.name === 'bosun / apply (staging)');
    expect(run).toMatchObject({ status: 'completed', conclusion: 'success', external_id: expect.stringMatching(new RegExp(`^bosun-apply-[0-9a-f]{12}-deployment-${deployment.id}$`)) });
    expect(await status.history(`${gh.owner}/${gh.repo}`, 'staging')).toEqual([
      expect.objectContaining({ sha: gh.sha, trigger: 'merge', ok: true, pr: 3, deploymentId: deployment.id, summary: '1 created, 2 configured, 0 pruned' }),
    ]);

    // The run has ended: finishing it again (a retried step) adds no second terminal status or record.
    await life.finish({ ok: true, title: 'Applied', summary: 'done', description: 'again' });
    expect(statesOf(deployment.id)).toEqual(['in_progress', 'success']);
    expect(await status.history(`${gh.owner}/${gh.repo}`, 'staging')).toHaveLength(1);
    expect(gh.standin.problems()).toEqual([]);
  });

  it('a lease lost mid-apply fails the run: deployment failure, failed record, the error thrown — never reported as applied', async () => {
    const repoName = `${gh.owner}/${gh.repo}`;
    const lease = await takeEnvLease({ redis, keys, repo: repoName, env: 'canary', token: 'command:me', leaseMs: 300 });
    expect(lease).toBeDefined();
    const life = await openApplyLifeCycle({ gh: gh.octokit, status, jobId: 'command-1', checkRun: false, deployment: true }, target('canary', 'pre-merge', { pr: 9, requestedBy: 'mia' }));
    const run = applyRun({
      life,
      signal: lease!.signal,
      work: async (steps) => {
        await steps.deploy();
        // Mid-apply, another worker takes the environment (our lease ran out while Redis was slow).
        await redis.set(keys.envLease(repoName, 'canary'), 'someone-else', 'PX', 60_000);
        // On a slow machine the keeper may already have seen the lease expire during deploy().
        if (!lease!.signal.aborted) await new Promise<void>((resolve) => lease!.signal.addEventListener('abort', () => resolve(), { once: true }));
        return { kind: 'finish', ending: { ok: true, title: 'Applied', summary: 'done', description: 'Applied', report: report(true) } };
      },
    });
    await expect(run).rejects.toBeInstanceOf(EnvLeaseLost);
    await lease!.release();
    // Releasing a lost lease does not take it from its new holder.
    expect(await envLeaseHolder(redis, keys, repoName, 'canary')).toBe('someone-else');
    const [deployment] = deploymentsOf('canary');
    expect(statesOf(deployment.id)).toEqual(['in_progress', 'failure']);
    const last = await status.lastApply(repoName, 'canary');
    expect(last).toMatchObject({ sha: gh.sha, trigger: 'pre-merge', ok: false, pr: 9, requestedBy: 'mia', deploymentId: deployment.id });
    expect(last?.summary).toMatch(/lease was lost/);
    expect(await status.history(repoName, 'canary')).toEqual([]);
  });

  it('a lease already lost when the run starts touches nothing: no deployment is created', async () => {
    const controller = new AbortController();
    const { JobAborted } = await import('../../queue/job-run.ts');
    controller.abort(new JobAborted('lease-lost'));
    const life = await openApplyLifeCycle({ gh: gh.octokit, status, jobId: 'job-2', checkRun: true, deployment: true }, target('early', 'sync'));
    let touched = false;
    const run = applyRun({ life, signal: controller.signal, retry: { attemptsMade: 0, attempts: 3 }, work: async () => {
      touched = true;
      return { kind: 'finish', ending: { ok: true, title: '', summary: '', description: '' } };
    } });
    await expect(run).rejects.toBeInstanceOf(EnvLeaseLost);
    expect(touched).toBe(false);
    expect(deploymentsOf('early')).toEqual([]);
    // An apply job is run again by the job layer: its check run stays in progress for the next attempt.
    const [check] = gh.standin.checkRuns(gh.owner, gh.repo, gh.sha).filter((r) => r.name === 'bosun / apply (early)');
    expect(check).toMatchObject({ status: 'in_progress' });
    expect((check.output as { summary: string }).summary).toMatch(/^Attempt 1 failed: bosun lost the environment lease/);
  });

  it('a commit that cannot be applied ends the run as "nothing applied" without a retry; other failures are retried until the last attempt', async () => {
    const life = await openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: 'job-3', checkRun: true, deployment: true }, target('broken', 'merge'));
    const end = await applyRun({ life, signal: new AbortController().signal, retry: { attemptsMade: 0, attempts: 3 }, work: async () => {
      throw new BosunError({ kind: 'render', message: 'kustomize build failed: missing resource', file: 'clusters/broken/kustomization.yaml' });
    } });
    expect(end).toMatchObject({ kind: 'finish', ending: { ok: false, title: 'Nothing applied to broken' } });
    const [deployment] = deploymentsOf('broken');
    expect(statesOf(deployment.id)).toEqual(['in_progress', 'failure']);
    expect(await status.lastApply(`${gh.owner}/${gh.repo}`, 'broken')).toMatchObject({ ok: false, trigger: 'merge' });

    const flaky = async (attemptsMade: number) => {
      const attempt = await openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: 'job-4', attemptsMade, checkRun: true, deployment: true }, target('flaky', 'rollback'));
      await expect(applyRun({ life: attempt, signal: new AbortController().signal, retry: { attemptsMade, attempts: 2 }, work: async (steps) => {
        await steps.deploy();
        throw new Error('connect ECONNREFUSED 10.0.0.1:6443');
      } })).rejects.toThrow(/ECONNREFUSED/);
      return attempt;
    };
    const first = await flaky(0);
    expect(statesOf(first.deploymentId)).toEqual(['in_progress']);
    expect(await status.lastApply(`${gh.owner}/${gh.repo}`, 'flaky')).toBeUndefined();
    // The second and last attempt continues the same check run and deployment, and ends both.
    const second = await flaky(1);
    expect(second.checkRun?.id).toBe(first.checkRun?.id);
    expect(second.deploymentId).toBe(first.deploymentId);
    expect(statesOf(first.deploymentId)).toEqual(['in_progress', 'failure']);
    expect(await status.lastApply(`${gh.owner}/${gh.repo}`, 'flaky')).toMatchObject({ ok: false, trigger: 'rollback', summary: expect.stringMatching(/^Apply failed: connect ECONNREFUSED/) });
    expect(gh.standin.problems()).toEqual([]);
  });
  it('a GitHub call that fails after the cluster was changed: the job run again posts that end on the same check run and deployment, without applying again', async () => {
    const repoName = `${gh.owner}/${gh.repo}`;
    const checkRuns = () => gh.standin.checkRuns(gh.owner, gh.repo, gh.sha).filter((r) => r.name === 'bosun / apply (resume)');
    let applied = 0;
    // A GitHub server error delays the job without using an attempt: every run below is attempt 1.
    const runJob = async () => {
      const life = await openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: 'job-6', enqueuedAt: 1_700_000_000_000, attemptsMade: 0, checkRun: true, deployment: true }, target('resume', 'merge', { pr: 4 }));
      return { life, run: applyRun({ life, signal: new AbortController().signal, retry: { attemptsMade: 0, attempts: 3 }, work: async (steps) => {
        await steps.deploy();
        applied++;
        return { kind: 'finish', ending: { ok: true, title: 'Applied', summary: 'first apply: 1 created', description: 'Applied: 1 created', report: report(true) } };
      } }) };
    };
    gh.standin.failNext({ method: 'POST', path: /\/deployments\/\d+\/statuses$/, body: /"state":"success"/ });
    const first = await runJob();
    await expect(first.run).rejects.toThrow(/HTTP 502/);
    expect(applied).toBe(1);
    expect(statesOf(first.life.deploymentId)).toEqual(['in_progress']);

    const second = await runJob();
    await expect(second.run).resolves.toMatchObject({ kind: 'finish', ending: { ok: true, summary: 'first apply: 1 created' } });
    expect(applied).toBe(1);
    expect(second.life.checkRun?.id).toBe(first.life.checkRun?.id);
    expect(second.life.deploymentId).toBe(first.life.deploymentId);
    // Run once more (a worker that died before the job was marked done): nothing is added.
    await expect((await runJob()).run).resolves.toMatchObject({ kind: 'finish' });
    expect(applied).toBe(1);

    expect(deploymentsOf('resume')).toHaveLength(1);
    expect(statesOf(first.life.deploymentId)).toEqual(['in_progress', 'success']);
    expect(checkRuns()).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'success', output: expect.objectContaining({ summary: 'first apply: 1 created' }) })]);
    expect(await status.history(repoName, 'resume')).toEqual([expect.objectContaining({ ok: true, deploymentId: first.life.deploymentId, summary: '1 created, 2 configured, 0 pruned' })]);
    expect(gh.standin.problems()).toEqual([]);
  });

  it('a check run concluded but the job run again: the deployment gets no second terminal status, the environment no second record', async () => {
    const repoName = `${gh.owner}/${gh.repo}`;
    const open = (attemptsMade: number) => openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: 'job-7', attemptsMade, checkRun: true, deployment: true }, target('twice', 'merge'));
    const work = async (steps: { deploy(): Promise<void> }) => {
      await steps.deploy();
      return { kind: 'finish' as const, ending: { ok: true, title: 'Applied', summary: 'done', description: 'Applied', report: report(true) } };
    };
    // The conclusion fails after the deployment status and the record (in-place retries used up too).
    gh.standin.failNext({ method: 'PATCH', path: /\/check-runs\/\d+$/, body: /"status":"completed"/, times: 4 });
    const first = await open(0);
    await expect(applyRun({ life: first, signal: new AbortController().signal, retry: { attemptsMade: 0, attempts: 2 }, work })).rejects.toThrow(/HTTP 502/);
    expect(statesOf(first.deploymentId)).toEqual(['in_progress', 'success']);
    // The job's end was kept: a status store that lost it (flushed) makes the run apply again, and still nothing doubles.
    await dropPrefix(redis, `${prefix}:state:env-status:run-end`);
    const second = await open(1);
    await expect(applyRun({ life: second, signal: new AbortController().signal, retry: { attemptsMade: 1, attempts: 2 }, work })).resolves.toMatchObject({ kind: 'finish' });
    expect(second.deploymentId).toBe(first.deploymentId);
    expect(statesOf(first.deploymentId)).toEqual(['in_progress', 'success']);
    expect(deploymentsOf('twice')).toHaveLength(1);
    expect(gh.standin.checkRuns(gh.owner, gh.repo, gh.sha).filter((r) => r.name === 'bosun / apply (twice)')).toEqual([expect.objectContaining({ status: 'completed', conclusion: 'success' })]);
    expect(await status.history(repoName, 'twice')).toHaveLength(1);
  });

  it('an API server that is down or out of reach delays the run, even on its last attempt, instead of failing the merge: the same check run and deployment carry on once it answers', async () => {
    const down = new BosunError({ kind: 'cluster', message: 'cannot reach the API server of cluster "test" at https://127.0.0.1:1 (ECONNREFUSED, 5 tries)' }, {
      cause: new TransportError({ code: 'ECONNREFUSED', message: 'GET /api: connect ECONNREFUSED 127.0.0.1:1', method: 'GET', path: '/api' }),
    });
    const open = () => openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: 'job-5', attemptsMade: 1, checkRun: true, deployment: true }, target('outage', 'merge'));
    const first = await open();
    const waited = applyRun({ life: first, signal: new AbortController().signal, retry: { attemptsMade: 1, attempts: 2 }, work: async (steps) => {
      await steps.deploy();
      throw down;
    } });
    await expect(waited).rejects.toBeInstanceOf(RetryAfterError);
    await expect(waited).rejects.toMatchObject({ retryAfterMs: unavailableRetryMs });
    expect(statesOf(first.deploymentId)).toEqual(['in_progress']);
    expect(await status.lastApply(`${gh.owner}/${gh.repo}`, 'outage')).toBeUndefined();
    // The server answers again: the run the job layer starts later ends the same check run and deployment.
    const second = await open();
    const end = await applyRun({ life: second, signal: new AbortController().signal, retry: { attemptsMade: 1, attempts: 2 }, work: async (steps) => {
      await steps.deploy();
      return { kind: 'finish', ending: { ok: true, title: 'Applied', summary: 'applied after the outage', description: 'applied', report: report(true) } };
    } });
    expect(end.kind).toBe('finish');
    expect(second.checkRun?.id).toBe(first.checkRun?.id);
    expect(second.deploymentId).toBe(first.deploymentId);
    expect(statesOf(first.deploymentId)).toEqual(['in_progress', 'success']);
    expect(deploymentsOf('outage')).toHaveLength(1);
    // An answer about the request itself (a 422) is no outage: the last attempt fails as before.
    const invalid = new BosunError({ kind: 'cluster', message: 'rejected' }, { cause: new ApiError({ status: 422, body: 'Deployment.apps "web" is invalid', method: 'PATCH', path: '/apis/apps/v1' }) });
    expect(isUnavailable(invalid)).toBe(false);
    expect(isUnavailable(new ApiError({ status: 503, body: 'unavailable', method: 'GET', path: '/api' }))).toBe(true);
  });

  it('an apply that ran to its end but failed because the API server stopped answering during it waits for the server too; without a retry it ends failed', async () => {
    const cut: ApplyReport = { ...report(false), unreachable: 'ConfigMap qa/cm3: connect ECONNREFUSED 127.0.0.1:6443 (after 5 tries)' };
    const work = async (steps: RunSteps): Promise<RunEnd> => {
      await steps.deploy();
      return { kind: 'finish', ending: { ok: false, title: 'Apply failed', summary: '1 object failed', description: 'failed', report: cut } };
    };
    const open = (env: string) => openApplyLifeCycle({ gh: gh.octokit, appId: gh.standin.appId, status, jobId: `job-${env}`, checkRun: true, deployment: true }, target(env, 'merge'));
    const retried = await open('cut');
    const waited = applyRun({ life: retried, signal: new AbortController().signal, retry: { attemptsMade: 0, attempts: 3 }, work });
    await expect(waited).rejects.toBeInstanceOf(RetryAfterError);
    await expect(waited).rejects.toMatchObject({ retryAfterMs: unavailableRetryMs, message: expect.stringContaining('ConfigMap qa/cm3: connect ECONNREFUSED') });
    expect(statesOf(retried.deploymentId)).toEqual(['in_progress']);
    expect(gh.standin.checkRuns(gh.owner, gh.repo, gh.sha).filter((r) => r.name === 'bosun / apply (cut)')).toEqual([expect.objectContaining({ status: 'in_progress' })]);
    expect(await status.lastApply(`${gh.owner}/${gh.repo}`, 'cut')).toBeUndefined();
    // A caller that does not retry (the CLI's one attempt) gets the failed report as it is.
    const once = await open('cut-once');
    await expect(applyRun({ life: once, signal: new AbortController().signal, work })).resolves.toMatchObject({ kind: 'finish', ending: { ok: false } });
    expect(statesOf(once.deploymentId)).toEqual(['in_progress', 'failure']);
  });
});
