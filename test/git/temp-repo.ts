import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { git } from '../../src/git/git.ts';

/** File contents by repo path; a `{ symlink }` entry creates a symbolic link with that target. */
export type Files = Record<string, string | { symlink: string }>;

export async function writeFiles(dir: string, files: Files): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(dir, path);
    await mkdir(dirname(abs), { recursive: true });
    await rm(abs, { force: true, recursive: true });
    if (typeof content === 'string') await writeFile(abs, content);
    else await symlink(content.symlink, abs);
  }
}

export async function tempDir(prefix = 'bosun-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** A real git repository in a temp folder; `commit` records the working tree and returns the sha. */
export async function tempRepo(files: Files = {}): Promise<{ dir: string; commit(message: string): Promise<string>; cleanup(): Promise<void> }> {
  const dir = await tempDir('bosun-repo-');
  await git(['init', '--quiet', '--initial-branch=main'], { cwd: dir });
  await writeFiles(dir, files);
  return {
    dir,
    async commit(message: string) {
      await git(['add', '--all'], { cwd: dir });
      await git(['-c', 'user.name=Test', '-c', 'user.email=test@example.com', '-c', 'maintenance.auto=false', 'commit', '--quiet', '--allow-empty', '-m', message], { cwd: dir });
      return (await git(['rev-parse', 'HEAD'], { cwd: dir })).trim();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
