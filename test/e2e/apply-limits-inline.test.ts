// A `/bosun apply` before merge and a self-heal count against the per-cluster apply limit like a merge's
// apply, end to end:
// bosun's server and workers, the GitHub stand-in, real Redis and the test cluster registered as two
// clusters, `a` and `b`, with BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=1. A merge applies `a-merge`, whose
// Deployment keeps the apply running until the test makes its pods ready (no kubelet runs in the test
// cluster); meanwhile a pull request asks for `/bosun apply b-pre` (cluster b) and `/bosun apply a-pre`
// (cluster a). The order is read from the deployment statuses GitHub recorded (ids in creation order), not
// from timing: b-pre runs inside a-merge's apply, a-pre only after it. Then a reconcile heals drift in
// `a-heal` (selfHeal) while a merge's apply of `a-later` holds cluster a: the heal deploys only after it.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames, type JobOutcome, type ReconcileJob } from '../../src/jobs.ts';
import type { ReconcileOutcome } from '../../queue/workflows/reconcile/reconcile.ts';
import type { Logger } from '../../queue/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';

const owner = 'acme';
const name = 'fleet-inline';
const envs = ['a-merge', 'a-pre', 'b-pre', 'a-heal', 'a-later'] as const;

describe('a pre-merge apply under a per-cluster limit of one', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let head: string;
  const logged: string[] = [];
  const suffix = randomBytes(3).toString('hex');
  const ns = (env: string): string => `bosun-e2e-inline-${env}-${suffix}`;
  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const keep = (level: string) => (fields: Record<string, unknown>, msg: string): void => void logged.push(`${level} ${String(fields.queue ?? '')} ${msg}`);
  const log: Logger = { info: keep('info'), warn: keep('warn'), error: keep('error') };

  const configMap = (env: string, mode: string): string =>
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns(env)}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns(env)}\ndata:\n  mode: "${mode}"\n`;
  const deployment = (env: string): string => `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns(env)}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

  /** What the kubelet would report: the Deployment's pods running and ready. */
  const markPodsReady = async (env: string): Promise<void> => {
    const pods = await waitFor(`pods of ${env}`, async () => {
      const out = await kubectl('get', 'pods', '-n', ns(env), '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}');
      return out.trim() ? out.trim().split(/\s+/) : undefined;
    });
    const now = new Date().toISOString();
    const status = { status: { phase: 'Running', conditions: ['Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })) } };
    for (const pod of pods) await kubectl('patch', 'pod', pod, '-n', ns(env), '--subresource=status', '--type=merge', '-p', JSON.stringify(status));
  };

  /** The deployment's in_progress and terminal statuses, by GitHub's status ids (their creation order). */
  const span = (sha: string, env: string): { start: number; end: number; states: string[] } => {
    const statuses = s.deploymentStates(s.deploymentOf(sha, env)!);
    const ids = (state: string) => statuses.filter((d) => d.state === state).map((d) => Number(d.id));
    return { start: Math.min(...ids('in_progress')), end: Math.max(...ids('success'), ...ids('failure')), states: statuses.map((d) => String(d.state)) };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-inline-'));
    const clustersFile = await writeTestClusterRegistry(join(work, 'clusters.yaml'), ['a', 'b']);
    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', ['version: 1', 'environments:', ...envs.flatMap((env) => [
      `  - name: ${env}`,
      `    path: envs/${env}`,
      `    cluster: ${env.slice(0, 1)}`,
      '    healthTimeout: 180s',
      ...(env.endsWith('-pre') ? ['    allowPreMergeApply: true'] : []),
      ...(env === 'a-heal' ? ['    selfHeal: true'] : []),
    ]), ''].join('\n'));
    for (const env of envs) await repo.write(`envs/${env}/all.yaml`, configMap(env, 'off'));
    await repo.commit('configure bosun');
    // The pull request changes the two environments it applies before merge.
    await repo.branch('switch-on');
    await repo.checkout('switch-on');
    for (const env of ['a-pre', 'b-pre']) await repo.write(`envs/${env}/all.yaml`, configMap(env, 'on'));
    head = await repo.commit('switch a-pre and b-pre on');
    await repo.checkout('main');

    h = await startHarness({ clustersFile, env: { BOSUN_APPLY_CONCURRENCY_PER_CLUSTER: '1' }, log });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'switch-on', sha: head }, base: { ref: 'main' }, user: 'alice' });
    h.gh.setPermission(owner, name, 'mia', 'maintain');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', ...envs.map(ns), '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  }, 60_000);

  it('runs the other cluster\'s pre-merge apply during the merge\'s apply, and the same cluster\'s only after it', async () => {
    // A merge to a-merge: its apply holds cluster a's one slot while it waits for the Deployment's health.
    const before = await repo.revParse();
    await repo.write('envs/a-merge/all.yaml', configMap('a-merge', 'off') + deployment('a-merge'));
    const merged = await repo.commit('run web on a-merge');
    await s.push({ before, after: merged });
    await waitFor('the merge\'s apply in progress', () => s.checkRuns(merged, 'bosun / apply (a-merge)')[0]?.status === 'in_progress' && s.deploymentOf(merged, 'a-merge'), 120_000);
    await waitFor('the Deployment of a-merge', () => kubectl('get', 'deployment', 'web', '-n', ns('a-merge')).then(() => true, () => undefined), 60_000);

    // Cluster b does not wait for cluster a.
    const onB = await s.command(1, 'mia', '/bosun apply b-pre', 'rocket');
    expect(onB).toMatch(/^✅ `\/bosun apply b-pre`/);
    expect(s.checkRuns(merged, 'bosun / apply (a-merge)')[0]?.status).toBe('in_progress');

    // Cluster a's pre-merge apply waits for its turn inside its command job: nothing deployed for it yet.
    const asked = await s.comment(1, 'mia', '/bosun apply a-pre');
    const waiting = (): boolean => logged.some((line) => line.includes('bosun-command cluster a runs its limit of applies (1); this apply waits for its turn'));
    await waitFor('the a-pre apply to wait for its turn (or to deploy at once)', () => waiting() || s.deploymentOf(head, 'a-pre') !== undefined, 120_000);
    expect(s.deploymentOf(head, 'a-pre')).toBeUndefined();
    expect(await kubectl('get', 'configmap', 'settings', '-n', ns('a-pre'), '--ignore-not-found', '-o', 'name')).toBe('');
    // …and the pull request shows it: a-pre's apply check run on the head, queued, saying what it waits for.
    const queued = await waitFor('a-pre\'s apply check run, queued', () => s.checkRuns(head, 'bosun / apply (a-pre)').find((r) => r.status === 'queued'), 30_000);
    expect(queued.output).toMatchObject({ summary: expect.stringContaining('waiting for an apply slot: 1 apply running on cluster a; BOSUN_APPLY_CONCURRENCY_PER_CLUSTER=1') as unknown });

    await markPodsReady('a-merge');
    expect((await s.completedRun(merged, 'bosun / apply (a-merge)', { timeoutMs: 120_000 })).conclusion).toBe('success');
    await waitFor('🚀 on /bosun apply a-pre', s.reacted(asked, 'rocket'), 120_000);
    expect(s.replies(1).some((r) => r.startsWith('✅ `/bosun apply a-pre`'))).toBe(true);
    expect(await kubectl('get', 'configmap', 'settings', '-n', ns('a-pre'), '-o', 'jsonpath={.data.mode}')).toBe('on');

    // From the deployment statuses GitHub recorded: a-pre began after a-merge ended; b-pre ran inside it.
    const [aMerge, aPre, bPre] = [span(merged, 'a-merge'), span(head, 'a-pre'), span(head, 'b-pre')];
    for (const one of [aMerge, aPre, bPre]) expect(one.states).toEqual(['in_progress', 'success']);
    expect(aPre.start).toBeGreaterThan(aMerge.end);
    expect(bPre.start > aMerge.start && bPre.end < aMerge.end).toBe(true);

    // a-pre's check run, from the requests GitHub recorded in order: queued while a-merge's apply ran, in
    // progress once that ended, then concluded with the apply's result; one run, never a second one.
    const runs = s.checkRuns(head, 'bosun / apply (a-pre)');
    expect(runs.map((r) => [r.status, r.conclusion])).toEqual([['completed', 'success']]);
    const calls = h.gh.requests.filter((r) => r.kind === 'rest' && (r.method === 'POST' ? r.path.endsWith('/check-runs') && (r.body as { name?: string } | undefined)?.name === 'bosun / apply (a-pre)' : r.method === 'PATCH' && r.path.endsWith(`/check-runs/${String(runs[0].id)}`)));
    const statuses = calls.flatMap((r) => ((r.body as { status?: string }).status ? [{ status: (r.body as { status: string }).status, seq: r.seq }] : []));
    expect(statuses.map((x) => x.status)).toEqual(['queued', 'in_progress', 'completed']);
    const mergeEnded = h.gh.requests.find((r) => r.method === 'POST' && r.path.endsWith(`/deployments/${String(s.deploymentOf(merged, 'a-merge')!.id)}/statuses`) && (r.body as { state?: string }).state === 'success')!;
    expect(statuses[0].seq).toBeLessThan(mergeEnded.seq);
    expect(statuses[1].seq).toBeGreaterThan(mergeEnded.seq);
    // b-pre had its turn at once: no check run.
    expect(s.checkRuns(head, 'bosun / apply (b-pre)')).toEqual([]);
    // "Re-run" on that check run is not a plan of an environment named "apply (a-pre)": nothing is queued.
    const plans = await h.jobCount('bosun-plan');
    const pull = await h.gh.pullRequest(owner, name, 1);
    const rerun = h.gh.examplePayload('check_run', 'rerequested', h.gh.repoPayload(owner, name), {
      check_run: { ...runs[0], pull_requests: [{ number: 1, head: pull.head, base: pull.base }] },
    });
    expect((await h.send('check_run', rerun)).status).toBeLessThan(300);
    expect(await h.jobCount('bosun-plan')).toBe(plans);
  }, 600_000);

  it('heals drift on a cluster only after the merge\'s apply holding it ended, and on its own turn', async () => {
    // a-heal applied by a merge, then changed by hand.
    let before = await repo.revParse();
    await repo.write('envs/a-heal/all.yaml', configMap('a-heal', 'on'));
    const healed = await repo.commit('switch a-heal on');
    await s.push({ before, after: healed });
    expect((await s.completedRun(healed, 'bosun / apply (a-heal)', { timeoutMs: 120_000 })).conclusion).toBe('success');
    await kubectl('patch', 'configmap', 'settings', '-n', ns('a-heal'), '--type=merge', '-p', '{"data":{"mode":"by-hand"}}');

    // A merge to a-later holds cluster a's one slot while it waits for its Deployment's health.
    before = healed;
    await repo.write('envs/a-later/all.yaml', configMap('a-later', 'off') + deployment('a-later'));
    const later = await repo.commit('run web on a-later');
    await s.push({ before, after: later });
    await waitFor('the a-later apply in progress', () => s.checkRuns(later, 'bosun / apply (a-later)')[0]?.status === 'in_progress' && s.deploymentOf(later, 'a-later'), 120_000);
    await waitFor('the Deployment of a-later', () => kubectl('get', 'deployment', 'web', '-n', ns('a-later')).then(() => true, () => undefined), 60_000);

    // The drift check finds the change and its heal waits for cluster a: no heal deployment yet.
    const reconciles = new Queue(queueNames.reconcile, { connection: { url: h.redisUrl }, prefix: h.prefix });
    try {
      const data = await waitFor('the drift schedule of a-heal', async () => (await reconciles.getJobSchedulers()).map((x) => x.template?.data as ReconcileJob | undefined).find((d) => d?.env === 'a-heal'));
      const queued = await h.bot.server!.producers.enqueueReconcile(data);
      const heals = () => h.gh.deployments(owner, name).filter((d) => d.environment === 'a-heal');
      const waiting = (): boolean => logged.some((line) => line.includes('bosun-reconcile cluster a runs its limit of applies (1); this apply waits for its turn'));
      await waitFor('the heal to wait for its turn (or to deploy at once)', () => waiting() || heals().length > 1, 120_000);
      expect(heals()).toHaveLength(1);
      expect(await kubectl('get', 'configmap', 'settings', '-n', ns('a-heal'), '-o', 'jsonpath={.data.mode}')).toBe('by-hand');

      await markPodsReady('a-later');
      expect((await s.completedRun(later, 'bosun / apply (a-later)', { timeoutMs: 120_000 })).conclusion).toBe('success');
      const outcome = await waitFor('the reconcile of a-heal', async () => {
        const job = await reconciles.getJob(queued.jobId);
        if (!job) return undefined;
        if (await job.isFailed()) throw new Error(`reconcile of a-heal failed: ${job.failedReason}`);
        if (!(await job.isCompleted())) return undefined;
        return ((await reconciles.getJob(queued.jobId))?.returnvalue as JobOutcome<ReconcileOutcome> | undefined) ?? undefined;
      }, 120_000);
      expect(outcome).toMatchObject({ status: 'done', value: { state: 'healed', healed: { ok: true } } });
      expect(await kubectl('get', 'configmap', 'settings', '-n', ns('a-heal'), '-o', 'jsonpath={.data.mode}')).toBe('on');

      // From the deployment statuses: the heal began after a-later's apply ended.
      const heal = heals().find((d) => d.id === (outcome as { value: ReconcileOutcome }).value.healed!.deploymentId)!;
      const healStates = s.deploymentStates(heal);
      expect(healStates.map((d) => d.state)).toEqual(['in_progress', 'success']);
      expect(Number(healStates[0].id)).toBeGreaterThan(span(later, 'a-later').end);
    } finally {
      await reconciles.close();
    }
  }, 600_000);
});
