// Step 2: a maintainer asks for a fresh plan of one environment with a ChatOps comment. bosun
// acknowledges it with 👀, plans again, and marks the comment 🚀 when done.
import type { TourContext } from './context.ts';
import { bosunRuns, checkRunLine, reactionLine, reactionText } from './github-view.ts';
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
  // Each reaction is told as it is seen, by itself: on a fast machine the plan may be done, and 🚀 added,
  // before the tour looks for 👀, and a snapshot of all reactions would then tell the story out of order.
  const reaction = (content: string) => gh.reactions(id).find((r) => r.content === content);
  const eyes = await ctx.wait('the 👀 reaction on the command', () => reaction('eyes'));
  ctx.t.say(`bosun reacts: ${reactionText(eyes)}   (the command was accepted)`);
  const run = await ctx.wait(`a new "${runName}" check run`, () => {
    // A plan that fails before it has a check run says so only in the comment: stop with its words
    // instead of waiting out the timeout.
    const comment = String(stickyComment(ctx)?.body ?? '');
    if (comment.includes('bosun could not plan this pull request')) throw new Error(`bosun could not plan the pull request:\n${comment}`);
    const runs = bosunRuns(gh, ctx.owner, ctx.name, ctx.repo.headSha, runName);
    return runs.length > before && runs.at(-1)!.status === 'completed' ? runs.at(-1) : undefined;
  });
  const rocket = await ctx.wait('the 🚀 reaction on the command', () => reaction('rocket'));
  ctx.t.say(`bosun reacts: ${reactionText(rocket)}   (the plan is done)`);
  ctx.t.say(`Reactions on the comment, oldest first: ${reactionLine(gh, id)}`);
  ctx.t.say('');
  ctx.t.say(`The re-plan, a new check run on ${ctx.repo.headSha.slice(0, 7)}:`);
  ctx.t.show(checkRunLine(run));
  const edited = String(stickyComment(ctx)?.updated_at ?? '');
  ctx.t.say(edited !== commentBefore ? 'bosun\'s comment on the pull request was edited in place to link the new check run.' : 'bosun\'s comment on the pull request is unchanged (same report).');
}
