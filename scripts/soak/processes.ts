// What the soak reads about bosun's processes (testkit/bosun-process.ts starts them) from /proc: resident
// memory, open file descriptors and the processes they started.
import { readdir, readFile } from 'node:fs/promises';

/** Resident set size of `pid` in bytes (VmRSS), or undefined when the process is gone. */
export async function rssBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const kb = status && /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : undefined;
}

/** Open file descriptors of `pid` (entries of /proc/<pid>/fd). */
export async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])).length;
}

/** Every live process below `pid` (children, grandchildren…), as `pid command` lines. */
export async function descendants(pid: number): Promise<string[]> {
  const parents = new Map<number, number[]>();
  const names = new Map<number, string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => undefined);
    if (!stat) continue;
    // pid (comm) state ppid …; comm may hold spaces and parentheses, so read after the last ')'.
    const close = stat.lastIndexOf(')');
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, close));
    parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
  }
  const found: string[] = [];
  const walk = (p: number): void => {
    for (const c of parents.get(p) ?? []) {
      found.push(`${c} ${names.get(c) ?? '?'}`);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/** Entries directly inside `dir` (0 when it does not exist). */
export async function entriesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}
