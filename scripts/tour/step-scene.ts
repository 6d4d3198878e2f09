// Before the pull request: main as it is gets applied, as it would right after bosun is installed and
// main is pushed — so the cluster runs web 1.4.0 and the pull request has something live to change.
import { applyCheckName, expectApplied, waitForApply } from './applies.ts';
import type { TourContext } from './context.ts';
import { checkRunLine } from './github-view.ts';

export async function setTheScene(ctx: TourContext): Promise<void> {
  const { gh } = ctx.stack;
  ctx.t.say(`Repository ${ctx.owner}/${ctx.name}: main at ${ctx.tip.slice(0, 7)} runs web 1.4.0 in ${ctx.staging.name} (namespace ${ctx.staging.namespace})`);
  ctx.t.say(`and ${ctx.production.name} (namespace ${ctx.production.namespace}), both on the cluster registered as "test".`);
  ctx.t.say('GitHub sends bosun the push of main; bosun applies both environments.');
  const payload = gh.examplePayload('push', undefined, gh.repoPayload(ctx.owner, ctx.name), await gh.pushPayload(ctx.owner, ctx.name, { before: null, after: ctx.tip }));
  const delivery = await ctx.stack.send('push', payload);
  if (delivery.status >= 300) throw new Error(`bosun answered the push webhook with HTTP ${delivery.status}`);
  for (const env of [ctx.staging, ctx.production]) {
    const applied = await waitForApply(ctx, env, ctx.tip);
    expectApplied(applied);
    ctx.t.show(checkRunLine(applied.run));
  }
  ctx.t.say(`(${applyCheckName(ctx.staging)} and ${applyCheckName(ctx.production)} are on commit ${ctx.tip.slice(0, 7)} of main)`);
}
