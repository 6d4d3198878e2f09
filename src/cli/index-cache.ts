import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gitCommonDir } from '../git/index.ts';
import { inputIndexFormat, type InputIndex, type InputIndexStore } from '../plan/input-index.ts';
import type { IndexOption } from '../plan/input-index-sides.ts';
import type { CliIO } from './io.ts';
import { inputCodeFingerprint } from '../util/code-fingerprint.ts';
import { bosunVersion } from './version.ts';

/** How many indexes the folder keeps; the least recently used go first. */
export const diskIndexCap = 16;

/**
 * The CLI's input index cache: one JSON file per indexed tree in `<git common dir>/bosun/input-index/`
 * (inside the repository's own .git, so it goes with the clone and never into a commit). Reading a file
 * touches it; writing one removes the least recently used past `cap`. Unreadable or foreign files are
 * misses. Off with `--no-index-cache` or BOSUN_NO_INDEX_CACHE=1.
 */
export class DiskIndexStore implements InputIndexStore {
  readonly dir: string;
  private readonly cap: number;

  constructor(dir: string, cap = diskIndexCap) {
    this.dir = dir;
    this.cap = cap;
  }

  async get(key: string): Promise<InputIndex | undefined> {
    const file = this.fileOf(key);
    try {
      const index = JSON.parse(await readFile(file, 'utf8')) as InputIndex;
      if (index.format !== inputIndexFormat || index.key !== key) return undefined;
      const now = new Date();
      await utimes(file, now, now).catch(() => undefined);
      return index;
    } catch {
      return undefined;
    }
  }

  async put(index: InputIndex): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const file = this.fileOf(index.key);
    // Written aside and renamed, so a concurrent reader sees the old file or the new one, never half.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(index));
    await rename(tmp, file);
    await this.evict();
  }

  private fileOf(key: string): string {
    if (!/^[0-9a-f]+$/.test(key)) throw new Error(`input index key is not hex: ${key}`);
    return join(this.dir, `${key}.json`);
  }

  private async evict(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= this.cap) return;
    const aged = await Promise.all(names.map(async (n) => ({ n, t: (await stat(join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0 })));
    aged.sort((a, b) => b.t - a.t);
    await Promise.all(aged.slice(this.cap).map((a) => unlink(join(this.dir, a.n)).catch(() => undefined)));
  }
}

/** The index option for a CLI command on `repoDir`, or undefined when disabled. */
export async function cliIndexOption(repoDir: string, io: CliIO, disabled: boolean | undefined): Promise<IndexOption | undefined> {
  if (disabled || ['1', 'true', 'yes'].includes((io.env.BOSUN_NO_INDEX_CACHE ?? '').toLowerCase())) return undefined;
  return { store: new DiskIndexStore(join(await gitCommonDir(repoDir), 'bosun', 'input-index')), version: `${bosunVersion()}+${inputCodeFingerprint()}` };
}
