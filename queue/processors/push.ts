/**
 * The push job: a push to the default branch (a merge). Finds the environments the pushed commits
 * touch and queues one apply per environment that applies on merge and whose cluster is registered
 * here. The applies are ordered by the head commit's committer time, so an older push that arrives
 * (or is processed) after a newer one is never applied; it is reported as superseded instead.
 */
import { clusterNameOf } from '../../src/cli/commands/clusters.ts';
import type { ClusterRegistry } from '../../src/cluster/index.ts';
import { git } from '../../src/git/index.ts';
import type { MirrorCache } from '../../src/git/mirror.ts';
import type { EnqueueResult, Producers, PushJob } from '../../src/jobs.ts';
import { completeCheckRun, createCheckRun } from '../../src/github/index.ts';
import { BosunError, formatProblem } from '../../src/model/errors.ts';
import { affectedEnvironments, type AffectedEnvironment } from '../../src/plan/affected.ts';
import { scrub } from '../../src/util/scrub.ts';
import type { Processor } from '../types.ts';
import { reportSuperseded } from './apply.ts';
import type { GitHubAppAuth } from './installation-octokit.ts';

export interface PushProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  producers: Pick<Producers, 'enqueueApply'>;
  clusters?: ClusterRegistry;
}

export interface PushOutcome {
  sha: string;
  applies: Array<{ env: string; result: EnqueueResult['status'] }>;
  /** Affected environments not applied, and why. */
  skipped: Array<{ env: string; reason: string }>;
}

export function pushProcessor(deps: PushProcessorDeps): Processor<PushJob, PushOutcome> {
  return async (job, ctx) => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const repoRef = { fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl };
    await ctx.progress(`fetching ${job.repo.fullName} at ${job.after.slice(0, 7)}`);
    const mirror = await deps.mirrors.ensure(repoRef, token, [job.after]);
    // A force push may have taken `before` away: then everything at the new tip is affected.
    const base = job.before && (await deps.mirrors.ensure(repoRef, token, [job.before]).then(() => true, () => false)) ? job.before : undefined;
    const seq = Number((await git(['show', '-s', '--format=%ct', job.after], { cwd: mirror.dir })).trim()) * 1000;

    const outcome: PushOutcome = { sha: job.after, applies: [], skipped: [] };
    let affected: AffectedEnvironment[];
    try {
      affected = await affectedEnvironments({
        repoDir: mirror.dir,
        ...(base ? { base } : {}),
        head: job.after,
        repoUrls: [job.repo.cloneUrl, `https://github.com/${job.repo.fullName}`],
      });
    } catch (err) {
      if (!(err instanceof BosunError)) throw err;
      // The merged configuration is broken: nothing can be applied, and the commit says why.
      const owner = job.repo.owner;
      const repo = job.repo.name;
      const run = await createCheckRun(gh, { owner, repo, name: 'bosun / apply', headSha: job.after, status: 'in_progress' });
      await completeCheckRun(gh, {
        owner,
        repo,
        checkRunId: run.id,
        conclusion: 'failure',
        title: 'Nothing applied: the configuration is broken',
        summary: `bosun could not find the environments of \`${job.after.slice(0, 7)}\`, so nothing was applied. Fix it in a new pull request.\n\n\`\`\`\n${scrub(formatProblem(err.toProblem()))}\n\`\`\``,
      });
      outcome.skipped.push({ env: '*', reason: err.message });
      return outcome;
    }
    for (const { name, env } of affected) {
      if (!env) {
        outcome.skipped.push({ env: name, reason: 'removed from the configuration; its objects are not pruned by a merge yet' });
        continue;
      }
      if (!env.autoApply) {
        outcome.skipped.push({ env: name, reason: 'autoApply is off' });
        continue;
      }
      if (!deps.clusters?.clusters.has(clusterNameOf(env))) {
        outcome.skipped.push({ env: name, reason: `cluster ${clusterNameOf(env)} is not registered with this bosun` });
        continue;
      }
      const result = await deps.producers.enqueueApply({
        deliveryId: job.deliveryId,
        installationId: job.installationId,
        repo: job.repo,
        env: name,
        sha: job.after,
        trigger: 'merge',
        seq,
      });
      // Older than what the environment already has (webhooks out of order): say so on the commit.
      if (result.status === 'superseded') await reportSuperseded(gh, deps.auth.appId, { repo: job.repo, env: name, sha: job.after }, result.by);
      outcome.applies.push({ env: name, result: result.status });
    }
    await ctx.progress(`queued ${outcome.applies.filter((a) => a.result === 'queued').length} apply(s); skipped ${outcome.skipped.length}`);
    if (outcome.skipped.length > 0) ctx.log.info({ skipped: outcome.skipped }, 'affected environments not applied on merge');
    return outcome;
  };
}
