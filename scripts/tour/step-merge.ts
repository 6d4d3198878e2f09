// Step 3: the pull request is merged. GitHub sends the push of main; bosun applies each environment
// (`bosun / apply (<env>)` check run, a GitHub Deployment with its statuses), waits for health, and the
// objects are in the cluster.
import { expectApplied, waitForApply } from './applies.ts';
import type { TourContext } from './context.ts';
import { checkRunLine, checkRunSummary, deploymentLines } from './github-view.ts';
import { prPayload } from './step-open-pr.ts';

export async function mergePullRequest(ctx: TourContext): Promise<void> {
  const { gh } = ctx.stack;
  const before = ctx.tip;
  await ctx.repo.git.git('merge', '--no-ff', '--quiet', '-m', `Merge pull request #${ctx.pr} from ${ctx.owner}/${ctx.repo.branch}`, ctx.repo.branch);
  const after = await ctx.repo.git.revParse('main');
  ctx.tip = after;
  await gh.updatePullRequest(ctx.owner, ctx.name, ctx.pr, { state: 'closed', merged: true, mergeCommitSha: after });
  ctx.t.say(`${ctx.maintainer} merges #${ctx.pr}: main moves ${before.slice(0, 7)} → ${after.slice(0, 7)}. GitHub sends "pull_request closed" and the push of main.`);
  const closed = await ctx.stack.send('pull_request', await prPayload(ctx, 'closed'));
  if (closed.status >= 300) throw new Error(`bosun answered the pull_request closed webhook with HTTP ${closed.status}`);
  const payload = gh.examplePayload('push', undefined, gh.repoPayload(ctx.owner, ctx.name), await gh.pushPayload(ctx.owner, ctx.name, { before, after }));
  const pushed = await ctx.stack.send('push', payload);
  if (pushed.status >= 300) throw new Error(`bosun answered the push webhook with HTTP ${pushed.status}`);

  const applied = [];
  for (const env of [ctx.staging, ctx.production]) {
    const one = await waitForApply(ctx, env, after);
    expectApplied(one);
    applied.push(one);
  }
  ctx.t.say('');
  ctx.t.say(`On GitHub, the checks of the merge commit ${after.slice(0, 7)}:`);
  for (const { run } of applied) {
    ctx.t.show(checkRunLine(run));
    ctx.t.show(checkRunSummary(run, 10), '         ');
  }
  ctx.t.say('');
  ctx.t.say('The repository\'s "Deployments" (statuses in the order bosun posted them):');
  const deployments = applied.flatMap((a) => (a.deployment ? [a.deployment] : []))
    .sort((a, b) => Number(a.id) - Number(b.id));
  for (const d of deployments) ctx.t.show(deploymentLines(gh, d).join('\n'));
  const healthy = applied.filter(({ run }) => /\*\*Health:\*\* healthy/.test(String((run.output as { summary?: string } | undefined)?.summary ?? '')));
  ctx.t.say(`Health: ${healthy.length === applied.length ? `healthy in ${applied.map((a) => a.env.name).join(' and ')}` : `${healthy.length} of ${applied.length} environments healthy`} (the rollouts finished: the played kubelet started the new Pods).`);
  if (healthy.length !== applied.length) throw new Error('an environment was applied but did not become healthy');

  ctx.t.say('');
  for (const env of [ctx.staging, ctx.production]) {
    ctx.t.say(`$ kubectl get deployment,service,configmap -n ${env.namespace}`);
    ctx.t.show(await ctx.kubectl('get', 'deployment,service,configmap', '-n', env.namespace), '     ');
  }
  const image = await ctx.kubectl('get', 'deployment', 'web', '-n', ctx.production.namespace, '-o', 'jsonpath={.spec.template.spec.containers[0].image}');
  ctx.t.say(`web in ${ctx.production.name} now runs ${image}.`);
}
