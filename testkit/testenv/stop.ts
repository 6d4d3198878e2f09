import { rmSync } from 'node:fs';
import { commandLine, isAlive, stopGroup } from './processes.ts';

/** The processes one test cluster consists of; each is the leader of its own process group. */
export interface ClusterProcesses {
  etcd?: number;
  apiserver?: number;
  controllerManager?: number;
  /** Stops the cluster if the process that started it dies without calling stop(). */
  watchdog?: number;
}

/** Stop order: the watchdog, then clients before the servers they talk to. */
const ORDER: ReadonlyArray<keyof ClusterProcesses> = ['watchdog', 'controllerManager', 'apiserver', 'etcd'];

/**
 * True when `pid` is alive and still one of ours: every process of a cluster carries the cluster's
 * folder in its arguments, so a pid recycled by an unrelated process is never signalled.
 */
export function ownedBy(pid: number, dir: string): boolean {
  return isAlive(pid) && (commandLine(pid) ?? []).some((arg) => arg.includes(dir));
}

/**
 * Stops exactly the given processes (SIGTERM to each group, SIGKILL after a grace period, waiting for
 * exit) and removes the cluster folder. Returns the pids it found alive but not ours, and left alone.
 */
export async function stopCluster(pids: ClusterProcesses, dir: string): Promise<number[]> {
  const foreign: number[] = [];
  for (const name of ORDER) {
    const pid = pids[name];
    if (pid === undefined || !isAlive(pid)) continue;
    if (!ownedBy(pid, dir)) {
      foreign.push(pid);
      continue;
    }
    await stopGroup(pid);
  }
  rmSync(dir, { recursive: true, force: true });
  return foreign;
}
