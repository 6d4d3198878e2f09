// Plan-only mode, as the chart installs it: no cluster registry. `bosun serve` and `bosun worker` run as
// processes with exactly the arguments and environment the chart's two Deployments give their containers
// (ConfigMap and Secret references resolved from the rendered chart), against the GitHub stand-in and real
// Redis. Only what a pod would get from the image or the node is the test's: loopback instead of 0.0.0.0,
// port 0, a temp data folder. A pull request is planned without a cluster; a merge applies nothing and
// the worker says why.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushJobId, queueNames } from '../../src/jobs.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';
import { dropPrefix } from '../queue/support.ts';
import { spawnBosun, startWorkerProcess, type BosunProcess } from '../../testkit/bosun-process.ts';
import { waitFor } from '../../testkit/harness.ts';
import { containerEnv, get, podOf, render, type K8sObject } from './chart.ts';

const owner = 'acme';
const name = 'platform';
const marker = '<!-- bosun:plan -->';
/** `bosun worker` has no key-prefix setting: these processes get a Redis database of their own. */
const redisUrl = (() => {
  const url = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/11';
  return url.toString();
})();
type Json = Record<string, unknown>;

const configMap = (level: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  level: ${level}\n`;

describe('plan-only mode: the chart without a cluster registry', () => {
  let gh: GitHubStandin;
  let redis: Redis;
  let work: string;
  let repo: GitRepoBuilder;
  let objects: K8sObject[];
  let serve: BosunProcess;
  let worker: BosunProcess;
  let webhookUrl: string;
  let base: string;
  let head: string;
  const secret = `whsec-${randomUUID()}`;

  /** A container of the rendered chart as a process: its args, its environment, and the test's host, port and data folder. */
  const asProcess = (deployment: string, overrides: Record<string, string>): { args: string[]; env: Record<string, string> } => {
    const container = podOf(get(objects, 'Deployment', deployment)).spec.containers[0]!;
    return { args: container.args ?? [], env: { ...containerEnv(container, objects), HOST: '127.0.0.1', ...overrides } };
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-plan-only-'));
    redis = new Redis(redisUrl);
    await dropPrefix(redis, 'bosun');
    repo = await makeGitRepo(join(work, 'repo'));
    await repo.write('.bosun.yaml', 'version: 1\nenvironments:\n  - name: staging\n    path: staging\n    cluster: staging\n');
    await repo.write('staging/app.yaml', configMap('info'));
    base = await repo.commit('configure bosun');
    await repo.git('checkout', '-b', 'debug-logs');
    await repo.write('staging/app.yaml', configMap('debug'));
    head = await repo.commit('debug logs');
    await repo.git('checkout', 'main');

    gh = await startGitHubStandin();
    await gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: 'debug-logs', sha: head }, base: { ref: 'main' }, user: 'alice' });

    ({ objects } = await render({
      set: 'default',
      values: {
        'github.appId': String(gh.appId), 'github.privateKey': gh.privateKey, 'github.webhookSecret': secret,
        'github.host': gh.gheHost, 'github.protocol': 'http', 'redis.url': redisUrl,
      },
    }));
    const s = asProcess('bosun-serve', { PORT: '0', BOSUN_DATA_DIR: join(work, 'serve') });
    serve = spawnBosun(s.args, s.env, { home: work });
    webhookUrl = await waitFor('bosun serve to listen', () => {
      if (serve.child.exitCode !== null) throw new Error(`bosun serve exited: ${serve.log()}`);
      const url = /"url":"(http:\/\/[^"]+)"/.exec(serve.log())?.[1];
      return url ? `${url}/api/github/webhooks` : undefined;
    });
    const w = asProcess('bosun-worker', { BOSUN_METRICS_PORT: '0', BOSUN_DATA_DIR: join(work, 'worker') });
    worker = await startWorkerProcess({ env: w.env, home: work, redisUrl });
  }, 180_000);

  afterAll(async () => {
    for (const p of [serve, worker]) {
      if (p && p.child.exitCode === null && p.child.signalCode === null) {
        p.child.kill('SIGTERM');
        await p.exited;
      }
    }
    await gh?.close();
    if (redis) {
      await dropPrefix(redis, 'bosun');
      redis.disconnect();
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('gives the worker no BOSUN_CLUSTERS, and it starts all the same', () => {
    expect(asProcess('bosun-worker', {}).env.BOSUN_CLUSTERS).toBeUndefined();
    expect(worker.child.exitCode).toBeNull();
  });

  it('plans a pull request: the diff on its check run and in the comment, without an apply preview', async () => {
    const payload = gh.examplePayload('pull_request', 'opened', gh.repoPayload(owner, name), { number: 1, pull_request: await gh.pullPayload(owner, name, 1) });
    const delivery = await gh.webhook('pull_request', payload, { url: webhookUrl, secret, appId: gh.appId });
    expect(delivery.status).toBeLessThan(300);

    const run = await waitFor('the staging check run', () => gh.checkRuns(owner, name, head).find((r) => r.name === 'bosun / staging' && r.status === 'completed'), 120_000);
    expect(run.conclusion).toBe('success');
    const output = run.output as { summary: string; text: string | null };
    const detail = `${output.summary}\n${output.text ?? ''}`;
    expect(detail).toMatch(/^-\s+level: info$/m);
    expect(detail).toMatch(/^\+\s+level: debug$/m);
    expect(detail).not.toMatch(/Apply preview/);
    const comment = await waitFor('the sticky comment', () => gh.comments(owner, name, 1).find((c) => String(c.body).startsWith(marker)));
    expect(String(comment.body)).toMatch(/^\+\s+level: debug$/m);
  }, 150_000);

  it('applies nothing on merge, and the worker says the cluster is not registered', async () => {
    await repo.git('merge', '--ff-only', 'debug-logs');
    const after = await repo.revParse('main');
    const payload = gh.examplePayload('push', undefined, gh.repoPayload(owner, name), await gh.pushPayload(owner, name, { before: base, after }));
    const delivery = await gh.webhook('push', payload, { url: webhookUrl, secret, appId: gh.appId });
    expect(delivery.status).toBeLessThan(300);

    const queue = new Queue(queueNames.push, { connection: { url: redisUrl }, prefix: 'bosun' });
    try {
      const id = pushJobId({ deliveryId: delivery.deliveryId });
      const result = await waitFor('the push job to finish', async () => {
        const job = await queue.getJob(id);
        return job && (await job.isCompleted()) ? ((await queue.getJob(id))?.returnvalue as Json | undefined) : undefined;
      }, 120_000) as { value: { applies: unknown[]; skipped: unknown[] } };
      expect(result.value.applies).toEqual([]);
      expect(result.value.skipped).toEqual([{ env: 'staging', reason: 'cluster staging is not registered with this bosun' }]);
    } finally {
      await queue.close();
    }
    const logged = worker.entries().find((e) => e.msg === 'affected environments not applied on merge');
    expect(logged?.skipped).toEqual([{ env: 'staging', reason: 'cluster staging is not registered with this bosun' }]);
    expect(gh.checkRuns(owner, name, after).filter((r) => String(r.name).startsWith('bosun / apply'))).toEqual([]);
  }, 150_000);
});
