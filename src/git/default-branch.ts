import { git } from './git.ts';

/**
 * The branch a repository's changes are merged into, when nothing says which (the CLI without
 * --base-branch and with a commit id as --base): the remote's default (`refs/remotes/origin/HEAD`), else
 * a local `main` or `master`, else the branch checked out. Undefined when none of these exists (a bare
 * repository with detached refs): Argo CD `targetRevision`s other than HEAD then get a note instead.
 */
export async function defaultBranchOf(repoDir: string): Promise<string | undefined> {
  const tryGit = async (args: string[]) => {
    try {
      return (await git(args, { cwd: repoDir })).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const remote = await tryGit(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
  if (remote) return remote.replace(/^origin\//, '');
  for (const name of ['main', 'master']) {
    if (await tryGit(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`])) return name;
  }
  return tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD']);
}
