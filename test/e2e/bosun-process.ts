// bosun as separate processes, the way an operator runs it: `bosun worker` (and `bosun serve`) started
// from the real CLI, configured only through the environment, and killed like a real process.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { queueNames } from '../../src/jobs.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { waitFor } from '../../testkit/harness.ts';

export interface BosunProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** Everything the process logged so far (bosun logs JSON lines on stderr). */
  log(): string;
  /** Everything it wrote on stdout (Probot's own log lines, under `bosun serve`). */
  output(): string;
  /** The JSON log lines parsed, non-JSON lines skipped. */
  entries(): Array<Record<string, unknown>>;
}

/**
 * Starts `bosun <args>` from src/cli/main.ts under tsx with exactly `env` (plus PATH and HOME): no
 * variable leaks in from the machine running the tests.
 */
export function spawnBosun(args: string[], env: Record<string, string>, home: string): BosunProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/main.ts'), ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: home, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let stdout = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (process.env.BOSUN_E2E_LOG) process.stderr.write(chunk);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  return {
    child,
    pid: child.pid ?? 0,
    exited,
    log: () => text,
    output: () => stdout,
    entries: () => text.split('\n').flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    }),
  };
}

/**
 * Waits until `find` finds something in what the process logged (the URL it serves, say) and returns it;
 * fails with the end of its log when the process exits first or nothing turns up within `timeoutMs`.
 */
export async function logged<T>(proc: BosunProcess, what: string, find: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  let exited: number | NodeJS.Signals | null | undefined;
  void proc.exited.then((code) => {
    exited = code;
  });
  try {
    return await waitFor(what, () => {
      const found = find();
      if (found === undefined && exited !== undefined) throw new Error(`bosun exited (${String(exited)}) before ${what}`);
      return found;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}:\n${proc.log().slice(-3_000)}`, { cause: err });
  }
}

/**
 * Starts `bosun worker` and resolves once its BullMQ workers are registered in Redis for `queue` (what
 * an operator's `bosun worker` looks like from the outside when it is ready to take jobs).
 */
export async function startWorkerProcess(opts: { env: Record<string, string>; home: string; redisUrl: string; prefix?: string; timeoutMs?: number }): Promise<BosunProcess> {
  const worker = spawnBosun(['worker'], opts.env, opts.home);
  const queue = new Queue(queueNames.apply, { connection: { url: opts.redisUrl }, prefix: opts.prefix ?? 'bosun' });
  try {
    let exitedEarly: number | NodeJS.Signals | null | undefined;
    void worker.exited.then((code) => {
      exitedEarly = code;
    });
    // startWorkers names every BullMQ worker `bosun-<pid>-<random>`; BullMQ puts that name in its Redis client name.
    await waitFor(`bosun worker ${worker.pid} to register with Redis`, async () => {
      if (exitedEarly !== undefined) throw new Error(`bosun worker exited (${String(exitedEarly)}) before it was ready:\n${worker.log().slice(-3_000)}`);
      const clients = await queue.getWorkers();
      return clients.some((c) => (c.rawname ?? '').includes(`:w:bosun-${worker.pid}-`)) || undefined;
    }, opts.timeoutMs ?? 120_000);
    return worker;
  } catch (err) {
    worker.child.kill('SIGKILL');
    throw err;
  } finally {
    await queue.close();
  }
}
