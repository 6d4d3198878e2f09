// Pull requests: read, list, open (revert PRs), edit, and their reviews. Head and base are real
// branches of the repository; merge state comes from git.
import { mergesCleanly, pullStats, resolveCommit, updateRef } from '../../git/repo-git.ts';
import { presentPull, presentReview } from '../../present/pulls.ts';
import type { PullRecord, RepoRecord } from '../../state/records.ts';
import type { Store } from '../../state/store.ts';
import { timestamp } from '../../state/store.ts';
import { paginate } from '../pagination.ts';
import { ApiError, needRepo, notFound, ok, type Handlers, type OpContext, type Reply } from '../types.ts';
import { actor, checkBody } from './issues.ts';

function pull(ctx: OpContext, repo: RepoRecord): PullRecord {
  const pr = ctx.site.store.pull(repo.key, Number(ctx.params.pull_number));
  if (!pr) throw notFound();
  return pr;
}

async function fullPull(ctx: OpContext, repo: RepoRecord, pr: PullRecord, status = 200): Promise<Reply> {
  const stats = await pullStats(repo.gitDir, pr.base.sha, pr.head.sha);
  return ok(presentPull(ctx.site, repo, pr, stats), status);
}

/** GitHub's `mergeable` / `mergeable_state` for an open pull request. */
export async function mergeState(gitDir: string, base: string, head: string, draft: boolean): Promise<{ mergeable: boolean | null; mergeableState: string }> {
  const clean = await mergesCleanly(gitDir, base, head);
  if (clean === null) return { mergeable: null, mergeableState: 'unknown' };
  if (!clean) return { mergeable: false, mergeableState: 'dirty' };
  return { mergeable: true, mergeableState: draft ? 'draft' : 'clean' };
}

/** Records a pull request and GitHub's `refs/pull/N/head` in the repository. */
export async function savePull(store: Store, repo: RepoRecord, pr: PullRecord): Promise<void> {
  if (!(await updateRef(repo.gitDir, `refs/pull/${pr.number}/head`, pr.head.sha))) {
    throw new Error(`cannot write refs/pull/${pr.number}/head = ${pr.head.sha} in ${repo.gitDir}`);
  }
  store.pulls.set(`${repo.key}#${pr.number}`, pr);
}

function invalid(field: string): ApiError {
  return new ApiError(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', field, code: 'invalid' }] });
}

export const pullHandlers: Handlers = {
  'pulls/get': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      return fullPull(ctx, repo, pull(ctx, repo));
    },
  },

  'pulls/list': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const q = ctx.query;
      const state = String(q.state ?? 'open');
      const head = q.head === undefined ? undefined : String(q.head);
      const sort = String(q.sort ?? 'created');
      const direction = String(q.direction ?? (sort === 'created' ? 'desc' : 'asc'));
      const list = [...ctx.site.store.pulls.values()]
        .filter((p) => p.repo === repo.key && (state === 'all' || p.state === state))
        .filter((p) => !head || `${repo.owner}:${p.head.ref}`.toLowerCase() === head.toLowerCase() || p.head.ref === head)
        .filter((p) => q.base === undefined || p.base.ref === String(q.base))
        .sort((a, b) => {
          const cmp = sort === 'updated' ? a.updatedAt.localeCompare(b.updatedAt) || a.number - b.number : a.number - b.number;
          return direction === 'asc' ? cmp : -cmp;
        });
      const page = paginate(ctx, list);
      return ok(page.items.map((p) => presentPull(ctx.site, repo, p)), 200, page.headers);
    },
  },

  'pulls/create': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const b = ctx.body;
      checkBody('PullRequest', b.body);
      if (typeof b.title !== 'string') throw new ApiError(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', field: 'title', code: 'missing_field' }] });
      const headName = String(b.head).includes(':') ? String(b.head).split(':')[1] : String(b.head);
      const headOwner = String(b.head).includes(':') ? String(b.head).split(':')[0] : repo.owner;
      if (headOwner.toLowerCase() !== repo.owner.toLowerCase()) throw invalid('head');
      const baseName = String(b.base);
      const headSha = await resolveCommit(repo.gitDir, `refs/heads/${headName}`);
      if (!headSha) throw invalid('head');
      const baseSha = await resolveCommit(repo.gitDir, `refs/heads/${baseName}`);
      if (!baseSha) throw invalid('base');
      const existing = [...ctx.site.store.pulls.values()].find((p) => p.repo === repo.key && p.state === 'open' && p.head.ref === headName && p.base.ref === baseName);
      if (existing) {
        throw new ApiError(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${repo.owner}:${headName}.` }] });
      }
      const stats = await pullStats(repo.gitDir, baseSha, headSha);
      if (stats.commits === 0) {
        throw new ApiError(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${baseName} and ${headName}` }] });
      }
      const draft = b.draft === true;
      const now = timestamp(ctx.now);
      const pr: PullRecord = {
        id: ctx.site.store.nextId('pull'),
        issueId: ctx.site.store.nextId('issue'),
        repo: repo.key,
        number: ++repo.lastNumber,
        title: b.title,
        body: typeof b.body === 'string' ? b.body : null,
        user: actor(ctx),
        state: 'open',
        draft,
        merged: false,
        mergedAt: null,
        mergeCommitSha: null,
        head: { ref: headName, sha: headSha },
        base: { ref: baseName, sha: baseSha },
        ...(await mergeState(repo.gitDir, baseSha, headSha, draft)),
        labels: [],
        createdAt: now,
        updatedAt: now,
        closedAt: null,
      };
      await savePull(ctx.site.store, repo, pr);
      const reply = await fullPull(ctx, repo, pr, 201);
      return { ...reply, headers: { location: `${ctx.site.api}/repos/${repo.owner}/${repo.name}/pulls/${pr.number}` } };
    },
  },

  'pulls/update': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const pr = pull(ctx, repo);
      const b = ctx.body;
      checkBody('PullRequest', b.body);
      if (typeof b.base === 'string' && b.base !== pr.base.ref) {
        const sha = await resolveCommit(repo.gitDir, `refs/heads/${b.base}`);
        if (!sha) throw invalid('base');
        pr.base = { ref: b.base, sha };
      }
      if (typeof b.title === 'string') pr.title = b.title;
      if (typeof b.body === 'string') pr.body = b.body;
      if ((b.state === 'open' || b.state === 'closed') && b.state !== pr.state && !pr.merged) {
        pr.state = b.state;
        pr.closedAt = b.state === 'closed' ? timestamp(ctx.now) : null;
      }
      pr.updatedAt = timestamp(ctx.now);
      return fullPull(ctx, repo, pr);
    },
  },

  'pulls/list-reviews': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const pr = pull(ctx, repo);
      const reviews = ctx.site.store.reviews.filter((r) => r.repo === repo.key && r.pull === pr.number && r.state !== 'PENDING');
      const page = paginate(ctx, reviews);
      return ok(page.items.map((r) => presentReview(ctx.site, repo, r)), 200, page.headers);
    },
  },
};
