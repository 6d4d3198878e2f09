import { spawn } from 'node:child_process';
import { BosunError } from '../model/errors.ts';
import { killGroup, trackChild } from '../util/child-processes.ts';
import { scrub } from '../util/scrub.ts';
import { gitBaseEnv } from './git-env.ts';

export interface GitOptions {
  cwd: string;
  /** Written to git's stdin. */
  input?: string;
  signal?: AbortSignal;
  /** Default 120 s; a hung git (credential prompt, stuck remote) must not hang a job. */
  timeoutMs?: number;
  /** Added to the environment git runs with. */
  env?: Record<string, string>;
}

const defaultTimeoutMs = 120_000;

/**
 * Runs the system `git` with an argument list (never a shell string) and returns stdout. Failures become
 * `BosunError` kind 'git' carrying git's scrubbed stderr, since it can echo remote URLs with tokens.
 */
export function git(args: string[], opts: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new BosunError({ kind: 'git', message: `git ${args[0] ?? ''} aborted` }));
      return;
    }
    const child = spawn('git', args, {
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      // Never prompt for credentials or open an editor: there is nobody to answer.
      env: { ...gitBaseEnv(), GIT_TERMINAL_PROMPT: '0', GIT_EDITOR: 'true', LC_ALL: 'C', ...opts.env },
      // Its own process group, registered for shutdown: a SIGTERM to bosun ends git and whatever git
      // started (upload-pack, a remote helper) instead of leaving them behind.
      detached: true,
    });
    const untrack = trackChild(child.pid, { group: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let failure: string | undefined;
    const kill = (why: string) => {
      failure ??= why;
      killGroup(child);
    };
    const timer = setTimeout(() => kill(`timed out after ${Math.round((opts.timeoutMs ?? defaultTimeoutMs) / 1000)} s`), opts.timeoutMs ?? defaultTimeoutMs);
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => {}); // git may exit before reading its input; the exit code tells the story
    child.stdin.end(opts.input ?? '');
    const finish = () => {
      untrack();
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      finish();
      reject(new BosunError({ kind: 'git', message: `cannot run git: ${e.message}; is git installed and on PATH?` }, { cause: e }));
    });
    child.on('close', (code) => {
      finish();
      if (failure) {
        reject(new BosunError({ kind: 'git', message: `git ${args[0] ?? ''} ${failure}` }));
      } else if (code !== 0) {
        const stderr = scrub(Buffer.concat(err).toString('utf8').trim());
        reject(new BosunError({ kind: 'git', message: `git ${args[0] ?? ''} failed (exit ${code}): ${stderr || 'no error output'}` }));
      } else {
        resolve(Buffer.concat(out).toString('utf8'));
      }
    });
  });
}
