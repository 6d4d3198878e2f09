import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** Independent of the code under test: asks `ps` whether `pid` still runs (a zombie does not count). */
export function running(pid: number): boolean {
  try {
    const stat = execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    return stat.length > 0 && !stat.startsWith('Z');
  } catch {
    return false;
  }
}

/** Polls until `check` holds; the bound only keeps a broken setup from hanging the suite. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, boundMs = 45_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await sleep(200);
  }
}
