import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { repositoryTop } from '../git/index.ts';
import { BosunError } from '../model/errors.ts';
import type { CliIO } from './io.ts';

/**
 * `--repo DIR` (default: the current folder), checked before anything runs so that a typo says what it
 * is — "no such folder", "not a git repository" — instead of surfacing later as an unknown ref or an
 * empty repository. `git: true` when the command reads commits (plan, apply, sync, and --ref).
 */
export async function repoFolder(flag: string | undefined, io: CliIO, opts: { git: boolean; why?: string }): Promise<string> {
  const dir = resolve(io.cwd, flag ?? '.');
  const named = flag === undefined ? `the current folder (${dir})` : `--repo ${flag}`;
  const hint = flag === undefined ? 'run bosun in the repository or pass --repo DIR' : 'check the path';
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BosunError({ kind: 'usage', message: `${named}: ${code === 'ENOENT' ? 'no such folder' : `cannot be read (${code ?? 'error'})`}; ${hint}` });
  }
  if (!isDir) throw new BosunError({ kind: 'usage', message: `${named} is a file, not a folder; ${hint}` });
  if (!opts.git) return dir;

  let toplevel: string | undefined;
  try {
    // A bare repository (a mirror) has no top level, and is a repository all the same.
    toplevel = await repositoryTop(dir);
  } catch (error) {
    if (!(error instanceof BosunError)) throw error;
    if (/not a git repository/i.test(error.message)) {
      throw new BosunError({ kind: 'usage', message: `${named} is not a git repository${opts.why ? `: ${opts.why}` : ''}; ${hint}` });
    }
    throw error;
  }
  if (toplevel && realpathSync(toplevel) !== realpathSync(dir)) {
    // A subfolder would silently mean the whole repository: checkouts and paths are the repository's.
    throw new BosunError({ kind: 'usage', message: `${named} is a folder inside the git repository ${toplevel}, not its top; pass --repo ${toplevel} (environment paths are relative to it)` });
  }
  return dir;
}
