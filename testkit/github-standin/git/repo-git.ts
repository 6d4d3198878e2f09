// The real repository behind each stand-in repo: refs, commits and diffs come from `git` itself, so
// what the REST API says always agrees with what a clone over smart HTTP gets.
import { execFile } from 'node:child_process';

const env: NodeJS.ProcessEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

export function git(gitDir: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd: gitDir, env, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`git ${args.join(' ')} in ${gitDir}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

async function tryGit(gitDir: string, args: string[]): Promise<string | undefined> {
  try {
    return await git(gitDir, args);
  } catch {
    return undefined;
  }
}

/** The commit a SHA, branch, tag or `heads/x` / `tags/x` names, if any. */
export async function resolveCommit(gitDir: string, ref: string): Promise<string | undefined> {
  if (ref.startsWith('-')) return undefined;
  for (const candidate of [ref, ref.startsWith('heads/') || ref.startsWith('tags/') ? `refs/${ref}` : undefined]) {
    if (!candidate) continue;
    const out = await tryGit(gitDir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${candidate}^{commit}`]);
    if (out) return out.trim();
  }
  return undefined;
}

/** The object a full ref (`refs/heads/main`) points at, with its type. */
export async function readRef(gitDir: string, fullRef: string): Promise<{ ref: string; sha: string; type: string } | undefined> {
  if (!fullRef.startsWith('refs/')) return undefined;
  const listed = await listRefs(gitDir, fullRef);
  return listed.find((r) => r.ref === fullRef);
}

export async function listRefs(gitDir: string, prefix: string): Promise<Array<{ ref: string; sha: string; type: string }>> {
  const out = await git(gitDir, ['for-each-ref', '--format=%(refname) %(objectname) %(objecttype)', 'refs/']);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [ref, sha, type] = line.split(' ');
      return { ref, sha, type };
    })
    .filter((r) => r.ref.startsWith(prefix));
}

export async function objectType(gitDir: string, sha: string): Promise<string | undefined> {
  if (!/^[0-9a-f]{4,64}$/i.test(sha)) return undefined;
  return (await tryGit(gitDir, ['cat-file', '-t', sha]))?.trim();
}

/** Sets a ref; with `expectOld` = '' the ref must not exist yet (create), otherwise it must hold that value. */
export async function updateRef(gitDir: string, fullRef: string, sha: string, expectOld?: string): Promise<boolean> {
  const args = ['update-ref', '--no-deref', fullRef, sha];
  if (expectOld !== undefined) args.push(expectOld);
  return (await tryGit(gitDir, args)) !== undefined;
}

export async function deleteRef(gitDir: string, fullRef: string): Promise<boolean> {
  return (await tryGit(gitDir, ['update-ref', '-d', fullRef])) !== undefined;
}

export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  return (await tryGit(gitDir, ['merge-base', '--is-ancestor', ancestor, descendant])) !== undefined;
}

export async function defaultBranchOf(gitDir: string): Promise<string | undefined> {
  return (await tryGit(gitDir, ['symbolic-ref', '--short', 'HEAD']))?.trim() || undefined;
}

export async function isGitRepo(gitDir: string): Promise<boolean> {
  return (await tryGit(gitDir, ['rev-parse', '--git-dir'])) !== undefined;
}

/** What GitHub shows on a pull request: commits on head not on base, and the diff from their merge base. */
export async function pullStats(gitDir: string, base: string, head: string): Promise<{ commits: number; additions: number; deletions: number; changedFiles: number }> {
  const [count, numstat] = await Promise.all([
    tryGit(gitDir, ['rev-list', '--count', `${base}..${head}`]),
    tryGit(gitDir, ['diff', '--numstat', `${base}...${head}`]),
  ]);
  let additions = 0;
  let deletions = 0;
  let changedFiles = 0;
  for (const line of (numstat ?? '').split('\n').filter(Boolean)) {
    const [a, d] = line.split('\t');
    changedFiles++;
    additions += Number(a) || 0;
    deletions += Number(d) || 0;
  }
  return { commits: Number(count?.trim() ?? 0) || 0, additions, deletions, changedFiles };
}

export interface CommitInfo {
  sha: string;
  tree: string;
  message: string;
  timestamp: string;
  author: { name: string; email: string };
  committer: { name: string; email: string };
}

export async function commitInfo(gitDir: string, sha: string): Promise<CommitInfo | undefined> {
  const out = await tryGit(gitDir, ['show', '-s', '--format=%H%x00%T%x00%cI%x00%an%x00%ae%x00%cn%x00%ce%x00%B', sha]);
  if (!out) return undefined;
  const [full, tree, date, an, ae, cn, ce, message] = out.split('\0');
  return {
    sha: full,
    tree,
    message: message.replace(/\n+$/, ''),
    timestamp: new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    author: { name: an, email: ae },
    committer: { name: cn, email: ce },
  };
}

/** Whether `head` merges cleanly into `base` (git >= 2.38 `merge-tree --write-tree`); null when git cannot tell. */
export async function mergesCleanly(gitDir: string, base: string, head: string): Promise<boolean | null> {
  return new Promise((resolve) => {
    execFile('git', ['merge-tree', '--write-tree', '--no-messages', base, head], { cwd: gitDir, env }, (error) => {
      if (!error) resolve(true);
      else resolve((error as { code?: unknown }).code === 1 ? false : null);
    });
  });
}

export interface PushedCommit extends CommitInfo {
  added: string[];
  removed: string[];
  modified: string[];
}

/** The commits a push from `before` to `after` brought (oldest first, at most 20 as GitHub lists), with their files. */
export async function pushedCommits(gitDir: string, before: string | null, after: string): Promise<PushedCommit[]> {
  const range = before ? `${before}..${after}` : after;
  const shas = (await git(gitDir, ['rev-list', '--reverse', '--max-count=20', range])).split('\n').filter(Boolean);
  const out: PushedCommit[] = [];
  for (const sha of shas) {
    const info = await commitInfo(gitDir, sha);
    if (!info) continue;
    const files = await git(gitDir, ['diff-tree', '--no-commit-id', '--name-status', '-r', '--root', '-m', '--first-parent', sha]);
    const commit: PushedCommit = { ...info, added: [], removed: [], modified: [] };
    for (const line of files.split('\n').filter(Boolean)) {
      const [status, path] = line.split('\t');
      if (status.startsWith('A')) commit.added.push(path);
      else if (status.startsWith('D')) commit.removed.push(path);
      else commit.modified.push(path);
    }
    out.push(commit);
  }
  return out;
}

export function readBlob(gitDir: string, sha: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', ['cat-file', 'blob', sha], { cwd: gitDir, env, encoding: 'buffer', maxBuffer: 100 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(new Error(`git cat-file blob ${sha} in ${gitDir}: ${error.message}`));
      else resolve(stdout);
    });
  });
}
