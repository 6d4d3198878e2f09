// Step 4: someone changes the cluster by hand. bosun's reconcile of the environment (normally every
// `reconcileInterval`, triggered at once here) compares the live objects with main, records what it
// found, and opens one drift issue per environment — or, with `selfHeal: true`, re-applies Git.
import type { DriftRecord } from '../../src/jobs/env-status.ts';
import type { Producers, ReconcileJob } from '../../src/jobs.ts';
import { shellLine, type TourContext } from './context.ts';
import { deploymentLines, issueText } from './github-view.ts';
import type { TourEnv } from './repo.ts';

type Json = Record<string, unknown>;

/** The drift issue of `env`: labelled `bosun:drift`, its body starting with bosun's marker for the env. */
export function driftIssue(ctx: TourContext, env: TourEnv): Json | undefined {
  const marker = `<!-- bosun:drift env="${encodeURIComponent(env.name)}" -->`;
  return ctx.stack.gh.issues(ctx.owner, ctx.name, { state: 'all', labels: ['bosun:drift'] })
    .find((i) => String(i.body ?? '').trimStart().startsWith(marker));
}

/** Queues a reconcile of `env` now and waits until bosun recorded a check newer than this call. */
async function reconcileNow(ctx: TourContext, env: TourEnv): Promise<DriftRecord> {
  const producers = ctx.stack.bot.server!.producers as Producers & { enqueueReconcile?: (job: ReconcileJob) => Promise<unknown> };
  if (!producers.enqueueReconcile) throw new Error('this build of bosun cannot trigger a reconcile yet (producers.enqueueReconcile is missing)');
  const status = ctx.stack.bot.processors!.status;
  const asked = Date.now();
  await producers.enqueueReconcile({ installationId: ctx.info.installationId, repo: ctx.repoRef, env: env.name });
  ctx.t.say(`bosun reconciles ${env.name} (it would on its own every reconcileInterval, 10 minutes by default; the tour asks now).`);
  return ctx.wait(`the reconcile of ${env.name} to finish`, async () => {
    const drift = (await status.status(ctx.repoRef.fullName, env.name)).drift;
    return drift && drift.checkedAt >= asked ? drift : undefined;
  }, 90_000);
}

const greeting = (ctx: TourContext, env: TourEnv): Promise<string> =>
  ctx.kubectl('get', 'configmap', 'web-config', '-n', env.namespace, '-o', 'jsonpath={.data.GREETING}');

export async function handMadeDrift(ctx: TourContext): Promise<void> {
  const env = ctx.staging;
  ctx.t.say(`Someone "fixes" ${env.name} by hand, behind Git's back:`);
  const edits = [
    ['patch', 'configmap', 'web-config', '-n', env.namespace, '--type=merge', '-p', '{"data":{"GREETING":"hot-fixed by hand"}}'],
    ['scale', 'deployment', 'web', '-n', env.namespace, '--replicas=3'],
  ];
  for (const args of edits) {
    ctx.t.say(`$ ${shellLine('kubectl', args)}`);
    ctx.t.show(await ctx.kubectl(...args), '     ');
  }
  const drift = await reconcileNow(ctx, env);
  ctx.t.say(`bosun's record for ${env.name}: ${drift.state} — ${drift.summary}`);
  if (drift.state !== 'drifted') throw new Error(`the reconcile of ${env.name} found "${drift.state}" after the hand-made changes, not drift`);
  const issue = await ctx.wait(`the drift issue of ${env.name}`, () => driftIssue(ctx, env));
  ctx.t.say('');
  ctx.t.say(`On GitHub, the repository's Issues tab (selfHeal is off for ${env.name}, so bosun reports and changes nothing):`);
  ctx.t.show(issueText(issue, 30));
  ctx.t.say(`The cluster still has the hand-made value: GREETING="${await greeting(ctx, env)}".`);
}

/** With `selfHeal: true` bosun puts Git's state back itself and records it as a deployment. */
export async function selfHealedDrift(ctx: TourContext): Promise<void> {
  const env = ctx.production;
  const args = ['patch', 'configmap', 'web-config', '-n', env.namespace, '--type=merge', '-p', '{"data":{"GREETING":"hot-fixed by hand"}}'];
  ctx.t.say(`The same hand edit in ${env.name}, which has selfHeal: true:`);
  ctx.t.say(`$ ${shellLine('kubectl', args)}`);
  ctx.t.show(await ctx.kubectl(...args), '     ');
  const deploymentsBefore = ctx.stack.gh.deployments(ctx.owner, ctx.name).length;
  const drift = await reconcileNow(ctx, env);
  ctx.t.say(`bosun's record for ${env.name}: ${drift.state} — ${drift.summary}`);
  if (drift.state !== 'healed') throw new Error(`the reconcile of ${env.name} (selfHeal: true) ended "${drift.state}", not healed`);
  const value = await greeting(ctx, env);
  ctx.t.say(`The cluster has Git's value again: GREETING="${value}".`);
  const heal = ctx.stack.gh.deployments(ctx.owner, ctx.name).slice(deploymentsBefore).find((d) => d.environment === env.name);
  if (heal) {
    ctx.t.say('On GitHub, the heal is a deployment like any other:');
    ctx.t.show(deploymentLines(ctx.stack.gh, heal).join('\n'));
  }
  const issue = driftIssue(ctx, env);
  if (issue) {
    ctx.t.say(`and the drift issue of ${env.name} says so:`);
    ctx.t.show(issueText(issue, 12));
  }
}
