// What the soak runs against: real Redis (a database of its own: `bosun serve` and `bosun worker` have no
// key-prefix setting), the GitHub stand-in serving the soak repository over git, `bosun serve` and two
// `bosun worker` processes configured only through the environment, each worker with its own data, work
// and temp folders so what it leaves behind can be counted.
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startGitHubStandin, type Delivery, type GitHubStandin } from '../../testkit/github-standin/index.ts';
import { dropPrefix } from '../../testkit/redis.ts';
import { serveListening, spawnBosun, standinAppEnv, workerRegistered, type BosunProcess } from '../../testkit/bosun-process.ts';

export const owner = 'acme';
export const repoName = 'soak';
export const maintainer = 'maintainer';
/** Log kept per process: the last this many characters (a 30-minute run must not grow without bound). */
const logTail = 256 * 1024;

export interface SoakProcess {
  proc: BosunProcess;
  /** Folders whose entries count as checkouts left behind. */
  worktreeDirs: string[];
  tempDir: string;
}

export interface SoakStack {
  gh: GitHubStandin;
  redisUrl: string;
  serve: SoakProcess;
  workers: SoakProcess[];
  send(event: string, payload: unknown): Promise<Delivery>;
  close(): Promise<void>;
}

export interface StackOptions {
  work: string;
  /** Redis of the soak, with a database number of its own (its `bosun:` keys are dropped first and last). */
  redisUrl: string;
  kubeconfig: string;
  gitDir: string;
  workers: number;
  log(line: string): void;
}

async function processDirs(work: string, name: string): Promise<{ env: Record<string, string>; worktreeDirs: string[]; tempDir: string }> {
  const data = join(work, name, 'data');
  const scratch = join(work, name, 'work');
  const tempDir = join(work, name, 'tmp');
  await Promise.all([data, scratch, tempDir].map((d) => mkdir(d, { recursive: true })));
  return {
    env: { BOSUN_DATA_DIR: data, BOSUN_WORK_DIR: scratch, TMPDIR: tempDir, HOME: join(work, name) },
    worktreeDirs: [join(data, 'git', 'worktrees'), scratch],
    tempDir,
  };
}

export async function startSoakStack(opts: StackOptions): Promise<SoakStack> {
  const started: SoakProcess[] = [];
  const redis = new Redis(opts.redisUrl);
  await dropPrefix(redis, 'bosun');
  redis.disconnect();
  const gh = await startGitHubStandin();
  try {
    await gh.addRepo({ owner, name: repoName, gitDir: opts.gitDir, defaultBranch: 'main' });
    gh.setPermission(owner, repoName, maintainer, 'write');
    const clustersFile = join(opts.work, 'clusters.yaml');
    await writeFile(clustersFile, `clusters:\n  test:\n    kubeconfig: ${opts.kubeconfig}\n`);
    const secret = `whsec-${randomUUID()}`;
    const common = {
      ...standinAppEnv(gh, secret),
      REDIS_URL: opts.redisUrl,
      BOSUN_CLUSTERS: clustersFile,
    };

    const serveDirs = await processDirs(opts.work, 'serve');
    const serve = { proc: spawnBosun(['serve'], { ...common, ...serveDirs.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }, { name: 'serve', logTail }), worktreeDirs: serveDirs.worktreeDirs, tempDir: serveDirs.tempDir };
    started.push(serve);
    const { url } = await serveListening(serve.proc);
    opts.log(`bosun serve (pid ${serve.proc.pid}) at ${url}`);

    const workers: SoakProcess[] = [];
    for (let i = 1; i <= opts.workers; i++) {
      const dirs = await processDirs(opts.work, `worker-${i}`);
      const w = { proc: spawnBosun(['worker'], { ...common, ...dirs.env, LOG_LEVEL: 'warn' }, { name: `worker-${i}`, logTail }), worktreeDirs: dirs.worktreeDirs, tempDir: dirs.tempDir };
      started.push(w);
      workers.push(w);
    }
    await Promise.all(workers.map((w) => workerRegistered(w.proc, opts.redisUrl)));
    opts.log(`bosun worker ×${workers.length} ready (pids ${workers.map((w) => w.proc.pid).join(', ')})`);

    const webhookUrl = `${url}/api/github/webhooks`;
    return {
      gh,
      redisUrl: opts.redisUrl,
      serve,
      workers,
      send: (event, payload) => gh.webhook(event, payload, { url: webhookUrl, secret, appId: gh.appId }),
      async close() {
        await Promise.all(started.map((p) => p.proc.stop()));
        await gh.close();
        const r = new Redis(opts.redisUrl);
        await dropPrefix(r, 'bosun');
        r.disconnect();
      },
    };
  } catch (err) {
    await Promise.all(started.map((p) => p.proc.stop()));
    await gh.close();
    throw err;
  }
}
