import { presentReaction } from '../../present/issues.ts';
import type { ReactionRecord } from '../../state/records.ts';
import { timestamp } from '../../state/store.ts';
import { paginate } from '../pagination.ts';
import { needRepo, notFound, ok, type Handlers, type OpContext } from '../types.ts';
import { actor } from './issues.ts';

function commentId(ctx: OpContext): number {
  const repo = needRepo(ctx);
  const c = ctx.site.store.comments.get(Number(ctx.params.comment_id));
  if (!c || c.repo !== repo.key) throw notFound();
  return c.id;
}

export const reactionHandlers: Handlers = {
  /** 201 for a new reaction; 200 with the existing one when the caller already reacted so. */
  'reactions/create-for-issue-comment': {
    auth: 'installation',
    handle: (ctx) => {
      const id = commentId(ctx);
      const user = actor(ctx);
      const content = String(ctx.body.content);
      const existing = ctx.site.store.reactions.find((r) => r.commentId === id && r.user === user && r.content === content);
      if (existing) return ok(presentReaction(ctx.site, existing), 200);
      const reaction: ReactionRecord = { id: ctx.site.store.nextId('reaction'), commentId: id, user, content, createdAt: timestamp(ctx.now) };
      ctx.site.store.reactions.push(reaction);
      return ok(presentReaction(ctx.site, reaction), 201);
    },
  },

  'reactions/list-for-issue-comment': {
    auth: 'installation',
    handle: (ctx) => {
      const id = commentId(ctx);
      const content = ctx.query.content === undefined ? undefined : String(ctx.query.content);
      const page = paginate(ctx, ctx.site.store.reactions.filter((r) => r.commentId === id && (!content || r.content === content)));
      return ok(page.items.map((r) => presentReaction(ctx.site, r)), 200, page.headers);
    },
  },
};
