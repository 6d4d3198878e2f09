// Git references through the REST API, written to the real repository with `git update-ref`.
import { createHash } from 'node:crypto';
import { git, isAncestor, listRefs, objectType, readRef, updateRef, deleteRef } from '../../git/repo-git.ts';
import { repoApi } from '../../present/repos.ts';
import type { Site } from '../../present/site.ts';
import type { RepoRecord } from '../../state/records.ts';
import { ApiError, needRepo, notFound, ok, type Handlers } from '../types.ts';

function presentRef(site: Site, repo: RepoRecord, ref: { ref: string; sha: string; type: string }): Record<string, unknown> {
  const api = repoApi(site, repo);
  const id = createHash('sha1').update(`${repo.key}:${ref.ref}`).digest().readUInt32BE(0);
  return {
    ref: ref.ref,
    node_id: `REF_${Buffer.from(`standin:REF:${id}`).toString('base64url')}`,
    url: `${api}/git/${ref.ref}`,
    object: { type: ref.type, sha: ref.sha, url: `${api}/git/${ref.type}s/${ref.sha}` },
  };
}

async function validRefName(gitDir: string, ref: string): Promise<boolean> {
  if (!ref.startsWith('refs/') || ref.split('/').length < 3) return false;
  try {
    await git(gitDir, ['check-ref-format', ref]);
    return true;
  } catch {
    return false;
  }
}

export const gitRefHandlers: Handlers = {
  'git/get-ref': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const found = await readRef(repo.gitDir, `refs/${String(ctx.params.ref)}`);
      if (!found) throw notFound();
      return ok(presentRef(ctx.site, repo, found));
    },
  },

  'git/list-matching-refs': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const refs = await listRefs(repo.gitDir, `refs/${String(ctx.params.ref)}`);
      return ok(refs.map((r) => presentRef(ctx.site, repo, r)));
    },
  },

  'git/create-ref': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const ref = String(ctx.body.ref);
      const sha = String(ctx.body.sha);
      if (!(await validRefName(repo.gitDir, ref))) throw new ApiError(422, `${ref} is not a valid ref name.`);
      const type = await objectType(repo.gitDir, sha);
      if (!type || !/^[0-9a-f]{40}$/i.test(sha)) throw new ApiError(422, 'Object does not exist');
      if (!(await updateRef(repo.gitDir, ref, sha, ''))) throw new ApiError(422, 'Reference already exists');
      return ok(presentRef(ctx.site, repo, { ref, sha: sha.toLowerCase(), type }), 201, { location: `${repoApi(ctx.site, repo)}/git/${ref}` });
    },
  },

  'git/update-ref': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const ref = `refs/${String(ctx.params.ref)}`;
      const sha = String(ctx.body.sha);
      const current = await readRef(repo.gitDir, ref);
      if (!current) throw new ApiError(422, 'Reference does not exist');
      const type = await objectType(repo.gitDir, sha);
      if (!type || !/^[0-9a-f]{40}$/i.test(sha)) throw new ApiError(422, 'Object does not exist');
      if (ctx.body.force !== true && !(await isAncestor(repo.gitDir, current.sha, sha))) throw new ApiError(422, 'Update is not a fast forward');
      if (!(await updateRef(repo.gitDir, ref, sha, current.sha))) throw new ApiError(409, 'Reference update failed: the reference changed during the update');
      return ok(presentRef(ctx.site, repo, { ref, sha: sha.toLowerCase(), type }));
    },
  },

  'git/delete-ref': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const ref = `refs/${String(ctx.params.ref)}`;
      if (!(await readRef(repo.gitDir, ref)) || !(await deleteRef(repo.gitDir, ref))) throw new ApiError(422, 'Reference does not exist');
      return { status: 204 };
    },
  },
};
