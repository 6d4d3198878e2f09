// `bosun worker` and `bosun serve --with-worker` as an operator runs them, stopped while a pull request's
// plan is in the middle of a helm render. A SIGTERM (or Ctrl-C's SIGINT) stops new work and gives the
// running plan until the shutdown deadline (30 s), then aborts it; a second signal does not wait. Either
// way nothing may outlive the process: no helm or child of it (found in /proc by a marker only the test's
// helm carries), no checkout, no temporary folder.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario } from '../../testkit/scenario.ts';
import { bosunLeftovers, chartRepoFiles, processesMarked, writeSlowHelm, type SlowHelm } from '../support/slow-render.ts';
import { serveListening, spawnBosun, startWorkerProcess, type BosunProcess } from '../../testkit/bosun-process.ts';

const owner = 'acme';
const name = 'charts';
/** `bosun worker` has no key-prefix setting: its own Redis database keeps it from other suites' jobs. */
const redisUrl = (() => {
  const url = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/14';
  return url.toString();
})();

describe('bosun worker stopped by signals mid-render', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let helm: SlowHelm;
  let head: string;
  const workers: BosunProcess[] = [];
  const s = scenario(owner, name, () => h);

  /** A `bosun worker` with folders of its own for temporary files, checkouts and data, to look for leftovers in. */
  const startWorker = async (label: string, how: 'worker' | 'serve --with-worker' = 'worker'): Promise<{ worker: BosunProcess; dirs: { tmp: string; checkouts: string; data: string } }> => {
    const dirs = { tmp: join(work, label, 'tmp'), checkouts: join(work, label, 'checkouts'), data: join(work, label, 'data') };
    for (const dir of Object.values(dirs)) await mkdir(dir, { recursive: true });
    const env = { ...h.workerEnv, LOG_LEVEL: 'info', BOSUN_HELM: helm.path, BOSUN_SANDBOX: 'off', BOSUN_DATA_DIR: dirs.data, TMPDIR: dirs.tmp, BOSUN_WORK_DIR: dirs.checkouts };
    let worker: BosunProcess;
    if (how === 'worker') {
      worker = await startWorkerProcess({ env, home: work, redisUrl });
    } else {
      // Its own webhook server listens too (on a free port); the harness's server queues the plans.
      worker = spawnBosun(['serve', '--with-worker'], { ...env, PORT: '0', HOST: '127.0.0.1' }, { home: work, name: 'serve' });
      await serveListening(worker);
    }
    workers.push(worker);
    return { worker, dirs };
  };

  /** Opens pull request `number` (version-2 into main) and waits until its plan runs helm under `worker`. */
  const planRendering = async (number: number, worker: BosunProcess): Promise<void> => {
    await h.gh.addPullRequest({ owner, repo: name, number, head: { ref: 'version-2', sha: head }, base: { ref: 'main' }, user: 'alice' });
    await s.pullRequestEvent(number, 'opened');
    await waitFor(`the plan of #${number} to be rendering with helm`, async () => {
      if (worker.child.exitCode !== null) throw new Error(`bosun worker exited:\n${worker.log().slice(-3_000)}`);
      return (await helmsRunning()) > 0;
    }, 120_000);
  };
  const helmsRunning = async (): Promise<number> => (await processesMarked(helm.mark)).filter((p) => p.cmdline.startsWith('sleep')).length;

  /** Nothing of the worker's left: no process with the test helm's marker, no checkout, no temporary folder. */
  const expectNothingLeft = async (dirs: { tmp: string; checkouts: string; data: string }): Promise<void> => {
    const orphans = await waitFor('helm and its sleep to be gone', async () => {
      const left = await processesMarked(helm.mark);
      return left.length === 0 ? left : undefined;
    }, 10_000).catch(async () => processesMarked(helm.mark));
    expect(orphans).toEqual([]);
    expect(await bosunLeftovers(dirs.checkouts)).toEqual([]);
    expect(await bosunLeftovers(dirs.tmp)).toEqual([]);
    expect(await bosunLeftovers(join(dirs.data, 'git', 'worktrees'))).toEqual([]);
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-signals-'));
    repo = await makeGitRepo(join(work, 'repo'));
    for (const [path, content] of Object.entries(chartRepoFiles('1'))) await repo.write(path, content);
    await repo.commit('chart');
    await repo.git('checkout', '--quiet', '-b', 'version-2');
    await repo.write('clusters/staging/values.yaml', 'version: "2"\n');
    head = await repo.commit('version 2');
    await repo.checkout('main');
    helm = await writeSlowHelm(work);

    // The webhook server only queues; the workers are child processes.
    h = await startHarness({ workers: false, redisUrl, prefix: 'bosun' });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
  }, 180_000);

  afterAll(async () => {
    for (const w of workers) {
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
      await w.exited;
    }
    if (helm) for (const p of await processesMarked(helm.mark)) process.kill(p.pid, 'SIGKILL');
    await h?.close();
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('SIGTERM: the running plan keeps its helm until the shutdown deadline, then the worker exits 0 and leaves no process or folder behind', async () => {
    const { worker, dirs } = await startWorker('graceful');
    await planRendering(1, worker);
    expect(await bosunLeftovers(dirs.checkouts)).not.toEqual([]);

    worker.child.kill('SIGTERM');
    await waitFor('the worker to start shutting down', () => worker.entries().some((e) => String(e.msg).startsWith('shutting down')));
    // Graceful: the first signal does not cut the running plan short.
    expect(worker.child.exitCode).toBeNull();
    expect(await helmsRunning()).toBeGreaterThan(0);

    expect(await worker.exited).toBe(0);
    const messages = worker.entries().map((e) => String(e.msg));
    expect(messages.findIndex((m) => m.startsWith('shutdown deadline passed'))).toBeGreaterThan(messages.findIndex((m) => m.startsWith('shutting down')));
    await expectNothingLeft(dirs);
  }, 180_000);

  it('a second SIGTERM exits at once, and still leaves no process or folder behind', async () => {
    const { worker, dirs } = await startWorker('impatient');
    await planRendering(2, worker);

    worker.child.kill('SIGTERM');
    await waitFor('the worker to start shutting down', () => worker.entries().some((e) => String(e.msg).startsWith('shutting down')));
    expect(await helmsRunning()).toBeGreaterThan(0);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(1);
    expect(worker.entries().some((e) => String(e.msg).startsWith('second signal'))).toBe(true);
    await expectNothingLeft(dirs);
  }, 180_000);

  it('SIGINT (Ctrl-C) twice: the first starts the same graceful shutdown, the second exits at once, and nothing is left', async () => {
    const { worker, dirs } = await startWorker('ctrl-c');
    await planRendering(3, worker);

    worker.child.kill('SIGINT');
    await waitFor('the worker to start shutting down', () => worker.entries().some((e) => String(e.msg).startsWith('shutting down') && e.signal === 'SIGINT'));
    expect(await helmsRunning()).toBeGreaterThan(0);
    worker.child.kill('SIGINT');
    expect(await worker.exited).toBe(1);
    await expectNothingLeft(dirs);
  }, 180_000);

  it('bosun serve --with-worker, stopped mid-render by SIGTERM, exits 0 after the deadline and leaves no process or folder behind', async () => {
    const { worker: serve, dirs } = await startWorker('serve', 'serve --with-worker');
    await planRendering(4, serve);
    expect(await bosunLeftovers(dirs.checkouts)).not.toEqual([]);

    serve.child.kill('SIGTERM');
    await waitFor('bosun serve to start shutting down', () => serve.entries().some((e) => String(e.msg).startsWith('shutting down')));
    expect(serve.child.exitCode).toBeNull();
    expect(await serve.exited).toBe(0);
    await expectNothingLeft(dirs);
  }, 180_000);
});
