// The repository the malicious cases are pull requests against: the base files on `main`, one branch per
// case with that case's changes (symlinks committed as symlinks, as git stores them).
import { mkdir, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { baseFiles, type MaliciousCase } from './malicious-cases.ts';

export interface CaseRepo {
  repo: GitRepoBuilder;
  baseSha: string;
  /** Branch name and head commit of each case. */
  heads: Map<string, { branch: string; sha: string }>;
}

export async function buildCaseRepo(dir: string, cases: MaliciousCase[]): Promise<CaseRepo> {
  const repo = await makeGitRepo(dir);
  for (const [path, content] of Object.entries(baseFiles)) await repo.write(path, content);
  const baseSha = await repo.commit('base');
  const heads = new Map<string, { branch: string; sha: string }>();
  for (const c of cases) {
    const branch = `case/${c.id}`;
    await repo.git('checkout', '-q', '-b', branch, baseSha);
    for (const path of c.remove ?? []) await repo.remove(path);
    for (const [path, spec] of Object.entries(c.files)) {
      if (typeof spec === 'string') {
        await repo.write(path, spec);
      } else {
        const abs = join(repo.dir, path);
        await rm(abs, { force: true, recursive: true });
        await mkdir(dirname(abs), { recursive: true });
        await symlink(spec.symlink, abs);
      }
    }
    heads.set(c.id, { branch, sha: await repo.commit(c.title) });
  }
  await repo.git('checkout', '-q', 'main');
  return { repo, baseSha, heads };
}
