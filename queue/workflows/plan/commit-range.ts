/**
 * The two commits a PR plan compares: the PR head, and the merge base of the head and the base branch's
 * tip, so commits that landed on the base branch after the PR branched off are not shown as the PR's.
 */
import { branchTip, mergeBase } from '../../../src/git/index.ts';
import type { MirrorCache } from '../../../src/git/mirror.ts';
import type { RepoRef } from '../../../src/jobs.ts';
import { BosunError } from '../../../src/model/errors.ts';

export interface CommitRange {
  /** The bare mirror the commits are in. */
  repoDir: string;
  base: string;
  head: string;
}

export async function commitRange(
  mirrors: MirrorCache,
  repo: RepoRef,
  token: () => Promise<string>,
  want: { headSha: string; baseRef: string; baseSha?: string },
): Promise<CommitRange> {
  const wanted = [want.headSha, ...(want.baseSha ? [want.baseSha] : [])];
  const mirror = await mirrors.ensure({ fullName: repo.fullName, cloneUrl: repo.cloneUrl }, token, wanted);
  let base: string;
  try {
    base = await mergeBase(mirror.dir, want.baseSha ?? `refs/heads/${want.baseRef}`, want.headSha);
  } catch (err) {
    // A base branch the mirror does not have fails here, as it always did; otherwise the two commits share nothing.
    const baseTip = want.baseSha ?? await branchTip(mirror.dir, want.baseRef);
    if (baseTip === undefined) throw new BosunError({ kind: 'git', message: `${repo.fullName} has no branch \`${want.baseRef}\` (the pull request's base)` }, { cause: err });
    throw new BosunError({
      kind: 'git',
      message: `${want.headSha.slice(0, 7)} and ${want.baseRef} (${baseTip.slice(0, 7)}) have no common history; rebase the pull request onto ${want.baseRef}`,
    }, { cause: err });
  }
  return { repoDir: mirror.dir, base, head: want.headSha };
}
