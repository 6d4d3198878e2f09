import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { Limiter } from '../util/limit.ts';

export interface ToolRun {
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child: tools get nothing from ours that they do not need. */
  env: Record<string, string>;
  limiter?: Limiter;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type ToolResult =
  | { status: 'ok'; stdout: string; stderr: string }
  | { status: 'failed'; exitCode: number | null; stdout: string; stderr: string }
  | { status: 'timeout' | 'aborted' | 'too-large' | 'spawn-error'; stderr: string };

const defaultTimeoutMs = 120_000;
/** Rendered output beyond this is not a GitOps repo, it is a mistake (or an attack); stop reading. */
const maxOutputBytes = 256 * 1024 * 1024;

let sharedLimiter: Limiter | undefined;
/** One bound for every render in this process unless the caller brings its own. */
export function defaultLimiter(): Limiter {
  sharedLimiter ??= new Limiter(availableParallelism() * 2);
  return sharedLimiter;
}

let runs = 0;
/** How many tool processes this process has started (for tests and metrics). */
export function toolRunCount(): number {
  return runs;
}

/** Runs a child process under the limiter, with a timeout and abort; never throws. */
export function runTool(run: ToolRun): Promise<ToolResult> {
  return (run.limiter ?? defaultLimiter()).run(() => spawnOnce(run));
}

function spawnOnce(run: ToolRun): Promise<ToolResult> {
  return new Promise((resolve) => {
    if (run.signal?.aborted) {
      resolve({ status: 'aborted', stderr: '' });
      return;
    }
    runs++;
    const child = spawn(run.command, run.args, {
      cwd: run.cwd,
      env: run.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout also kills grandchildren (kustomize → helm).
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let stopped: 'timeout' | 'aborted' | 'too-large' | undefined;
    const stop = (why: 'timeout' | 'aborted' | 'too-large') => {
      stopped ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => stop('timeout'), run.timeoutMs ?? defaultTimeoutMs);
    const onAbort = () => stop('aborted');
    run.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxOutputBytes) stop('too-large');
      else out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 1024) err.push(chunk);
    });
    const done = () => {
      clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      done();
      resolve({ status: 'spawn-error', stderr: e.message });
    });
    child.on('close', (code) => {
      done();
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (stopped) resolve({ status: stopped, stderr });
      else if (code === 0) resolve({ status: 'ok', stdout, stderr });
      else resolve({ status: 'failed', exitCode: code, stdout, stderr });
    });
  });
}
