// Drift and self-heal, end to end: a merge applies two environments to the real test API server; people
// then change, scale and delete objects by hand with kubectl; reconcile jobs (queued directly instead of
// waiting for the schedule) compare the cluster with Git, keep one drift issue per environment on the
// GitHub stand-in, and re-apply Git where the environment says `selfHeal: true`.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryName, inventoryNamespace } from '../../src/cluster/index.ts';
import { queueNames, type JobOutcome, type ReconcileJob } from '../../src/jobs.ts';
import type { ReconcileOutcome } from '../../queue/workflows/reconcile/reconcile.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { redisUrl, startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'drifting';
const fullName = `${owner}/${name}`;
// Unique per run: the inventory is per environment name on the shared cluster.
const suffix = randomBytes(3).toString('hex');
const watched = `watched-${suffix}`;
const healing = `healing-${suffix}`;

describe('drift detection and self-heal', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let tip: string;
  const ns: Record<string, string> = {};
  let reconcileQueue: Queue;
  const jobs = new Map<string, ReconcileJob>();
  let saved = '';

  const s = scenario(owner, name, () => h);
  const { kubectl } = s;
  const cmValue = (env: string, cm: string) => kubectl('get', 'configmap', cm, '-n', ns[env], '-o', 'jsonpath={.data.version}');
  const replicas = async (env: string) => Number(await kubectl('get', 'deployment', 'web', '-n', ns[env], '-o', 'jsonpath={.spec.replicas}'));
  const manifests = (namespace: string) => [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${namespace}\ndata:\n  version: "1"\n`,
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: ${namespace}\ndata:\n  version: "1"\n`,
    // No pods ever run here (no scheduler or kubelet): zero replicas is healthy, and scaling is a real change.
    [
      'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', `  namespace: ${namespace}`, 'spec:', '  replicas: 0',
      '  selector:', '    matchLabels: {app: web}', '  template:', '    metadata:', '      labels: {app: web}', '    spec:',
      '      containers:', '        - name: web', '          image: registry.example/web:1.0', '',
    ].join('\n'),
  ];
  const driftIssues = (): Json[] => h.gh.issues(owner, name, { labels: ['bosun:drift'] });
  const issueOf = (env: string): Json | undefined => driftIssues().find((i) => String(i.body).startsWith(`<!-- bosun:drift env="${env}" -->`));
  const comments = (issue: Json): Json[] => h.gh.comments(owner, name, Number(issue.number));
  /** A comment as people read it: without the hidden marker line that keeps it from being posted twice. */
  const visible = (c: Json): string => String(c.body).replace(/\n\n<!-- bosun:drift-step [^>]* -->$/, '');
  const status = () => h.bot.processors!.status;

  /** Queues a reconcile of `env` now and returns its outcome (again when a round was skipped because the environment was busy). */
  const reconcile = async (env: string): Promise<ReconcileOutcome> => {
    const data = jobs.get(env);
    if (!data) throw new Error(`no reconcile schedule for ${env}`);
    for (let attempt = 0; attempt < 20; attempt++) {
      const queued = await h.bot.server!.producers.enqueueReconcile(data);
      const outcome = await waitFor(`the reconcile of ${env}`, async () => {
        const job = await reconcileQueue.getJob(queued.jobId);
        if (!job) return undefined;
        if (await job.isFailed()) throw new Error(`reconcile of ${env} failed: ${job.failedReason}`);
        if (!(await job.isCompleted())) return undefined;
        return ((await reconcileQueue.getJob(queued.jobId))?.returnvalue as JobOutcome<ReconcileOutcome> | undefined) ?? undefined;
      }, 120_000);
      if (outcome.status === 'done' && outcome.value.state !== 'pending') return outcome.value;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the reconcile of ${env} never got to run`);
  };

  beforeAll(async () => {
    ns[watched] = `bosun-drift-w-${suffix}`;
    ns[healing] = `bosun-drift-h-${suffix}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-drift-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);

    repo = await makeGitRepo();
    await repo.write('.bosun.yaml', [
      'version: 1',
      'environments:',
      `  - name: ${watched}`,
      `    path: clusters/${watched}`,
      '    cluster: test',
      '    healthTimeout: 60s',
      '    reconcileInterval: 5m',
      `  - name: ${healing}`,
      `    path: clusters/${healing}`,
      '    cluster: test',
      '    healthTimeout: 60s',
      '    selfHeal: true',
      '',
    ].join('\n'));
    tip = await repo.commit('configure bosun');
    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    reconcileQueue = new Queue(queueNames.reconcile, { connection: { url: redisUrl }, prefix: h.prefix });
  }, 120_000);

  afterAll(async () => {
    await reconcileQueue?.close();
    await h?.close();
    for (const namespace of Object.values(ns)) await kubectl('delete', 'namespace', namespace, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await kubectl('delete', 'configmap', '-n', inventoryNamespace, inventoryName(watched), inventoryName(healing), '--ignore-not-found').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('a merge applies both environments and schedules one drift check per environment at its interval', async () => {
    for (const env of [watched, healing]) {
      const files = manifests(ns[env]);
      for (const [i, file] of ['namespace', 'app', 'extra', 'web'].entries()) await repo.write(`clusters/${env}/${file}.yaml`, files[i]);
    }
    const before = tip;
    tip = await repo.commit('add the apps');
    await s.push({ before, after: tip });

    for (const env of [watched, healing]) {
      const check = await s.completedRun(tip, `bosun / apply (${env})`, { timeoutMs: 120_000 });
      expect(check.conclusion).toBe('success');
    }
    const schedulers = await waitFor('both drift schedules', async () => {
      const all = await reconcileQueue.getJobSchedulers();
      return all.length >= 2 ? all : undefined;
    });
    const every = Object.fromEntries(schedulers.map((s) => [(s.template?.data as ReconcileJob).env, s.every]));
    expect(every).toEqual({ [watched]: 5 * 60_000, [healing]: 10 * 60_000 });
    for (const s of schedulers) {
      const data = s.template!.data as ReconcileJob;
      expect(data).toMatchObject({ repo: { fullName, defaultBranch: 'main' } });
      jobs.set(data.env, data);
    }
  }, 240_000);

  it('finds no drift right after an apply: no issue is opened', async () => {
    for (const env of [watched, healing]) {
      const outcome = await reconcile(env);
      expect(outcome).toMatchObject({ env, sha: tip, state: 'in-sync', drifted: 0 });
      expect(outcome.issue).toBeUndefined();
      expect(await status().drift(fullName, env)).toMatchObject({ state: 'in-sync', sha: tip, drifted: 0 });
    }
    expect(driftIssues()).toEqual([]);
  }, 240_000);

  it('a commit on main whose push bosun has not handled yet is not drift: no issue, no heal; once applied, in sync', async () => {
    // The push lands on GitHub first; its webhook (and the apply it queues) come a moment later — or, on a busy
    // installation, minutes later. A drift check in between sees the cluster behind the tip, not changed by hand.
    for (const env of [watched, healing]) await repo.write(`clusters/${env}/app.yaml`, manifests(ns[env])[1]!.replace('version: "1"', 'version: "2"'));
    const before = tip;
    tip = await repo.commit('bump the apps, push not delivered yet');
    for (const env of [watched, healing]) {
      const queued = await h.bot.server!.producers.enqueueReconcile(jobs.get(env)!);
      const outcome = await waitFor(`the reconcile of ${env}`, async () => {
        const job = await reconcileQueue.getJob(queued.jobId);
        if (!job || !(await job.isCompleted())) return undefined;
        // Read again: the job fetched above may predate its completion (its returnvalue then still null).
        return ((await reconcileQueue.getJob(queued.jobId))?.returnvalue as JobOutcome<ReconcileOutcome> | null | undefined) ?? undefined;
      }, 120_000);
      expect(outcome).toMatchObject({ status: 'done', value: { env, sha: tip, state: 'pending', drifted: 0, message: expect.stringContaining(`is as bosun last applied it (${before.slice(0, 7)})`) } });
    }
    expect(driftIssues()).toEqual([]);
    // Nothing healed it to the tip behind the push's back.
    expect(await kubectl('get', 'configmap', 'app', '-n', ns[healing], '-o', 'jsonpath={.data.version}')).toBe('1');

    // Applied, the tip is the reference again and the cluster is in sync with it.
    await s.push({ before, after: tip });
    for (const env of [watched, healing]) expect((await s.completedRun(tip, `bosun / apply (${env})`, { timeoutMs: 120_000 })).conclusion).toBe('success');
    for (const env of [watched, healing]) expect(await reconcile(env)).toMatchObject({ env, sha: tip, state: 'in-sync', drifted: 0 });
    // The bump is taken back the same way (the tests below start from version 1).
    for (const env of [watched, healing]) await repo.write(`clusters/${env}/app.yaml`, manifests(ns[env])[1]!);
    const bumped = tip;
    tip = await repo.commit('take the bump back');
    await s.push({ before: bumped, after: tip });
    for (const env of [watched, healing]) expect((await s.completedRun(tip, `bosun / apply (${env})`, { timeoutMs: 120_000 })).conclusion).toBe('success');
  }, 240_000);

  it('reports objects changed, scaled and deleted by hand on one issue, and leaves the cluster alone when selfHeal is off', async () => {
    const applies = h.gh.deployments(owner, name).filter((d) => d.environment === watched).length;
    await kubectl('patch', 'configmap', 'app', '-n', ns[watched], '--type=merge', '-p', '{"data":{"version":"by-hand"}}');
    await kubectl('scale', 'deployment', 'web', '-n', ns[watched], '--replicas=2');
    // Kept the way a careful person would before deleting something, to put it back later.
    const live = JSON.parse(await kubectl('get', 'configmap', 'extra', '-n', ns[watched], '-o', 'json')) as { metadata: Json };
    for (const field of ['resourceVersion', 'uid', 'creationTimestamp', 'managedFields']) delete live.metadata[field];
    saved = JSON.stringify(live);
    await kubectl('delete', 'configmap', 'extra', '-n', ns[watched]);

    const outcome = await reconcile(watched);
    expect(outcome).toMatchObject({ state: 'drifted', drifted: 3, issue: { step: 'opened' } });
    const issue = issueOf(watched)!;
    expect(issue).toMatchObject({ state: 'open', title: `Drift in ${watched}`, number: outcome.issue!.number });
    expect((issue.labels as Json[]).map((l) => l.name)).toEqual(['bosun:drift']);
    const body = String(issue.body);
    expect(body).toContain(`| \`ConfigMap\` | \`${ns[watched]}\` | \`extra\` | ➕ missing |`);
    expect(body).toMatch(new RegExp(`\\| \`ConfigMap\` \\| \`${ns[watched]}\` \\| \`app\` \\| ✏️ changed \\| \`kubectl-patch\` \\|`));
    expect(body).toContain(`| \`Deployment\` | \`${ns[watched]}\` | \`web\` | ✏️ changed |`);
    expect(body).toMatch(/-\s+version: by-hand\n\+\s+version: "1"/);
    expect(body).toMatch(/-\s+replicas: 2\n\+\s+replicas: 0/);
    expect(body).toContain(`| Compared with | \`${tip.slice(0, 7)}\` (the tip of \`main\`) |`);
    expect(body).toContain(`\`/bosun sync ${watched}\``);
    expect(await status().drift(fullName, watched)).toMatchObject({ state: 'drifted', sha: tip, drifted: 3, issueNumber: issue.number, issueUrl: issue.html_url });

    // Only reported: the cluster keeps what people did.
    expect(await cmValue(watched, 'app')).toBe('by-hand');
    expect(await replicas(watched)).toBe(2);
    expect(h.gh.deployments(owner, name).filter((d) => d.environment === watched)).toHaveLength(applies);
  }, 240_000);

  it('a second check with the same drift edits the same issue: no second issue, no comment', async () => {
    const outcome = await reconcile(watched);
    expect(outcome).toMatchObject({ state: 'drifted', drifted: 3 });
    expect(['updated', 'unchanged']).toContain(outcome.issue!.step);
    expect(driftIssues()).toHaveLength(1);
    expect(comments(issueOf(watched)!)).toEqual([]);
  }, 240_000);

  it('drift fixed by hand closes the issue, saying at which commit the cluster is in sync', async () => {
    await kubectl('patch', 'configmap', 'app', '-n', ns[watched], '--type=merge', '-p', '{"data":{"version":"1"}}');
    await kubectl('scale', 'deployment', 'web', '-n', ns[watched], '--replicas=0');
    const file = join(work, 'extra.json');
    await writeFile(file, saved);
    await kubectl('create', '-f', file);

    const outcome = await reconcile(watched);
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ state: 'in-sync', issue: { step: 'closed' } });
    const issue = issueOf(watched)!;
    expect(issue).toMatchObject({ state: 'closed', state_reason: 'completed' });
    expect(String(issue.body)).toContain(`> ✅ **In sync since`);
    expect(String(issue.body)).toContain(`at \`${tip.slice(0, 7)}\``);
    const said = comments(issue).map(visible);
    expect(said).toEqual([`\`${watched}\` is in sync with \`${tip.slice(0, 7)}\` again, found at ${said[0].match(/found at (.*?)\. Closing/)![1]}. Closing.`]);
    expect(await status().drift(fullName, watched)).toMatchObject({ state: 'in-sync', issueNumber: issue.number });
  }, 240_000);

  it('with selfHeal on, drift is healed: live objects restored, the heal recorded as a deployment, the issue closed as healed', async () => {
    await kubectl('patch', 'configmap', 'app', '-n', ns[healing], '--type=merge', '-p', '{"data":{"version":"by-hand"}}');
    await kubectl('scale', 'deployment', 'web', '-n', ns[healing], '--replicas=3');

    const outcome = await reconcile(healing);
    expect(outcome).toMatchObject({ state: 'healed', sha: tip, drifted: 2, healed: { ok: true }, issue: { step: 'healed' } });
    expect(await cmValue(healing, 'app')).toBe('1');
    expect(await replicas(healing)).toBe(0);

    const heal = h.gh.deployments(owner, name).find((d) => d.environment === healing && d.id === outcome.healed!.deploymentId)!;
    expect(heal).toMatchObject({ sha: tip, description: `bosun heals drift in ${healing} at ${tip.slice(0, 7)}` });
    const states = s.deploymentStates(heal);
    expect(states.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(String(states[1].description)).toMatch(new RegExp(`^bosun healed drift in ${healing} at ${tip.slice(0, 7)}: 2 configured`));
    expect(await status().lastApply(fullName, healing)).toMatchObject({ sha: tip, trigger: 'heal', ok: true, deploymentId: heal.id });

    const issue = issueOf(healing)!;
    expect(issue.state).toBe('closed');
    expect(String(issue.body)).toContain('**Healed at');
    expect(String(issue.body)).toContain(`| \`Deployment\` | \`${ns[healing]}\` | \`web\` | ✏️ changed |`);
    expect(comments(issue).map(visible)).toEqual([expect.stringMatching(new RegExp(`^bosun healed drift in \`${healing}\` at .* \\(2 changed\\) by re-applying \`${tip.slice(0, 7)}\`; the cluster is in sync again\\.$`))]);
    expect(await status().drift(fullName, healing)).toMatchObject({ state: 'healed', drifted: 2, issueNumber: issue.number });

    // The next check finds nothing and leaves the closed issue alone.
    const next = await reconcile(healing);
    expect(next).toMatchObject({ state: 'in-sync', issue: { step: 'none' } });
    expect(comments(issueOf(healing)!)).toHaveLength(1);
  }, 240_000);

  it('a default branch that no longer renders is recorded as an error, opens no issue and heals nothing', async () => {
    const applied = tip;
    await repo.write(`clusters/${healing}/app.yaml`, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: [unclosed\n');
    const before = tip;
    tip = await repo.commit('break the healing app');
    await s.push({ before, after: tip });
    await s.completedRun(tip, `bosun / apply (${healing})`, { timeoutMs: 120_000 });
    await kubectl('patch', 'configmap', 'app', '-n', ns[healing], '--type=merge', '-p', '{"data":{"version":"by-hand"}}');
    const issuesBefore = JSON.stringify(driftIssues());

    const outcome = await reconcile(healing);
    expect(outcome).toMatchObject({ state: 'error', sha: tip });
    expect(outcome.message).toMatch(/app\.yaml/);
    expect(await status().drift(fullName, healing)).toMatchObject({ state: 'error', sha: tip, summary: outcome.message, issueNumber: issueOf(healing)!.number });
    expect(JSON.stringify(driftIssues())).toBe(issuesBefore);
    expect(await cmValue(healing, 'app')).toBe('by-hand');

    // A rollback pins the environment at the commit that worked: drift is then measured against it, and healed.
    await status().setPin(fullName, healing, { sha: applied, reason: 'rollback by alice', at: Date.now() });
    const pinned = await reconcile(healing);
    expect(pinned).toMatchObject({ state: 'healed', sha: applied, drifted: 1 });
    expect(await cmValue(healing, 'app')).toBe('1');
    expect(String(issueOf(healing)!.body)).toContain(`| Compared with | \`${applied.slice(0, 7)}\` (pinned at \`${applied.slice(0, 7)}\` (rollback by alice); \`main\` is at \`${tip.slice(0, 7)}\`) |`);
    await status().clearPin(fullName, healing);
  }, 240_000);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
