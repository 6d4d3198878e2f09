// bosun as an operator runs it, for chaos that kills or starves processes: `bosun serve` and `bosun worker`
// processes started from the real CLI with only the environment given, on a Redis of the suite's own (no
// key-prefix setting: the `bosun` prefix of that Redis), with the GitHub stand-in as the App's GitHub and
// the test cluster as cluster `test`.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { serveListening, spawnBosun, standinAppEnv, workerRegistered, type BosunProcess } from '../bosun-process.ts';
import { startGitHubStandin, type Delivery, type GitHubStandin } from '../github-standin/index.ts';

export interface ChaosStack {
  gh: GitHubStandin;
  serve: BosunProcess;
  workers: BosunProcess[];
  /** Delivers a webhook to `bosun serve`, signed with its secret; rejects when nothing answered. */
  send(event: string, payload: unknown): Promise<Delivery>;
  /** Starts one more `bosun worker` and resolves once it takes jobs. */
  startWorker(name: string): Promise<BosunProcess>;
  close(): Promise<void>;
}

export interface ChaosStackOptions {
  work: string;
  redisUrl: string;
  /** The clusters file naming cluster `test` (writeTestClusterRegistry). */
  clustersFile: string;
  owner: string;
  name: string;
  gitDir: string;
  workers: number;
  /** More environment for every process (say, short job locks). */
  env?: Record<string, string>;
}

export async function startChaosStack(opts: ChaosStackOptions): Promise<ChaosStack> {
  const started: BosunProcess[] = [];
  const gh = await startGitHubStandin();
  const secret = `whsec-${randomUUID()}`;
  const common = {
    ...standinAppEnv(gh, secret),
    REDIS_URL: opts.redisUrl,
    BOSUN_CLUSTERS: opts.clustersFile,
    LOG_LEVEL: 'info',
    ...opts.env,
  };
  const dirs = async (name: string): Promise<Record<string, string>> => {
    const home = join(opts.work, name);
    await mkdir(join(home, 'tmp'), { recursive: true });
    return { HOME: home, BOSUN_DATA_DIR: join(home, 'data'), TMPDIR: join(home, 'tmp') };
  };
  const startWorker = async (name: string): Promise<BosunProcess> => {
    const w = spawnBosun(['worker'], { ...common, ...(await dirs(name)) }, { name });
    started.push(w);
    await workerRegistered(w, opts.redisUrl);
    return w;
  };
  try {
    await gh.addRepo({ owner: opts.owner, name: opts.name, gitDir: opts.gitDir, defaultBranch: 'main' });
    const serve = spawnBosun(['serve'], { ...common, ...(await dirs('serve')), PORT: '0', HOST: '127.0.0.1' }, { name: 'serve' });
    started.push(serve);
    const webhookUrl = (await serveListening(serve)).webhook;
    const workers: BosunProcess[] = [];
    for (let i = 1; i <= opts.workers; i++) workers.push(await startWorker(`worker-${i}`));
    return {
      gh,
      serve,
      workers,
      send: (event, payload) => gh.webhook(event, payload, { url: webhookUrl, secret, appId: gh.appId }),
      startWorker: async (name) => {
        const w = await startWorker(name);
        workers.push(w);
        return w;
      },
      async close() {
        await Promise.all(started.map((p) => p.stop()));
        await gh.close();
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.stop()));
    await gh.close();
    throw err;
  }
}
