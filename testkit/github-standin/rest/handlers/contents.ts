// File and directory contents at a ref, read from the real repository (what Probot's config plugin and
// a bot reading one file without cloning use).
import { git, readBlob, resolveCommit } from '../../git/repo-git.ts';
import { repoApi, repoWeb } from '../../present/repos.ts';
import type { Site } from '../../present/site.ts';
import type { RepoRecord } from '../../state/records.ts';
import { needRepo, notFound, ok, type Handlers } from '../types.ts';

interface Entry {
  mode: string;
  type: string;
  sha: string;
  size: number;
  path: string;
}

async function lsTree(gitDir: string, commit: string, path: string, children: boolean): Promise<Entry[]> {
  const target = children ? (path === '' ? commit : `${commit}:${path}`) : commit;
  const args = ['ls-tree', '-l', '-z', '--end-of-options', target];
  if (!children) args.push('--', path);
  const out = await git(gitDir, args).catch(() => '');
  return out
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [meta, name] = line.split('\t');
      const [mode, type, sha, size] = meta.trim().split(/\s+/);
      return { mode, type, sha, size: size === '-' ? 0 : Number(size), path: children ? (path === '' ? name : `${path}/${name}`) : name };
    });
}

function describe(site: Site, repo: RepoRecord, ref: string, e: Entry): Record<string, unknown> {
  const type = e.type === 'tree' ? 'dir' : e.type === 'commit' ? 'submodule' : e.mode === '120000' ? 'symlink' : 'file';
  const url = `${repoApi(site, repo)}/contents/${e.path}?ref=${encodeURIComponent(ref)}`;
  const html = `${repoWeb(site, repo)}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${e.path}`;
  const gitUrl = `${repoApi(site, repo)}/git/${e.type === 'tree' ? 'trees' : 'blobs'}/${e.sha}`;
  return {
    type,
    size: e.size,
    name: e.path.split('/').pop() ?? e.path,
    path: e.path,
    sha: e.sha,
    url,
    git_url: gitUrl,
    html_url: html,
    download_url: type === 'file' ? `${site.web}/${repo.owner}/${repo.name}/raw/${ref}/${e.path}` : null,
    _links: { self: url, git: gitUrl, html },
  };
}

export const contentHandlers: Handlers = {
  'repos/get-content': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const ref = ctx.query.ref === undefined ? repo.defaultBranch : String(ctx.query.ref);
      const commit = await resolveCommit(repo.gitDir, ref);
      if (!commit) throw notFound();
      const path = String(ctx.params.path ?? '').replace(/^\/+|\/+$/g, '');
      const [self] = path === '' ? [{ mode: '040000', type: 'tree', sha: '', size: 0, path: '' }] : await lsTree(repo.gitDir, commit, path, false);
      if (!self) throw notFound();
      if (self.type === 'tree') {
        const children = await lsTree(repo.gitDir, commit, path, true);
        return ok(children.map((e) => describe(ctx.site, repo, ref, e)));
      }
      const body = describe(ctx.site, repo, ref, self);
      if (body.type === 'file') {
        const content = await readBlob(repo.gitDir, self.sha);
        // GitHub wraps the base64 at 60 characters per line.
        Object.assign(body, { encoding: 'base64', content: (content.toString('base64').match(/.{1,60}/g) ?? ['']).join('\n') + '\n' });
      }
      return ok(body);
    },
  },
};
