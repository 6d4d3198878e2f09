import { BosunError } from '../model/errors.ts';
import { CommitAnswers, isFullId } from './commit-answers.ts';
import { git } from './git.ts';
import { rememberCommit, resolveRef } from './refs.ts';

/**
 * Every file of a commit: repo-relative path → object id (blob; symlinks are blobs too; submodules give
 * their commit id). The ids are content hashes, which makes them good cache keys for render inputs.
 * A commit given by its full id is listed once per process (commit-answers.ts); each caller gets its own map.
 */
export async function listTree(repoDir: string, sha: string, modes?: Map<string, string>): Promise<Map<string, string>> {
  const listing = isFullId(sha) ? await listings.get(`${repoDir}\0${sha}`, () => readTree(repoDir, sha)) : await readTree(repoDir, sha);
  // Given a map, each file's mode too (what a partial checkout's index needs: worktree.ts).
  if (modes) for (const [path, mode] of listing.modes) modes.set(path, mode);
  return new Map(listing.ids);
}

interface Listing {
  ids: Map<string, string>;
  modes: Map<string, string>;
}

/** Trees listed, up to 400,000 files in all (a few tens of MB). */
const listings = new CommitAnswers<Listing>(400_000, (l) => l.ids.size);

async function readTree(repoDir: string, sha: string): Promise<Listing> {
  const out = await git(['ls-tree', '-r', '-z', '--full-tree', '--end-of-options', sha], { cwd: repoDir });
  const ids = new Map<string, string>();
  const modes = new Map<string, string>();
  for (const record of out.split('\0')) {
    if (record === '') continue;
    // "<mode> SP <type> SP <object> TAB <path>"
    const tab = record.indexOf('\t');
    const meta = record.slice(0, tab).split(' ');
    const path = record.slice(tab + 1);
    ids.set(path, meta[2]);
    modes.set(path, meta[0]);
  }
  return { ids, modes };
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
  if (!shas.every(isFullId)) return Promise.all(shas.map(async (sha) => (await treeId(repoDir, sha, '.'))!));
  return objectIds(repoDir, shas.map((sha) => `${sha}^{tree}`), shas.join(', '));
}

/**
 * The full commit ids of `revs` and their root tree ids: one git run when no rev can be read as an option
 * (full object ids, as a worker's plan has; names such as `HEAD~1` and `main`, as the CLI's); otherwise, or
 * when that run fails, each rev is resolved by `resolveRef` first (its error names the ref), and a rev one
 * run cannot resolve gets that error too.
 */
export async function commitTrees(repoDir: string, revs: readonly string[]): Promise<Array<{ commit: string; tree: string }>> {
  if (revs.every((rev) => isFullId(rev) || /^[^-\s]\S*$/.test(rev))) {
    const ids = await objectIds(repoDir, [...revs.map((r) => `${r}^{commit}`), ...revs.map((r) => `${r}^{commit}^{tree}`)], revs.join(', ')).catch(() => undefined);
    if (ids) {
      // Their checkouts need not ask git again (refs.ts); a name that can move is never remembered.
      revs.forEach((rev, i) => {
        rememberCommit(repoDir, rev, ids[i]!);
        rememberCommit(repoDir, ids[i]!, ids[i]!);
      });
      return revs.map((_, i) => ({ commit: ids[i]!, tree: ids[revs.length + i]! }));
    }
  }
  const commits = await Promise.all(revs.map((rev) => resolveRef(repoDir, rev)));
  const trees = await rootTreeIds(repoDir, commits);
  return commits.map((commit, i) => ({ commit, tree: trees[i]! }));
}

/** One `git rev-parse` of revisions none of which starts with '-' (no option can hide among them), an id each. */
async function objectIds(repoDir: string, revs: readonly string[], what: string): Promise<string[]> {
  const out = await git(['rev-parse', ...revs], { cwd: repoDir }).catch((e: unknown) => {
    throw unknownCommit(what, e);
  });
  const ids = out.split('\n').filter((line) => line !== '');
  if (ids.length !== revs.length || !ids.every((id) => /^[0-9a-f]+$/.test(id))) throw unknownCommit(what, new Error(`rev-parse printed ${JSON.stringify(out)}`));
  return ids;
}

function unknownCommit(sha: string, cause: unknown): BosunError {
  return new BosunError({ kind: 'git', message: `unknown commit "${sha}": fetch it before asking for its tree` }, { cause });
}
