import { BosunError } from '../model/errors.ts';
import { git } from './git.ts';

/**
 * The text of a blob of the repository's object store (an id from `listTree`), read without a checkout:
 * what a plan reads of a file it has the id of, such as a chart's Chart.yaml at either commit.
 */
export async function readBlob(repoDir: string, id: string): Promise<string> {
  // An object id only: nothing else reaches git's command line here.
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(id)) throw new BosunError({ kind: 'git', message: `"${id}" is not a git object id` });
  return git(['cat-file', 'blob', id], { cwd: repoDir });
}
