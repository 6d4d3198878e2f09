import { git } from './git.ts';

const gitOrUndefined = (repoDir: string) => async (args: string[]): Promise<string | undefined> => {
  try {
    return (await git(args, { cwd: repoDir })).trim() || undefined;
  } catch {
    return undefined;
  }
};

/** The remote's default branch as the clone recorded it (`refs/remotes/origin/HEAD`, set by `git clone`); undefined without one. */
export async function remoteDefaultBranch(repoDir: string): Promise<string | undefined> {
  return (await gitOrUndefined(repoDir)(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']))?.replace(/^origin\//, '');
}

/**
 * The branch a repository's changes are merged into, when nothing says which (the CLI without
 * --base-branch and with a commit id as --base): the remote's default (`refs/remotes/origin/HEAD`), else
 * a local `main` or `master`, else the branch checked out. Undefined when none of these exists (a bare
 * repository with detached refs): Argo CD `targetRevision`s other than HEAD then get a note instead.
 * `remoteDefault`: the remote's default as the caller already asked it (remoteDefaultBranch).
 */
export async function defaultBranchOf(repoDir: string, remoteDefault: () => Promise<string | undefined> = () => remoteDefaultBranch(repoDir)): Promise<string | undefined> {
  const tryGit = gitOrUndefined(repoDir);
  const remote = await remoteDefault();
  if (remote) return remote;
  for (const name of ['main', 'master']) {
    if (await tryGit(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`])) return name;
  }
  return tryGit(['symbolic-ref', '--quiet', '--short', 'HEAD']);
}
