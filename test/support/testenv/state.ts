import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterProcesses } from './stop.ts';

/** What `testenv up` started, so `down` can stop exactly that. */
export interface RunState {
  dir: string;
  kubeconfigPath: string;
  limitedKubeconfigPath: string;
  server: string;
  pids: ClusterProcesses;
  startedAt: string;
}

export function statePath(run: string): string {
  return join(run, 'state.json');
}

export function readState(run: string): RunState | undefined {
  const path = statePath(run);
  if (!existsSync(path)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<RunState>;
    return typeof parsed.dir === 'string' && parsed.pids && typeof parsed.pids === 'object' ? (parsed as RunState) : undefined;
  } catch {
    return undefined;
  }
}

export function writeState(run: string, state: RunState): void {
  mkdirSync(run, { recursive: true });
  writeFileSync(statePath(run), JSON.stringify(state, null, 2) + '\n');
}

export function clearState(run: string): void {
  rmSync(statePath(run), { force: true });
}
