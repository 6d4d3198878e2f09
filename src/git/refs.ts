import { BosunError } from '../model/errors.ts';
import { git } from './git.ts';

/** Full commit sha for a ref (branch, tag, sha or sha prefix); an unknown ref is an error naming it. */
export async function resolveRef(repoDir: string, ref: string): Promise<string> {
  try {
    // `--end-of-options` keeps a ref that starts with '-' from being read as an option.
    const out = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: repoDir });
    return out.trim();
  } catch (e) {
    if (e instanceof BosunError && e.kind === 'git') {
      throw new BosunError({
        kind: 'git',
        message: `unknown git ref "${ref}": no commit by that name in the repository; fetch it first or check the spelling`,
      }, { cause: e });
    }
    throw e;
  }
}
