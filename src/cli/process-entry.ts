/**
 * `bosun` as a process of its own (bin/bosun.mjs, `npm run bosun`): what `main` does in-process, plus
 * what only the owner of the whole process may do — take a temporary folder of its own, clear what
 * crashed predecessors left, and turn SIGTERM / SIGINT into an orderly end of every child process group
 * and every temporary folder. Tests run `main` in-process, without any of this.
 */
import { rm } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { removeAbandonedCheckouts } from '../git/worktree.ts';
import { defaultWorkRoot } from '../git/work-root.ts';
import { onShutdown, shutdownChildren } from '../util/child-processes.ts';
import { makeOwnedDir, releaseOwnedDir, removeAbandonedDirs } from '../util/owned-dirs.ts';
import { main } from './main.ts';

/** Prefix of the process's own temporary folder (`bosun-tmp-<host>-<pid>-XXXXXX`). */
export const processTempPrefix = 'bosun-tmp-';

/** Commands that run until told to stop and shut down gracefully on their own (serve.ts). */
const longRunning = new Set(['serve', 'worker']);
const stopSignals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

export async function runProcess(argv: string[]): Promise<number> {
  await clearLeftovers();
  await takeTempDir();
  if (!longRunning.has(argv[0] ?? '')) stopOnSignals();
  try {
    return await main(argv);
  } finally {
    // Normally nothing is left by now; a command that failed half-way may have left a child or a folder.
    await shutdownChildren();
  }
}

/**
 * Checkouts and temporary folders of bosun processes on this host that are gone (killed, crashed):
 * their names say whose they were (util/owned-dirs.ts). Computed before TMPDIR is redirected below.
 */
async function clearLeftovers(): Promise<void> {
  await Promise.all([
    removeAbandonedCheckouts(defaultWorkRoot()),
    removeAbandonedDirs(tmpdir(), processTempPrefix),
  ]).catch(() => undefined);
}

/**
 * Points TMPDIR at a folder of this process's own, removed at exit, so that every temporary folder made
 * through os.tmpdir() — a render's kustomize overlay or helm values, and whatever the tools write — goes
 * with the process even when it is stopped in the middle of a render.
 */
async function takeTempDir(): Promise<void> {
  let dir: string;
  try {
    dir = await makeOwnedDir(tmpdir(), processTempPrefix);
  } catch {
    return; // an unwritable temp folder fails the command that needs it, with its own message
  }
  process.env.TMPDIR = dir;
  onShutdown(async () => {
    await rm(dir, { recursive: true, force: true });
    releaseOwnedDir(dir);
  });
}

/**
 * A one-shot command (plan, validate, render, apply, sync) stopped by a signal ends its children's
 * process groups (a helm in the middle of a template, a git fetch), removes its checkouts and temporary
 * folders, and exits 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as shells expect. A
 * second signal while that runs exits at once.
 */
function stopOnSignals(): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    const code = 128 + constants.signals[signal];
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write(`bosun: ${signal}: stopping child processes and removing temporary folders\n`);
    void shutdownChildren().finally(() => process.exit(code));
  };
  for (const signal of stopSignals) process.on(signal, onSignal);
}

// Run from the sources (`npm run bosun`, testkit/bosun-process.ts); the installed CLI is bin/bosun.mjs.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runProcess(process.argv.slice(2));
}
