/**
 * The apply job: one environment at one commit of the default branch. The job layer has already made
 * sure no other job changes the environment and that no newer commit was requested or applied. On the
 * commit: a check run `bosun / apply (<env>)` (in progress, then per-object results, health and prune)
 * and a GitHub Deployment with `in_progress` then `success` / `failure`, whose log URL is the check run.
 */
import { clusterNameOf } from '../../src/cli/commands/clusters.ts';
import { applyEnvironment, connect, renderApplySummary, type ApplyReport, type ClusterRegistry } from '../../src/cluster/index.ts';
import type { MirrorCache } from '../../src/git/mirror.ts';
import {
  completeCheckRun,
  createCheckRun,
  createDeployment,
  findCheckRun,
  setDeploymentStatus,
  updateCheckRun,
  type CheckRunRef,
  type GitHubClient,
} from '../../src/github/index.ts';
import { isPermanent, type ApplyJob, type EnvStatusStore, type HealthVerdict, type Newer } from '../../src/jobs.ts';
import { BosunError, formatProblem } from '../../src/model/errors.ts';
import { loadDesiredState } from '../../src/plan/desired-state.ts';
import { scrub } from '../../src/util/scrub.ts';
import type { Processor } from '../types.ts';
import type { GitHubAppAuth } from './installation-octokit.ts';

export interface ApplyProcessorDeps {
  auth: GitHubAppAuth;
  mirrors: MirrorCache;
  clusters?: ClusterRegistry;
  /** Where the outcome of every apply is recorded (dashboard, promotion, rollback). */
  status?: EnvStatusStore;
}

export interface ApplyOutcome {
  env: string;
  sha: string;
  ok: boolean;
  checkRunId: number;
  deploymentId: number;
  counts?: ApplyReport['counts'];
}

export function applyCheckRunName(env: string): string {
  return `bosun / apply (${env})`;
}

/** The check run carries its deployment's id, so a retried attempt continues the same deployment. */
function externalIdOf(deploymentId: number): string {
  return `bosun-deployment-${deploymentId}`;
}

function deploymentOf(externalId: string | null): number | undefined {
  const match = /^bosun-deployment-(\d+)$/.exec(externalId ?? '');
  return match ? Number(match[1]) : undefined;
}

const short = (sha: string): string => sha.slice(0, 7);

export function applyProcessor(deps: ApplyProcessorDeps): Processor<ApplyJob, ApplyOutcome> {
  const processor = async (job: ApplyJob, ctx: Parameters<Processor<ApplyJob>>[1]): Promise<ApplyOutcome> => {
    const { client: gh, token } = await deps.auth.installation(job.installationId);
    const owner = job.repo.owner;
    const repo = job.repo.name;
    const name = applyCheckRunName(job.env);

    // A retried attempt finds the run (and through it the deployment) its predecessor left in progress.
    const existing = await findCheckRun(gh, owner, repo, job.sha, name, { appId: deps.auth.appId });
    const resumed = existing && existing.status !== 'completed' ? deploymentOf(existing.externalId) : undefined;
    let run: CheckRunRef;
    let deploymentId: number;
    if (existing && resumed !== undefined) {
      run = existing;
      deploymentId = resumed;
    } else {
      const deployment = await createDeployment(gh, {
        owner,
        repo,
        ref: job.sha,
        environment: job.env,
        description: `bosun ${job.trigger === 'merge' ? 'applies the merge' : 'applies'} ${short(job.sha)} to ${job.env}`,
        payload: { job: ctx.job.id, trigger: job.trigger, ...(job.pr ? { pr: job.pr } : {}) },
      });
      deploymentId = deployment.id;
      run = await createCheckRun(gh, {
        owner,
        repo,
        name,
        headSha: job.sha,
        status: 'in_progress',
        externalId: externalIdOf(deploymentId),
        title: `Applying to ${job.env}…`,
        summary: `Rendering, validating and applying \`${short(job.sha)}\` to \`${job.env}\`.`,
      });
      await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'in_progress', description: `Applying ${short(job.sha)} to ${job.env}`, logUrl: run.url });
    }

    const started = Date.now();
    const finish = async (ok: boolean, title: string, summary: string, text: string | undefined, description: string, report?: ApplyReport): Promise<void> => {
      await completeCheckRun(gh, { owner, repo, checkRunId: run.id, conclusion: ok ? 'success' : 'failure', title, summary, ...(text !== undefined ? { text } : {}) });
      await setDeploymentStatus(gh, { owner, repo, deploymentId, state: ok ? 'success' : 'failure', description, logUrl: run.url });
      await deps.status?.recordApply(job.repo.fullName, job.env, {
        sha: job.sha,
        seq: job.seq,
        trigger: job.trigger,
        ok,
        health: healthOf(report),
        at: Date.now(),
        durationMs: report?.durationMs ?? Date.now() - started,
        summary: report ? countsLine(report) : description,
        checkRunUrl: run.url,
        deploymentId,
        ...(job.pr ? { pr: job.pr } : {}),
        ...(job.requestedBy ? { requestedBy: job.requestedBy } : {}),
      });
    };
    const outcome = (ok: boolean, report?: ApplyReport): ApplyOutcome => ({
      env: job.env, sha: job.sha, ok, checkRunId: run.id, deploymentId, ...(report ? { counts: report.counts } : {}),
    });

    try {
      await ctx.progress(`fetching ${job.repo.fullName} at ${short(job.sha)}`);
      const mirror = await deps.mirrors.ensure({ fullName: job.repo.fullName, cloneUrl: job.repo.cloneUrl }, token, [job.sha]);
      const desired = await loadDesiredState({
        repoDir: mirror.dir,
        ref: job.sha,
        env: job.env,
        repoUrls: [job.repo.cloneUrl, `https://github.com/${job.repo.fullName}`],
        progress: Object.assign((message: string) => void ctx.progress(message), { done: () => undefined }),
      });
      const cluster = clusterNameOf(desired.env);
      if (!deps.clusters?.clusters.has(cluster)) {
        throw new BosunError({ kind: 'config', message: `\`${job.env}\` targets cluster \`${cluster}\`, which this bosun installation has no credentials for (BOSUN_CLUSTERS); ask its operator to register it` });
      }
      await ctx.progress(`applying ${desired.objects.length} object(s) to ${job.env} on ${cluster}`);
      const client = await connect(deps.clusters, cluster);
      let report: ApplyReport;
      try {
        report = await applyEnvironment({
          client,
          env: desired.env,
          objects: desired.objects,
          onProgress: (event) => void ctx.progress(`${event.stage}: ${event.message}`),
        });
      } finally {
        client.close();
      }
      const verdict = report.ok ? `Applied ${short(job.sha)} to ${job.env}` : `Apply of ${short(job.sha)} to ${job.env} failed`;
      await finish(report.ok, verdict, applySummaryMarkdown(job, report), `\`\`\`\n${renderApplySummary(report)}\`\`\`\n`, `${verdict}: ${countsLine(report)}`, report);
      return outcome(report.ok, report);
    } catch (err) {
      if (!(err instanceof BosunError) || !isPermanent(err)) {
        // The cluster, git or GitHub did not answer, or a bug: a retry continues this check run and deployment; the last
        // attempt closes both, so neither is left in progress.
        const message = scrub(err instanceof Error ? err.message : String(err));
        const last = isPermanent(err) || ctx.job.attemptsMade + 1 >= (ctx.job.attempts ?? 1);
        const report = last
          ? finish(false, `Apply of ${short(job.sha)} to ${job.env} failed`, `bosun gave up applying \`${short(job.sha)}\` to \`${job.env}\` after ${ctx.job.attemptsMade + 1} attempt(s): ${message}`, undefined, `Apply failed: ${message}`)
          : updateCheckRun(gh, { owner, repo, checkRunId: run.id, title: `Applying to ${job.env}…`, summary: `Attempt ${ctx.job.attemptsMade + 1} failed: ${message}; bosun tries again.` });
        await report.catch(() => undefined);
        throw err;
      }
      // The commit itself cannot be applied (render, validation, configuration): retrying changes nothing.
      // Not thrown, so the environment's "last applied" moves on and an older commit still cannot follow.
      const problem = scrub(formatProblem(err.toProblem()));
      await finish(false, `Nothing applied to ${job.env}`, `bosun could not apply \`${short(job.sha)}\` to \`${job.env}\`; nothing was changed in the cluster.\n\n\`\`\`\n${problem}\n\`\`\``, undefined, `Nothing applied: ${problem}`);
      return outcome(false);
    }
  };
  return Object.assign(processor, {
    superseded: async (job: ApplyJob, by: Newer | undefined) => {
      const { client: gh } = await deps.auth.installation(job.installationId);
      await reportSuperseded(gh, deps.auth.appId, job, by);
    },
  });
}

/**
 * An apply that will not run because a newer commit was requested or applied for its environment: its
 * check run (a new one, or the one an earlier attempt left open) says so, and so does its deployment.
 */
export async function reportSuperseded(gh: GitHubClient, appId: number, job: Pick<ApplyJob, 'repo' | 'env' | 'sha'>, by: Newer | undefined): Promise<void> {
  const owner = job.repo.owner;
  const repo = job.repo.name;
  const name = applyCheckRunName(job.env);
  const newer = by ? `\`${short(by.sha)}\`` : 'a newer commit';
  const existing = await findCheckRun(gh, owner, repo, job.sha, name, { appId });
  if (existing?.status === 'completed') return;
  const run = existing ?? await createCheckRun(gh, { owner, repo, name, headSha: job.sha, status: 'in_progress' });
  await completeCheckRun(gh, {
    owner,
    repo,
    checkRunId: run.id,
    conclusion: 'cancelled',
    title: `Superseded by ${by ? short(by.sha) : 'a newer commit'}`,
    summary: `\`${short(job.sha)}\` was not applied to \`${job.env}\`: it was superseded by ${newer}, which was merged later. bosun never applies an older commit after a newer one; see the newer commit's \`${name}\` check.`,
  });
  const deploymentId = deploymentOf(existing?.externalId ?? null);
  if (deploymentId !== undefined) {
    await setDeploymentStatus(gh, { owner, repo, deploymentId, state: 'inactive', description: `Superseded by ${by ? short(by.sha) : 'a newer commit'}`, logUrl: run.url });
  }
}

function healthOf(report: ApplyReport | undefined): HealthVerdict {
  return report?.health?.verdict ?? 'not-checked';
}

function countsLine(report: ApplyReport): string {
  const c = report.counts;
  const parts = [`${c.created} created`, `${c.configured} configured`, `${c.pruned} pruned`];
  if (c.failed) parts.push(`${c.failed} failed`);
  if (report.health) parts.push(report.health.verdict);
  return parts.join(', ');
}

function applySummaryMarkdown(job: ApplyJob, report: ApplyReport): string {
  const c = report.counts;
  const lines = [
    `${report.ok ? '✅' : '❌'} \`${short(job.sha)}\` → \`${job.env}\` on cluster \`${report.cluster}\` in ${(report.durationMs / 1000).toFixed(1)} s (${job.trigger}).`,
    '',
    '| created | configured | unchanged | pruned | skipped | failed |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${c.created} | ${c.configured} | ${c.unchanged} | ${c.pruned} | ${c.skipped} | ${c.failed} |`,
    '',
  ];
  if (report.health) {
    const h = report.health;
    const healthy = h.objects.filter((o) => o.status === 'healthy').length;
    lines.push(`**Health:** ${h.verdict} (${healthy} of ${h.objects.length} healthy after ${(h.elapsedMs / 1000).toFixed(1)} s)`);
  } else {
    lines.push('**Health:** not checked');
  }
  const prunes = report.objects.filter((o) => o.stage === 'prune');
  lines.push(`**Prune:** ${report.pruned} deleted${prunes.length > report.pruned ? `, ${prunes.length - report.pruned} kept` : ''}`);
  for (const note of report.notes) lines.push(`- ${note}`);
  return lines.join('\n');
}
