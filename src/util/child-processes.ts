/**
 * Every child process bosun starts (git, kubectl, helm, the render sandbox) is registered here while it
 * runs, so that a shutdown (SIGTERM / SIGINT to `bosun serve`, `worker` or `plan`) can end all of them —
 * whole process groups where the child leads one — instead of leaving a helm or a kustomize running
 * after bosun is gone. Cleanups (temporary worktrees, render folders) register the same way.
 */

interface Tracked {
  pid: number;
  /** The child was spawned `detached` and leads its own process group: signal the group. */
  group: boolean;
}

const children = new Map<number, Tracked>();
const cleanups = new Set<() => Promise<void> | void>();

/** Registers a running child; call the returned function when it has exited. */
export function trackChild(pid: number | undefined, opts: { group: boolean }): () => void {
  if (pid === undefined) return () => undefined;
  children.set(pid, { pid, group: opts.group });
  return () => {
    children.delete(pid);
  };
}

/** How many registered children are running now (for tests and the shutdown log). */
export function runningChildren(): number {
  return children.size;
}

/** Sends `signal` to every registered child (its whole group when it leads one). Never throws. */
export function signalChildren(signal: NodeJS.Signals = 'SIGKILL'): number {
  let sent = 0;
  for (const child of children.values()) {
    try {
      process.kill(child.group ? -child.pid : child.pid, signal);
      sent++;
    } catch {
      // already gone
    }
  }
  return sent;
}

/**
 * SIGKILLs a child spawned `detached` together with everything it started (its process group), or the
 * child alone when it leads no group. Never throws.
 */
export function killGroup(child: { pid?: number; kill(signal: NodeJS.Signals): boolean }): void {
  try {
    if (child.pid === undefined) throw new Error('no pid');
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/** Registers work to run at shutdown (remove a temporary folder); the returned function unregisters it. */
export function onShutdown(cleanup: () => Promise<void> | void): () => void {
  cleanups.add(cleanup);
  return () => {
    cleanups.delete(cleanup);
  };
}

/**
 * Ends every registered child (SIGKILL to its group: renders are pure and are simply done again) and runs
 * every registered cleanup. Safe to call more than once; cleanups that fail are skipped.
 */
export async function shutdownChildren(opts: { timeoutMs?: number } = {}): Promise<void> {
  signalChildren('SIGKILL');
  const pending = [...cleanups];
  cleanups.clear();
  const done = Promise.allSettled(pending.map(async (c) => c()));
  // A cleanup stuck on a hung file system must not keep a stopping process alive forever.
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, opts.timeoutMs ?? 10_000);
    timer.unref();
  });
  await Promise.race([done, bound]);
  clearTimeout(timer);
}
