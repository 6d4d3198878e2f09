import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * True while `pid` is a running process. A zombie counts as gone: our detached servers may be reparented
 * to an init that reaps late, and a zombie holds no port, file or memory.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The command line of `pid` as its arguments, or undefined when it is gone. */
export function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a.length > 0);
  } catch {
    return undefined;
  }
}

/** The working folder of `pid` (servers inherit the one `npm run testenv` ran in), or undefined. */
export function workingDir(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

/**
 * Starts a server in its own session (so its process group is its pid and it survives the parent when
 * asked to), with stdout and stderr going to `logFile`.
 */
export function spawnServer(command: string, args: readonly string[], logFile: string, env: NodeJS.ProcessEnv = process.env): number {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], env });
    // Reap it when it exits while we live; a failed spawn shows up as a dead pid in the readiness wait.
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stops the process group led by `pid`: SIGTERM, then SIGKILL after `graceMs`, and waits until every
 * member is gone. Only call it for groups we started (spawnServer makes pid == pgid).
 */
export async function stopGroup(pid: number, graceMs = 5_000): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  if (!groupAlive(pid)) return;
  signalGroup('SIGKILL');
  const killDeadline = Date.now() + 10_000;
  while (groupAlive(pid) && Date.now() < killDeadline) await sleep(50);
  if (groupAlive(pid)) throw new Error(`process group ${pid} did not exit after SIGKILL`);
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  // kill(-pgid, 0) succeeds for zombies too; the leader is what we wait for.
  return isAlive(pgid);
}
