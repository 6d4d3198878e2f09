// bosun as separate processes, the way an operator runs it: `bosun serve` and `bosun worker` started from
// the real CLI, configured only through the environment, and stopped or killed like a real process. The
// end-to-end suites, the chaos stack (testkit/chaos/stack.ts) and the soak (scripts/soak/stack.ts) all
// start bosun this way.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { queueNames } from '../src/jobs.ts';
import { projectRoot } from '../src/util/tools.ts';
import type { GitHubStandin } from './github-standin/index.ts';
import { waitFor } from './harness.ts';

export interface BosunProcess {
  /** What the caller called it ("serve", "worker-2"): in echoed log lines and errors. */
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** What the process logged (bosun logs JSON lines on stderr); the last `logTail` characters when bounded. */
  log(): string;
  /** What it wrote on stdout (Probot's own log lines under `bosun serve`), bounded the same way. */
  output(): string;
  /** The JSON log lines parsed, non-JSON lines skipped. */
  entries(): Array<Record<string, unknown>>;
  /** JSON log lines at level error (50) or above, counted over the whole life of the process. */
  errors(): number;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnBosunOptions {
  name?: string;
  /** HOME of the process, unless `env` names one. */
  home?: string;
  /** Keep only this many characters of each stream (a 30-minute soak must not grow without bound). */
  logTail?: number;
}

const live = new Set<ChildProcess>();

/** SIGTERM to every bosun process started here that still runs (an interrupted soak leaves none behind). */
export function terminateAll(): void {
  for (const child of live) child.kill('SIGTERM');
}

/**
 * Starts `bosun <args>` from src/cli/process-entry.ts under tsx with exactly `env` (plus PATH, and HOME when given):
 * no variable leaks in from the machine running it. BOSUN_E2E_LOG or BOSUN_SOAK_LOG echoes its log.
 */
export function spawnBosun(args: string[], env: Record<string, string>, opts: SpawnBosunOptions = {}): BosunProcess {
  const name = opts.name ?? args[0] ?? 'bosun';
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/process-entry.ts'), ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...(opts.home ? { HOME: opts.home } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = (text: string): string => (opts.logTail ? text.slice(-opts.logTail) : text);
  const echo = Boolean(process.env.BOSUN_E2E_LOG || process.env.BOSUN_SOAK_LOG);
  let text = '';
  let stdout = '';
  let partial = '';
  let errors = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    text = tail(text + s);
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (/"level":(5\d|6\d)\b/.test(line)) errors++;
    if (echo) process.stderr.write(opts.name ? `[${opts.name}] ${s}` : s);
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = tail(stdout + chunk.toString('utf8'));
  });
  live.add(child);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.once('exit', (code, signal) => {
    live.delete(child);
    resolve(code ?? signal);
  }));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name,
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
    errors: () => errors,
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

/**
 * Waits until `find` finds something in what the process logged (the URL it serves, say) and returns it;
 * fails with the end of its log when the process exits first or nothing turns up within `timeoutMs`.
 */
export async function logged<T>(proc: BosunProcess, what: string, find: () => T | undefined, timeoutMs = 120_000): Promise<T> {
  try {
    return await waitFor(what, () => {
      const found = find();
      if (found === undefined && !proc.running()) throw new Error(`${proc.name} exited (${String(proc.child.exitCode ?? proc.child.signalCode)}) before ${what}`);
      return found;
    }, timeoutMs);
  } catch (err) {
    throw new Error(`${(err as Error).message}:\n${proc.log().slice(-3_000)}`, { cause: err });
  }
}

/** `bosun serve`'s addresses, from its "listening" log line. */
export async function serveListening(proc: BosunProcess): Promise<{ url: string; webhook: string }> {
  return logged(proc, `${proc.name} to listen`, () => {
    const line = proc.entries().find((e) => e.msg === 'listening');
    return line ? { url: String(line.url), webhook: String(line.webhook) } : undefined;
  });
}

/**
 * Resolves once `proc` (a `bosun worker`, or `bosun serve --with-worker`) has registered its BullMQ workers
 * in Redis: what an operator's worker looks like from the outside when it is ready to take jobs.
 */
export async function workerRegistered(proc: BosunProcess, redisUrl: string, opts: { prefix?: string; timeoutMs?: number } = {}): Promise<void> {
  const queue = new Queue(queueNames.plan, { connection: { url: redisUrl }, prefix: opts.prefix ?? 'bosun' });
  try {
    // startWorkers names every BullMQ worker `bosun-<pid>-<random>`; BullMQ puts that name in its Redis client name.
    await waitFor(`${proc.name} (pid ${proc.pid}) to register with Redis`, async () => {
      if (!proc.running()) throw new Error(`${proc.name} exited (${String(proc.child.exitCode ?? proc.child.signalCode)}) before it was ready:\n${proc.log().slice(-3_000)}`);
      return (await queue.getWorkers()).some((c) => (c.rawname ?? '').includes(`:w:bosun-${proc.pid}-`)) || undefined;
    }, opts.timeoutMs ?? 120_000);
  } finally {
    await queue.close();
  }
}

/** Starts `bosun worker` and resolves once it takes jobs; killed when it never gets there. */
export async function startWorkerProcess(opts: { env: Record<string, string>; home: string; redisUrl: string; prefix?: string; name?: string; timeoutMs?: number }): Promise<BosunProcess> {
  const worker = spawnBosun(['worker'], opts.env, { home: opts.home, name: opts.name ?? 'worker' });
  try {
    await workerRegistered(worker, opts.redisUrl, opts);
    return worker;
  } catch (err) {
    worker.child.kill('SIGKILL');
    throw err;
  }
}

/** The App's settings for a bosun process whose GitHub is the stand-in, with `secret` as the webhook secret. */
export function standinAppEnv(gh: GitHubStandin, secret: string): Record<string, string> {
  return { APP_ID: String(gh.appId), PRIVATE_KEY: gh.privateKey, WEBHOOK_SECRET: secret, GHE_HOST: gh.gheHost, GHE_PROTOCOL: 'http' };
}
