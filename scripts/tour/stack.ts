// Everything the tour runs against, started in order and registered for cleanup as it goes: Redis
// (started only when none answers), the test Kubernetes cluster (reused when one is given), the GitHub
// stand-in, and bosun itself — server and workers in this process, configured through the environment
// variables an operator sets, exactly like the end-to-end tests (testkit/harness.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { ClusterClient } from '../../src/cluster/client.ts';
import { kubeconfigFor } from '../../src/cluster/registry.ts';
import { loadServerConfig } from '../../src/config/server.ts';
import { jsonLogger, startBot, type Bot } from '../../queue/start-bot.ts';
import { startGitHubStandin, type Delivery, type GitHubStandin } from '../../testkit/github-standin/index.ts';
import { dropPrefix, ensureRedis } from '../../testkit/redis.ts';
import { cachedBinaries } from '../../testkit/testenv/binaries.ts';
import { startTestCluster } from '../../testkit/testenv/cluster.ts';
import { versionDir } from '../../testkit/testenv/paths.ts';
import type { Cleanup } from './cleanup.ts';

export const redisUrl = 'redis://127.0.0.1:6379';

export interface Stack {
  gh: GitHubStandin;
  bot: Bot;
  /** Redis key prefix of this tour's queues, locks and state. */
  prefix: string;
  kubeconfig: string;
  /** A client on the cluster for the tour's own reads and writes (the played kubelet, cleanup). */
  cluster: ClusterClient;
  dashboardToken: string;
  /** Delivers a webhook to bosun, signed with its secret, as GitHub would. */
  send(event: string, payload: unknown): Promise<Delivery>;
}

export interface StackOptions {
  work: string;
  /** An admin kubeconfig of a running test cluster; otherwise BOSUN_TEST_KUBECONFIG, or a new cluster. */
  kubeconfig?: string;
  say(line: string): void;
  cleanup: Cleanup;
  /** Called once the cluster is there, before bosun starts (cleanup registered here runs after bosun stopped). */
  onCluster?: (client: ClusterClient) => void;
}

async function startRedis(opts: StackOptions): Promise<void> {
  const { started } = await ensureRedis({ log: opts.say });
  if (!started) {
    opts.say('Redis: using the one answering on 127.0.0.1:6379 (the tour keeps to its own key prefix)');
    return;
  }
  opts.say('Redis: none answered, started redis-server on 127.0.0.1:6379 (stopped again at the end)');
  opts.cleanup.add('the redis-server the tour started', async () => {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
    await redis.connect();
    await redis.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
    redis.disconnect();
  });
}

async function clusterKubeconfig(opts: StackOptions): Promise<string> {
  const given = opts.kubeconfig ?? process.env.BOSUN_TEST_KUBECONFIG;
  if (given) {
    if (!existsSync(given)) throw new Error(`the cluster's kubeconfig ${given} does not exist (cluster stopped?); unset BOSUN_TEST_KUBECONFIG to let the tour start one`);
    opts.say(`Kubernetes: using the running test cluster (${given})`);
    return given;
  }
  if (!(await cachedBinaries(versionDir()))) {
    opts.say('Kubernetes: first run on this machine — building etcd, kube-apiserver and kube-controller-manager from');
    opts.say("Debian's sources first (about 5–8 minutes on 2 cores, once; progress lines follow)");
  }
  const cluster = await startTestCluster({ log: (line) => opts.say(line) });
  opts.cleanup.add('the test cluster the tour started', () => cluster.stop());
  opts.say(`Kubernetes: started a test cluster (etcd + kube-apiserver + kube-controller-manager) at ${cluster.server}`);
  return cluster.kubeconfigPath;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  await startRedis(opts);
  const kubeconfig = await clusterKubeconfig(opts);
  const cluster = new ClusterClient({ name: 'test', kubeConfig: kubeconfigFor('test', kubeconfig) });
  opts.cleanup.add('the tour\'s cluster client', () => cluster.close());
  opts.onCluster?.(cluster);

  const gh = await startGitHubStandin();
  opts.cleanup.add(`the GitHub stand-in at ${gh.url}`, () => gh.close());
  opts.say(`GitHub: a local stand-in at ${gh.url} that checks every request against GitHub's OpenAPI description`);

  // The cluster registry (BOSUN_CLUSTERS) names the test cluster `test`, as .bosun.yaml refers to it.
  const clustersFile = join(opts.work, 'clusters.yaml');
  await writeFile(clustersFile, `clusters:\n  test:\n    kubeconfig: ${kubeconfig}\n`);
  const secret = `whsec-${randomUUID()}`;
  const prefix = `bosun-tour-${randomUUID().slice(0, 8)}`;
  const dashboardToken = randomBytes(24).toString('base64url');
  const config = loadServerConfig({
    APP_ID: String(gh.appId),
    PRIVATE_KEY: gh.privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: gh.gheHost,
    GHE_PROTOCOL: 'http',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redisUrl,
    BOSUN_DATA_DIR: join(opts.work, 'data'),
    BOSUN_CLUSTERS: clustersFile,
    BOSUN_DASHBOARD_TOKEN: dashboardToken,
    LOG_LEVEL: 'silent',
  }, { cwd: opts.work });
  opts.cleanup.add(`Redis keys under ${prefix}:`, () => dropTourKeys(prefix));
  // BOSUN_TOUR_LOG=<file>: bosun's own JSON log (what an operator would read) goes there.
  const logFile = process.env.BOSUN_TOUR_LOG;
  const log = logFile ? { log: jsonLogger((line) => appendFileSync(logFile, line)) } : {};
  const bot = await startBot(config, { serve: true, work: true, prefix, ...log, runtime: { supersedePollMs: 500, shutdownTimeoutMs: 5_000 } });
  opts.cleanup.add('bosun (server and workers)', () => bot.close());
  opts.say(`bosun: server at ${bot.server!.url}, workers in this process, Redis key prefix ${prefix}${logFile ? `, log in ${logFile}` : ''}`);

  return {
    gh,
    bot,
    prefix,
    kubeconfig,
    cluster,
    dashboardToken,
    send: (event, payload) => gh.webhook(event, payload, { url: bot.server!.webhookUrl, secret, appId: gh.appId }),
  };
}

/** Deletes every key under the prefix (queues, locks and bosun's state). */
async function dropTourKeys(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    await dropPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}
