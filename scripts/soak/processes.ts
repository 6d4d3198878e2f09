// bosun's processes as an operator runs them (`bosun serve`, `bosun worker`), started from the real CLI
// with only the environment given, and what the soak reads about them from /proc: resident memory, open
// file descriptors and the processes they started.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { projectRoot } from '../../src/util/tools.ts';

/** Log kept per process: the last this many characters (a 30-minute run must not grow without bound). */
const LOG_TAIL = 256 * 1024;

export interface BosunProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  /** The tail of what the process logged (bosun logs JSON lines on stderr). */
  log(): string;
  /** JSON log lines at level error (50) or above seen so far, counted over the whole run. */
  errors(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

/** SIGTERM to every bosun process started here that still runs (an interrupted soak leaves none behind). */
export function terminateAll(): void {
  for (const child of live) child.kill('SIGTERM');
}

export function spawnBosun(name: string, args: string[], env: Record<string, string>): BosunProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/main.ts'), ...args], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let text = '';
  let partial = '';
  let errors = 0;
  child.stderr?.on('data', (chunk: Buffer) => {
    const s = chunk.toString('utf8');
    text = (text + s).slice(-LOG_TAIL);
    const lines = (partial + s).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (/"level":(5\d|6\d)\b/.test(line)) errors++;
    if (process.env.BOSUN_SOAK_LOG) process.stderr.write(chunk);
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
    errors: () => errors,
    async stop(graceMs = 15_000) {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => running() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of `pid` in bytes (VmRSS), or undefined when the process is gone. */
export async function rssBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}

/** Open file descriptors of `pid` (entries of /proc/<pid>/fd). */
export async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])).length;
}

/** Every live process below `pid` (children, grandchildren…), as `pid command` lines. */
export async function descendants(pid: number): Promise<string[]> {
  const parents = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
    const close = stat.lastIndexOf(')');
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: string[] = [];
  const walk = (p: number): void => {
    for (const c of parents.get(p) ?? []) {
      found.push(`${c} ${names.get(c) ?? '?'}`);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/** Entries directly inside `dir` (0 when it does not exist). */
export async function entriesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}
