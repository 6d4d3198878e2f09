import { BosunError } from '../model/errors.ts';
import { git } from './git.ts';

/**
 * Every file of a commit: repo-relative path → object id (blob; symlinks are blobs too; submodules give
 * their commit id). The ids are content hashes, which makes them good cache keys for render inputs.
 */
export async function listTree(repoDir: string, sha: string): Promise<Map<string, string>> {
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', sha], { cwd: repoDir });
  const entries = new Map<string, string>();
  for (const record of out.split('\0')) {
    if (record === '') continue;
    // "<mode> SP <type> SP <object> TAB <path>"
    const tab = record.indexOf('\t');
    const meta = record.slice(0, tab).split(' ');
    entries.set(record.slice(tab + 1), meta[2]);
  }
  return entries;
}

/** The tree id of a folder at a commit ('.' or '' = the root tree), or undefined when it does not exist there. */
export async function treeId(repoDir: string, sha: string, path: string): Promise<string | undefined> {
  const clean = path.replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.') {
    return (await git(['rev-parse', '--verify', '--end-of-options', `${sha}^{tree}`], { cwd: repoDir }).catch((e: unknown) => {
      throw unknownCommit(sha, e);
    })).trim();
  }
  // ls-tree of a path lists that entry itself: "<mode> tree <id>\t<path>"; nothing when it is absent.
  const out = await git(['ls-tree', '-z', '--full-tree', '--end-of-options', sha, '--', clean], { cwd: repoDir }).catch((e: unknown) => {
    throw unknownCommit(sha, e);
  });
  for (const record of out.split('\0')) {
    const tab = record.indexOf('\t');
    if (tab < 0 || record.slice(tab + 1) !== clean) continue;
    const [, type, id] = record.slice(0, tab).split(' ');
    return type === 'tree' ? id : undefined;
  }
  return undefined;
}

/**
 * The root tree ids of commits given as full object ids, in their order: one git call for all of them
 * (names that are not full ids are looked up one by one, as `treeId` does).
 */
export async function rootTreeIds(repoDir: string, shas: readonly string[]): Promise<string[]> {
  if (!shas.every((sha) => /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha))) return Promise.all(shas.map(async (sha) => (await treeId(repoDir, sha, '.'))!));
  const out = await git(['rev-parse', ...shas.map((sha) => `${sha}^{tree}`)], { cwd: repoDir }).catch((e: unknown) => {
    throw unknownCommit(shas.join(', '), e);
  });
  const ids = out.split('\n').filter((line) => line !== '');
  if (ids.length !== shas.length || !ids.every((id) => /^[0-9a-f]+$/.test(id))) throw unknownCommit(shas.join(', '), new Error(`rev-parse printed ${JSON.stringify(out)}`));
  return ids;
}

function unknownCommit(sha: string, cause: unknown): BosunError {
  return new BosunError({ kind: 'git', message: `unknown commit "${sha}": fetch it before asking for its tree` }, { cause });
}
