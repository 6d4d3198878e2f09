// Issues and their comments. Pull requests are issues too: comments on a PR and the issue endpoints
// work with PR numbers, as on GitHub.
import { presentComment, presentIssue } from '../../present/issues.ts';
import { botLogin } from '../../present/site.ts';
import type { CommentRecord, IssueRecord, PullRecord, RepoRecord } from '../../state/records.ts';
import { timestamp } from '../../state/store.ts';
import { paginate } from '../pagination.ts';
import { needRepo, notFound, ok, validationFailed, type Handlers, type OpContext } from '../types.ts';

/** GitHub's limit for comment, issue and pull request bodies. */
export const maxBodyChars = 65_536;

export function checkBody(resource: string, body: unknown): void {
  if (typeof body === 'string' && body.length > maxBodyChars) {
    throw validationFailed(resource, 'body', 'custom', `body is too long (maximum is ${maxBodyChars} characters)`);
  }
}

function issueOrPull(ctx: OpContext, repo: RepoRecord): IssueRecord | PullRecord {
  const number = Number(ctx.params.issue_number);
  const found = ctx.site.store.issue(repo.key, number) ?? ctx.site.store.pull(repo.key, number);
  if (!found) throw notFound();
  return found;
}

function comment(ctx: OpContext, repo: RepoRecord): CommentRecord {
  const c = ctx.site.store.comments.get(Number(ctx.params.comment_id));
  if (!c || c.repo !== repo.key) throw notFound();
  return c;
}

function labelNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.map((l) => (typeof l === 'string' ? l : String((l as { name?: unknown }).name ?? ''))).filter((l) => l !== '');
}

export function actor(ctx: OpContext): string {
  return botLogin(ctx.site);
}

export const issueHandlers: Handlers = {
  'issues/list-comments': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const issue = issueOrPull(ctx, repo);
      const since = ctx.query.since === undefined ? undefined : String(ctx.query.since);
      const all = [...ctx.site.store.comments.values()]
        .filter((c) => c.repo === repo.key && c.issue === issue.number && (!since || c.updatedAt >= since))
        .sort((a, b) => a.id - b.id);
      const page = paginate(ctx, all);
      return ok(page.items.map((c) => presentComment(ctx.site, repo, c)), 200, page.headers);
    },
  },

  'issues/create-comment': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const issue = issueOrPull(ctx, repo);
      checkBody('IssueComment', ctx.body.body);
      const now = timestamp(ctx.now);
      const c: CommentRecord = {
        id: ctx.site.store.nextId('comment'),
        repo: repo.key,
        issue: issue.number,
        body: String(ctx.body.body),
        user: actor(ctx),
        viaApp: true,
        createdAt: now,
        updatedAt: now,
        minimized: null,
      };
      ctx.site.store.comments.set(c.id, c);
      const body = presentComment(ctx.site, repo, c);
      return ok(body, 201, { location: String(body.url) });
    },
  },

  'issues/get-comment': { auth: 'installation', handle: (ctx) => ok(presentComment(ctx.site, needRepo(ctx), comment(ctx, needRepo(ctx)))) },

  'issues/update-comment': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const c = comment(ctx, repo);
      checkBody('IssueComment', ctx.body.body);
      c.body = String(ctx.body.body);
      c.updatedAt = timestamp(ctx.now);
      return ok(presentComment(ctx.site, repo, c));
    },
  },

  'issues/delete-comment': {
    auth: 'installation',
    handle: (ctx) => {
      const c = comment(ctx, needRepo(ctx));
      ctx.site.store.comments.delete(c.id);
      const reactions = ctx.site.store.reactions;
      for (let i = reactions.length - 1; i >= 0; i--) if (reactions[i].commentId === c.id) reactions.splice(i, 1);
      return { status: 204 };
    },
  },

  'issues/create': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      checkBody('Issue', ctx.body.body);
      const now = timestamp(ctx.now);
      const issue: IssueRecord = {
        id: ctx.site.store.nextId('issue'),
        repo: repo.key,
        number: ++repo.lastNumber,
        title: String(ctx.body.title),
        body: typeof ctx.body.body === 'string' ? ctx.body.body : null,
        user: actor(ctx),
        state: 'open',
        stateReason: null,
        labels: labelNames(ctx.body.labels) ?? [],
        assignees: (ctx.body.assignees as string[] | undefined) ?? (typeof ctx.body.assignee === 'string' ? [ctx.body.assignee] : []),
        createdAt: now,
        updatedAt: now,
        closedAt: null,
      };
      ctx.site.store.issues.set(`${repo.key}#${issue.number}`, issue);
      const body = presentIssue(ctx.site, repo, issue);
      return ok(body, 201, { location: String(body.url) });
    },
  },

  'issues/get': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      return ok(presentIssue(ctx.site, repo, issueOrPull(ctx, repo)));
    },
  },

  'issues/update': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const issue = issueOrPull(ctx, repo);
      const b = ctx.body;
      checkBody('Issue', b.body);
      if (b.title !== undefined && b.title !== null) issue.title = String(b.title);
      if (b.body !== undefined) issue.body = typeof b.body === 'string' ? b.body : null;
      const labels = labelNames(b.labels);
      if (labels) issue.labels = labels;
      if (!('head' in issue) && Array.isArray(b.assignees)) issue.assignees = b.assignees.map(String);
      if (b.state === 'open' || b.state === 'closed') {
        if (issue.state !== b.state) {
          issue.closedAt = b.state === 'closed' ? timestamp(ctx.now) : null;
          if (!('head' in issue)) issue.stateReason = b.state === 'closed' ? ((b.state_reason as IssueRecord['stateReason']) ?? 'completed') : 'reopened';
        }
        issue.state = b.state;
      }
      issue.updatedAt = timestamp(ctx.now);
      return ok(presentIssue(ctx.site, repo, issue));
    },
  },

  'issues/list-for-repo': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const state = String(ctx.query.state ?? 'open');
      const wanted = ctx.query.labels === undefined ? [] : String(ctx.query.labels).split(',').map((l) => l.trim().toLowerCase()).filter(Boolean);
      const since = ctx.query.since === undefined ? undefined : String(ctx.query.since);
      const sort = String(ctx.query.sort ?? 'created');
      const direction = String(ctx.query.direction ?? 'desc');
      const store = ctx.site.store;
      const all: Array<IssueRecord | PullRecord> = [...store.issues.values(), ...store.pulls.values()].filter(
        (i) =>
          i.repo === repo.key &&
          (state === 'all' || i.state === state) &&
          wanted.every((l) => i.labels.some((have) => have.toLowerCase() === l)) &&
          (!since || i.updatedAt >= since),
      );
      const key = (i: IssueRecord | PullRecord): string | number =>
        sort === 'updated' ? i.updatedAt : sort === 'comments' ? [...store.comments.values()].filter((c) => c.repo === repo.key && c.issue === i.number).length : i.number;
      all.sort((a, b) => {
        const [x, y] = [key(a), key(b)];
        const cmp = x < y ? -1 : x > y ? 1 : a.number - b.number;
        return direction === 'asc' ? cmp : -cmp;
      });
      const page = paginate(ctx, all);
      return ok(page.items.map((i) => presentIssue(ctx.site, repo, i)), 200, page.headers);
    },
  },
};
