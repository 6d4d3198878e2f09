/**
 * The pull request's base and head commits in the job's checkout. actions/checkout fetches one commit
 * (the merge ref) unless told `fetch-depth: 0`; the missing ones are fetched by SHA with the
 * credentials checkout left in the repository's config.
 */
import { fetchCommits, hasCommit } from '../../git/index.ts';
import { BosunError } from '../../model/errors.ts';

/** A full commit id (SHA-1 or SHA-256), as GitHub's event payload gives it: never read as an option. */
const fullCommitId = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export async function ensureCommits(repoDir: string, shas: string[], progress: (message: string) => void): Promise<void> {
  const odd = shas.find((sha) => !fullCommitId.test(sha));
  if (odd !== undefined) throw new BosunError({ kind: 'usage', message: `the pull request's commit "${odd.slice(0, 80)}" is not a full commit id (40 or 64 hex digits); check the event payload` });
  const missing: string[] = [];
  for (const sha of shas) if (!(await hasCommit(repoDir, sha))) missing.push(sha);
  if (missing.length === 0) return;
  progress(`fetching ${missing.map((s) => s.slice(0, 7)).join(' and ')} from origin`);
  try {
    await fetchCommits(repoDir, missing);
  } catch (err) {
    throw new BosunError({ kind: 'git', message: `the pull request's commits ${missing.map((s) => s.slice(0, 7)).join(', ')} are not in ${repoDir} and cannot be fetched (${(err as Error).message}); check out the repository first (actions/checkout, with fetch-depth: 0)` }, { cause: err });
  }
}
