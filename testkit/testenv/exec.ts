import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { BosunError } from '../../src/model/errors.ts';

export type Log = (line: string) => void;

const TAIL_BYTES = 16_384;

/** The last `lines` lines of `text`, for error messages that must fit on a screen. */
export function tailLines(text: string, lines = 30): string {
  const all = text.replace(/\s+$/, '').split('\n');
  return all.slice(-lines).join('\n');
}

export function elapsedSeconds(since: number): number {
  return Math.round((Date.now() - since) / 1000);
}

export interface StepOptions {
  /** Human name of the step, used in progress lines and in the error when it fails. */
  phase: string;
  log: Log;
  /** Full output of the step is appended here; the error quotes only its tail. */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How often to say the step is still running; long Go builds are silent for minutes. */
  heartbeatMs?: number;
}

/**
 * Runs one build step to completion. Progress goes to `log` (start, periodic "still building", done with
 * elapsed time); failure throws a BosunError naming the step, the command, its exit and its output tail.
 */
export function runStep(command: string, args: readonly string[], opts: StepOptions): Promise<void> {
  const started = Date.now();
  opts.log(`[testenv] ${opts.phase}…`);
  const file = createWriteStream(opts.logFile, { flags: 'a' });
  file.write(`\n$ ${command} ${args.join(' ')}\n`);
  let tail = '';
  const keep = (chunk: Buffer): void => {
    file.write(chunk);
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const heartbeat = setInterval(
      () => opts.log(`[testenv] still building: ${opts.phase} (${elapsedSeconds(started)} s)`),
      opts.heartbeatMs ?? 30_000,
    );
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let finished = false;
    const finish = (error: BosunError | undefined): void => {
      if (finished) return;
      finished = true;
      clearInterval(heartbeat);
      file.end(() => (error ? reject(error) : resolve()));
    };
    child.on('error', (err) => {
      finish(
        new BosunError({
          kind: 'internal',
          message: `testenv: step "${opts.phase}" could not start \`${command}\`: ${err.message}. Is it installed and on PATH?`,
        }),
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        opts.log(`[testenv] ${opts.phase}: done in ${elapsedSeconds(started)} s`);
        finish(undefined);
        return;
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      finish(
        new BosunError({
          kind: 'internal',
          message:
            `testenv: step "${opts.phase}" failed: \`${command} ${args.join(' ')}\` ${how} after ` +
            `${elapsedSeconds(started)} s. Last output:\n${tailLines(tail)}\n(full log: ${opts.logFile})`,
        }),
      );
    });
  });
}

export interface Captured {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a short command and returns its output; never throws for a non-zero exit or a missing binary. */
export function capture(command: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const settle = (result: Captured): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('error', (err) => settle({ code: null, stdout, stderr: stderr + err.message }));
    child.on('close', (code) => settle({ code, stdout, stderr }));
  });
}
