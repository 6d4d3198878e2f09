// Step 2: a maintainer asks for a fresh plan of one environment with a ChatOps comment. bosun
// acknowledges it with 👀, plans again, and marks the comment 🚀 when done.
import type { TourContext } from './context.ts';
import { bosunRuns, checkRunLine, reactionLine } from './github-view.ts';
import { stickyComment } from './step-open-pr.ts';

export async function planCommand(ctx: TourContext): Promise<void> {
  const { gh } = ctx.stack;
  const runName = `bosun / ${ctx.staging.name}`;
  const before = bosunRuns(gh, ctx.owner, ctx.name, ctx.repo.headSha, runName).length;
  const commentBefore = String(stickyComment(ctx)?.updated_at ?? '');
  const body = `/bosun plan ${ctx.staging.name}`;
  const comment = gh.addComment({ owner: ctx.owner, repo: ctx.name, issue: ctx.pr, user: ctx.maintainer, body });
  ctx.t.say(`${ctx.maintainer} comments on #${ctx.pr}:  ${body}`);
  const payload = gh.examplePayload('issue_comment', 'created', gh.repoPayload(ctx.owner, ctx.name), { issue: gh.issuePayload(ctx.owner, ctx.name, ctx.pr), comment });
  const delivery = await ctx.stack.send('issue_comment', payload);
  if (delivery.status >= 300) throw new Error(`bosun answered the issue_comment webhook with HTTP ${delivery.status}`);

  const id = Number(comment.id);
  const has = (content: string): boolean => gh.reactions(id).some((r) => r.content === content);
  await ctx.wait('the 👀 reaction on the command', () => has('eyes'));
  ctx.t.say(`bosun reacts: ${reactionLine(gh, id)}   (the command was accepted)`);
  const run = await ctx.wait(`a new "${runName}" check run`, () => {
    const runs = bosunRuns(gh, ctx.owner, ctx.name, ctx.repo.headSha, runName);
    return runs.length > before && runs.at(-1)!.status === 'completed' ? runs.at(-1) : undefined;
  });
  await ctx.wait('the 🚀 reaction on the command', () => has('rocket'));
  ctx.t.say(`bosun reacts: ${reactionLine(gh, id)}   (the plan is done)`);
  ctx.t.say('');
  ctx.t.say(`The re-plan, a new check run on ${ctx.repo.headSha.slice(0, 7)}:`);
  ctx.t.show(checkRunLine(run));
  const edited = String(stickyComment(ctx)?.updated_at ?? '');
  ctx.t.say(edited !== commentBefore ? 'bosun\'s comment on the pull request was edited in place to link the new check run.' : 'bosun\'s comment on the pull request is unchanged (same report).');
}
