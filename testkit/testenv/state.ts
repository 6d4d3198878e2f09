import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, legacyStateFile, runDir, type ClusterSlot } from './paths.ts';
import { workingDir } from './processes.ts';
import { ownedBy, type ClusterProcesses } from './stop.ts';

/** What `testenv up` started, so `down` can stop exactly that. */
export interface RunState {
  dir: string;
  kubeconfigPath: string;
  limitedKubeconfigPath: string;
  server: string;
  pids: ClusterProcesses;
  startedAt: string;
  /** The real path of the checkout that started it (absent in records of older testenv versions). */
  checkout?: string;
  /** The explicit name it was started under, if any. */
  name?: string;
}

/** A recorded cluster and the file that records it. */
export interface FoundState {
  state: RunState;
  file: string;
  /** Found in the pre-slot `<cache>/run/state.json`; the state belongs to the checkout its servers run in. */
  legacy: boolean;
}

export function statePath(run: string): string {
  return join(run, 'state.json');
}

function readStateFile(path: string): RunState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunState>;
    return typeof parsed.dir === 'string' && parsed.pids && typeof parsed.pids === 'object' ? (parsed as RunState) : undefined;
  } catch {
    return undefined;
  }
}

export function readState(run: string): RunState | undefined {
  return readStateFile(statePath(run));
}

export function writeState(run: string, state: RunState): void {
  mkdirSync(run, { recursive: true });
  writeFileSync(statePath(run), JSON.stringify(state, null, 2) + '\n');
}

/** Removes the record `found` came from (the slot's file, or the pre-slot one). */
export function clearState(found: FoundState): void {
  rmSync(found.file, { force: true });
}

/** True while every server of the recorded cluster runs (and is still ours). */
export function clusterRunning(state: RunState): boolean {
  return [state.pids.etcd, state.pids.apiserver, state.pids.controllerManager].every((pid) => pid !== undefined && ownedBy(pid, state.dir));
}

/**
 * The checkout a pre-slot record belongs to: `npm run testenv` runs in the package root and its servers
 * keep that working folder. Undefined when none of its servers runs any more.
 */
export function legacyOwner(state: RunState): string | undefined {
  for (const pid of [state.pids.etcd, state.pids.apiserver, state.pids.controllerManager]) {
    if (pid === undefined || !ownedBy(pid, state.dir)) continue;
    const cwd = workingDir(pid);
    if (!cwd) continue;
    try {
      return realpathSync(cwd);
    } catch {
      return cwd;
    }
  }
  return undefined;
}

/**
 * The cluster recorded for `slot`: its own state file, else (for a checkout slot) a pre-slot record whose
 * servers run in this checkout. Another slot's cluster is never returned.
 */
export function findState(slot: ClusterSlot, root = cacheRoot()): FoundState | undefined {
  const file = statePath(runDir(slot, root));
  const own = readStateFile(file);
  if (own) return { state: own, file, legacy: false };
  if (slot.name) return undefined;
  const legacyFile = legacyStateFile(root);
  const legacy = readStateFile(legacyFile);
  if (legacy && legacyOwner(legacy) === slot.checkout) return { state: legacy, file: legacyFile, legacy: true };
  return undefined;
}

/** A pre-slot record none of whose servers runs any more: nobody owns it, anyone may clean it up. */
export function staleLegacyState(root = cacheRoot()): FoundState | undefined {
  const file = legacyStateFile(root);
  const state = readStateFile(file);
  if (!state) return undefined;
  const alive = [state.pids.etcd, state.pids.apiserver, state.pids.controllerManager].some((pid) => pid !== undefined && ownedBy(pid, state.dir));
  return alive ? undefined : { state, file, legacy: true };
}

/** Every recorded cluster on this machine (all slots, and a pre-slot record), for `testenv list`. */
export function allStates(root = cacheRoot()): FoundState[] {
  const runRoot = join(root, 'run');
  const found: FoundState[] = [];
  const legacy = readStateFile(legacyStateFile(root));
  if (legacy) found.push({ state: legacy, file: legacyStateFile(root), legacy: true });
  if (!existsSync(runRoot)) return found;
  for (const entry of readdirSync(runRoot, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = statePath(join(runRoot, entry.name));
    const state = readStateFile(file);
    if (state) found.push({ state, file, legacy: false });
  }
  return found;
}

/** The running cluster `testenv up` started for `slot`, if any: what the test run's global setup uses. */
export function runningClusterFor(slot: ClusterSlot, root = cacheRoot()): RunState | undefined {
  const found = findState(slot, root);
  return found && clusterRunning(found.state) && existsSync(found.state.kubeconfigPath) ? found.state : undefined;
}
