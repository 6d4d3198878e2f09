import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import { trackChild } from '../util/child-processes.ts';
import { Limiter } from '../util/limit.ts';
import { probeSandbox, sandboxRefusal } from './sandbox-probe.ts';
import { sandboxArgv, sandboxHome, sandboxPolicy, type SandboxLimits } from './sandbox.ts';
import { toolEnv } from './tool-env.ts';
import { DocumentSplitter } from './yaml-docs.ts';

export interface ToolRun {
  command: string;
  args: string[];
  cwd: string;
  /** The complete environment of the child: tools get nothing from ours that they do not need. */
  env: Record<string, string>;
  /**
   * What the run may read when it runs in the render sandbox (the default for repository content): the
   * paths bound read-only and the tool binaries it may execute. Without it the run is not sandboxed —
   * only for commands that never see repository content.
   */
  sandbox?: { readOnly: string[]; tools: string[] };
  limiter?: Limiter;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Stdout beyond this stops the run ('too-large'); default: the sandbox policy's outputBytes (64 MiB). */
  maxOutputBytes?: number;
  /**
   * Stdout read as YAML documents while the tool runs (#10 item 4): each document (splitDocuments'
   * text) goes to this function as soon as the marker after it arrives, and the result's stdout is then
   * only the first bytes, kept for a failure message. Returning false stops the tool (its process
   * group is killed) and the run ends 'stopped': the caller holds the reason (an object cap). A
   * document handed on before the tool fails is not taken back: the caller reads the status first.
   */
  onDocument?: (text: string) => boolean;
  /**
   * How stdout is cut into the texts onDocument gets: YAML documents at their `---` lines by default
   * (DocumentSplitter), or another cut of the stream (the values of jsonnet's JSON, json-values.ts).
   */
  splitter?: (emit: (text: string) => void) => TextSplitter;
}

/** Cuts a text stream into documents as it arrives: chunks in, each finished document out to its `emit`. */
export interface TextSplitter {
  push(chunk: string): void;
  /** The end of a stream that ended well: what is held goes out. */
  end(): void;
}

/** Which sandbox limit a run hit, told apart by how it ended. */
export type LimitHit = 'memory' | 'cpu' | 'processes' | 'file-size';

export type ToolResult =
  | { status: 'ok'; stdout: string; stderr: string }
  | { status: 'failed'; exitCode: number | null; stdout: string; stderr: string }
  | { status: 'limit'; limit: LimitHit; limits: SandboxLimits; stderr: string }
  | { status: 'too-large'; maxBytes: number; stderr: string }
  | { status: 'sandbox-unavailable'; stderr: string }
  /** onDocument asked to stop. */
  | { status: 'stopped'; stderr: string }
  | { status: 'timeout' | 'aborted' | 'spawn-error'; stderr: string };

const defaultTimeoutMs = 120_000;
/** Enough of a tool's stderr to explain a failure; a tool that writes more is cut, not buffered. */
const maxStderrBytes = 256 * 1024;

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

/** Runs a child process under the limiter (in the sandbox when asked), with a timeout and abort; never throws. */
export function runTool(run: ToolRun): Promise<ToolResult> {
  return (run.limiter ?? defaultLimiter()).run(() => start(run));
}

async function start(run: ToolRun): Promise<ToolResult> {
  const policy = sandboxPolicy();
  if (!run.sandbox || policy.mode === 'off') return spawnOnce(run, [run.command, ...run.args], run.env, undefined);
  const status = await probeSandbox();
  if (!status.ok) {
    return { status: 'sandbox-unavailable', stderr: sandboxRefusal(status, 'BOSUN_SANDBOX=off for the App, --no-sandbox for the CLI') };
  }
  // Inside, HOME and the helm folders live in the sandbox's private /tmp, not in the render's temp folder
  // (which is bound read-only).
  const env = { ...run.env, ...toolEnv(sandboxHome) };
  delete env.PATH;
  delete env.HOME;
  delete env.TMPDIR;
  const argv = sandboxArgv(run.command, run.args, { readOnly: run.sandbox.readOnly, tools: run.sandbox.tools, cwd: run.cwd, env }, policy.limits, status.host);
  return spawnOnce(run, argv, {}, policy.limits);
}

function spawnOnce(run: ToolRun, argv: string[], env: Record<string, string>, limits: SandboxLimits | undefined): Promise<ToolResult> {
  return new Promise((resolve) => {
    if (run.signal?.aborted) {
      resolve({ status: 'aborted', stderr: '' });
      return;
    }
    runs++;
    const maxBytes = run.maxOutputBytes ?? sandboxPolicy().outputBytes;
    const child = spawn(argv[0], argv.slice(1), {
      cwd: limits ? '/' : run.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a timeout also kills grandchildren (kustomize → helm); the sandbox
      // additionally dies with its parent (bwrap --die-with-parent), even when bosun is SIGKILLed.
      detached: true,
    });
    const untrack = trackChild(child.pid, { group: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let stopped: 'timeout' | 'aborted' | 'too-large' | 'stopped' | undefined;
    const stop = (why: 'timeout' | 'aborted' | 'too-large' | 'stopped') => {
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
    const onDocument = run.onDocument;
    // Streamed: documents leave as they arrive; only the first bytes stay, for a failure's message.
    const decoder = onDocument ? new StringDecoder('utf8') : undefined;
    const splitter = onDocument ? (run.splitter ?? ((emit) => new DocumentSplitter(emit)))((text) => {
      if (!stopped && !onDocument(text)) stop('stopped');
    }) : undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      const kept = outBytes;
      outBytes += chunk.length;
      // Stop reading at the cap instead of buffering: a template that repeats a string a million times
      // must cost this process at most the cap, not its heap.
      if (outBytes > maxBytes) {
        stop('too-large');
        return;
      }
      if (!splitter || !decoder) {
        out.push(chunk);
        return;
      }
      if (kept < maxStderrBytes) out.push(chunk.subarray(0, maxStderrBytes - kept));
      splitter.push(decoder.write(chunk));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (errBytes >= maxStderrBytes) return;
      errBytes += chunk.length;
      err.push(chunk);
    });
    const done = () => {
      clearTimeout(timer);
      untrack();
      run.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (e) => {
      done();
      resolve({ status: 'spawn-error', stderr: e.message });
    });
    child.on('close', (code, signal) => {
      done();
      const stderr = Buffer.concat(err).toString('utf8');
      if (!stopped && code === 0 && splitter && decoder) {
        splitter.push(decoder.end());
        splitter.end();
      }
      if (stopped === 'too-large') {
        resolve({ status: 'too-large', maxBytes, stderr });
        return;
      }
      if (stopped) {
        resolve({ status: stopped, stderr });
        return;
      }
      const stdout = Buffer.concat(out).toString('utf8');
      if (code === 0) {
        resolve({ status: 'ok', stdout, stderr });
        return;
      }
      const hit = limits ? limitHit(code, signal, stderr) : undefined;
      if (hit && limits) resolve({ status: 'limit', limit: hit, limits, stderr });
      else resolve({ status: 'failed', exitCode: code, stdout, stderr });
    });
  });
}

/**
 * How a sandboxed run that hit an rlimit ends: Go's runtime says "out of memory" when RLIMIT_AS refuses
 * an allocation and "failed to create new OS thread" / EAGAIN when RLIMIT_NPROC refuses a thread or a
 * fork; RLIMIT_FSIZE kills with SIGXFSZ (bwrap reports 128+25) and RLIMIT_CPU with SIGKILL (128+9) —
 * the only other SIGKILL is ours, for a timeout, which never gets here.
 */
export function limitHit(code: number | null, signal: NodeJS.Signals | null, stderr: string): LimitHit | undefined {
  if (/out of memory|memory exhausted|cannot allocate memory|failed to reserve page summary|cannot reserve arena/i.test(stderr)) return 'memory';
  if (/failed to create new OS thread|resource temporarily unavailable|Cannot fork|pthread_create failed/i.test(stderr)) return 'processes';
  if (code === 153 || signal === 'SIGXFSZ' || /File size limit exceeded|file too large/i.test(stderr)) return 'file-size';
  if (code === 137 || code === 152 || signal === 'SIGKILL' || signal === 'SIGXCPU') return 'cpu';
  return undefined;
}
