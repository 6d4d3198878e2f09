// Seeded SIGKILLs of `bosun worker` processes at points of their work: the generator picks a worker and a
// count k, and the worker is killed right after it logged k more job lines (a plan or apply step's progress,
// a job starting or finishing: every line that names a job). A fresh worker replaces each one killed, so
// the same number keep running. The kills, in order, are kept for the failure message.
import type { BosunProcess } from '../bosun-process.ts';
import type { ChaosStack } from './stack.ts';

export interface Kill {
  worker: string;
  /** The job line the kill came right after. */
  after: string;
}

export interface Killer {
  readonly kills: Kill[];
  /** Resolves once `count` kills were made (or rejects when the killing fails). */
  done: Promise<void>;
  stop(): void;
}

const jobLines = (p: BosunProcess): Array<Record<string, unknown>> => p.entries().filter((e) => typeof e.jobId === 'string');

export function startKiller(stack: ChaosStack, opts: { count: number; random: () => number; maxLines: number }): Killer {
  const kills: Kill[] = [];
  let stopped = false;
  let spawned = stack.workers.length;
  const done = (async () => {
    while (!stopped && kills.length < opts.count) {
      const live = stack.workers.filter((w) => w.running());
      const victim = live[Math.floor(opts.random() * live.length)];
      const k = 1 + Math.floor(opts.random() * opts.maxLines);
      const base = jobLines(victim).length;
      while (!stopped && jobLines(victim).length < base + k) await new Promise((r) => setTimeout(r, 20));
      if (stopped) return;
      victim.child.kill('SIGKILL');
      await victim.exited;
      const line = jobLines(victim)[base + k - 1];
      kills.push({ worker: victim.name, after: `${String(line?.jobId)}: ${String(line?.msg)}` });
      stack.workers.splice(stack.workers.indexOf(victim), 1);
      await stack.startWorker(`worker-${++spawned}`);
    }
  })();
  return { kills, done, stop: () => void (stopped = true) };
}
