// bosun as an operator runs it, for chaos that kills or starves processes: `bosun serve` and `bosun worker`
// processes started from the real CLI with only the environment given, on a Redis of the suite's own (no
// key-prefix setting: the `bosun` prefix of that Redis), with the GitHub stand-in as the App's GitHub and
// the test cluster as cluster `test`.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { queueNames } from '../../src/jobs.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { startGitHubStandin, type Delivery, type GitHubStandin } from '../github-standin/index.ts';
import { waitFor } from '../harness.ts';

export interface ChaosProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Everything it logged (bosun logs JSON lines on stderr). */
  log(): string;
  /** Its JSON log lines, as objects. */
  entries(): Array<Record<string, unknown>>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnBosun(name: string, args: string[], env: Record<string, string>): ChaosProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/main.ts'), ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (process.env.BOSUN_E2E_LOG) process.stderr.write(`[${name}] ${chunk.toString('utf8')}`);
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    pid: child.pid ?? 0,
    exited,
    log: () => text,
    entries: () => text.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    }),
    running,
    async stop(graceMs = 15_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface ChaosStack {
  gh: GitHubStandin;
  serve: ChaosProcess;
  workers: ChaosProcess[];
  /** Delivers a webhook to `bosun serve`, signed with its secret; rejects when nothing answered. */
  send(event: string, payload: unknown): Promise<Delivery>;
  /** Starts one more `bosun worker` and resolves once it takes jobs. */
  startWorker(name: string): Promise<ChaosProcess>;
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
  const started: ChaosProcess[] = [];
  const gh = await startGitHubStandin();
  const secret = `whsec-${randomUUID()}`;
  const common = {
    APP_ID: String(gh.appId),
    PRIVATE_KEY: gh.privateKey,
    WEBHOOK_SECRET: secret,
    GHE_HOST: gh.gheHost,
    GHE_PROTOCOL: 'http',
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
  const startWorker = async (name: string): Promise<ChaosProcess> => {
    const w = spawnBosun(name, ['worker'], { ...common, ...(await dirs(name)) });
    started.push(w);
    const queue = new Queue(queueNames.plan, { connection: { url: opts.redisUrl }, prefix: 'bosun' });
    try {
      // startWorkers names every BullMQ worker `bosun-<pid>-<random>`, which BullMQ puts in its client name.
      await waitFor(`${name} (pid ${w.pid}) to register with Redis`, async () => {
        if (!w.running()) throw new Error(`${name} exited before it was ready:\n${w.log().slice(-3_000)}`);
        return (await queue.getWorkers()).some((c) => (c.rawname ?? '').includes(`:w:bosun-${w.pid}-`)) || undefined;
      }, 120_000);
    } finally {
      await queue.close();
    }
    return w;
  };
  try {
    await gh.addRepo({ owner: opts.owner, name: opts.name, gitDir: opts.gitDir, defaultBranch: 'main' });
    const serve = spawnBosun('serve', ['serve'], { ...common, ...(await dirs('serve')), PORT: '0', HOST: '127.0.0.1' });
    started.push(serve);
    const webhookUrl = await waitFor('bosun serve to listen', () => {
      if (!serve.running()) throw new Error(`bosun serve exited:\n${serve.log().slice(-3_000)}`);
      return serve.entries().find((e) => e.msg === 'listening')?.webhook as string | undefined;
    }, 120_000);
    const workers: ChaosProcess[] = [];
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
