import { BosunError } from '../model/errors.ts';
import { isFullId } from './commit-answers.ts';
import { git } from './git.ts';

/**
 * Commits already resolved from a full object id, per repository (`<repoDir>\0<id>` → commit id). An object
 * id names the same object for ever, so asking git again whether `<id>^{commit}` exists tells nothing new:
 * a plan resolved both of its commits up to five times (its tree ids, then each checkout, then each
 * checkout of the merge's view), one `git rev-parse` process each. A name that is not a full id (a branch,
 * `HEAD~1`, a short id) can move, and is asked every time. A commit gone since (a mirror pruned or made
 * again) fails where it is read, and the reader asks again (`forgetCommit`, then `resolveRef`) for the
 * error that names it.
 */
const resolved = new Map<string, string>();
const maxResolved = 10_000;
const resolvedKey = (repoDir: string, id: string): string => `${repoDir}\0${id}`;

/** Records that full object id `id` of `repoDir` is (or peels to) `commit`, which resolveRef then returns without git. */
export function rememberCommit(repoDir: string, id: string, commit: string): void {
  if (!isFullId(id) || !isFullId(commit)) return;
  if (resolved.size >= maxResolved) resolved.delete(resolved.keys().next().value as string);
  resolved.set(resolvedKey(repoDir, id), commit);
}

/** Forgets what `rememberCommit` (or resolveRef) recorded for `id`: the next resolveRef asks git. */
export function forgetCommit(repoDir: string, id: string): void {
  resolved.delete(resolvedKey(repoDir, id));
}

/** Full commit sha for a ref (branch, tag, sha or sha prefix); an unknown ref is an error naming it. */
export async function resolveRef(repoDir: string, ref: string): Promise<string> {
  const known = isFullId(ref) ? resolved.get(resolvedKey(repoDir, ref)) : undefined;
  if (known !== undefined) return known;
  try {
    // `--end-of-options` keeps a ref that starts with '-' from being read as an option.
    const out = (await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], { cwd: repoDir })).trim();
    rememberCommit(repoDir, ref, out);
    rememberCommit(repoDir, out, out);
    return out;
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

/**
 * The error to give when reading commit `ref` (resolved earlier, perhaps from what resolveRef remembers)
 * failed with `error`: resolveRef's "unknown git ref" when git no longer has it, else `error` itself.
 */
export async function readFailure(repoDir: string, ref: string, error: unknown): Promise<unknown> {
  forgetCommit(repoDir, ref);
  return resolveRef(repoDir, ref).then(() => error, (unknown: unknown) => unknown);
}
