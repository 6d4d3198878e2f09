// The exactly-once outcomes every chaos suite holds bosun to, read as a user reads GitHub and the cluster:
// one sticky plan comment per pull request showing its last head; one plan check run per environment per
// head (exactly one on the last head, completed as success: every change is valid); every merge applied once (one apply check run and one
// GitHub deployment per environment, the deployment with exactly one terminal status: success); and the
// cluster holding what was merged. Each check returns the problems it found, so a failure lists them all.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { queueNames } from '../../src/jobs.ts';
import { kubectlPath } from '../../src/util/tools.ts';
import type { GitHubStandin } from '../github-standin/index.ts';
import { waitFor } from '../harness.ts';
import { testKubeconfig } from '../testenv/inject.ts';
import type { ChaosDriver } from './driver.ts';
import type { ChaosRepo } from './repo.ts';

const run = promisify(execFile);
type Json = Record<string, unknown>;

export const planMarker = '<!-- bosun:plan -->';
export const planCheckName = (env: string): string => `bosun / ${env}`;
export const applyCheckName = (env: string): string => `bosun / apply (${env})`;
const terminal = new Set(['success', 'failure', 'error']);
const short = (sha: string): string => sha.slice(0, 7);

export interface Subject {
  gh: GitHubStandin;
  owner: string;
  name: string;
  envs: readonly string[];
  driver: ChaosDriver;
}

const planComments = (s: Subject, pr: number): Json[] => s.gh.comments(s.owner, s.name, pr).filter((c) => String(c.body).startsWith(planMarker));
const runs = (s: Subject, sha: string, check: string): Json[] => s.gh.checkRuns(s.owner, s.name, sha).filter((r) => r.name === check);

/** Whether bosun has finished what the driver asked for: every last head commented and checked, every merge's applies completed. */
export function settled(s: Subject): boolean {
  for (const [pr, heads] of s.driver.heads) {
    const last = heads.at(-1)!;
    if (s.driver.merges.some((m) => m.pr === pr)) continue;
    if (!planComments(s, pr).some((c) => String(c.body).includes(short(last)))) return false;
    if (!s.envs.every((env) => runs(s, last, planCheckName(env)).some((r) => r.status === 'completed'))) return false;
  }
  const lastMerge = s.driver.merges.at(-1);
  if (lastMerge) {
    for (const env of s.envs) {
      if (!runs(s, lastMerge.sha, applyCheckName(env)).some((r) => r.status === 'completed')) return false;
      const d = s.gh.deployments(s.owner, s.name).find((x) => x.sha === lastMerge.sha && x.environment === env);
      if (!d || !s.gh.deploymentStatuses(Number(d.id)).some((st) => terminal.has(String(st.state)))) return false;
    }
  }
  return true;
}

/** Every way GitHub's record breaks exactly-once, as one line each (empty when none). */
export function exactlyOnceProblems(s: Subject): string[] {
  const problems: string[] = [];
  for (const [pr, heads] of s.driver.heads) {
    const comments = planComments(s, pr);
    const last = heads.at(-1)!;
    if (comments.length !== 1) problems.push(`#${pr}: ${comments.length} plan comments (want 1)`);
    else if (!String(comments[0].body).includes(short(last))) problems.push(`#${pr}: the plan comment does not show its last head ${short(last)}`);
    for (const head of heads) {
      for (const env of s.envs) {
        const found = runs(s, head, planCheckName(env));
        if (head === last) {
          if (found.length !== 1) problems.push(`#${pr}@${short(head)} (last head): ${found.length} "${planCheckName(env)}" check runs (want 1)`);
          else if (found[0].status !== 'completed' || found[0].conclusion !== 'success') problems.push(`#${pr}@${short(head)} (last head): "${planCheckName(env)}" is ${String(found[0].status)}/${String(found[0].conclusion)} (want completed/success)`);
        } else if (found.length > 1) {
          problems.push(`#${pr}@${short(head)}: ${found.length} "${planCheckName(env)}" check runs (want at most 1)`);
        }
      }
    }
  }
  const merges = s.driver.merges;
  merges.forEach((m, i) => {
    const lastOne = i === merges.length - 1;
    for (const env of s.envs) {
      const applied = runs(s, m.sha, applyCheckName(env));
      const deployments = s.gh.deployments(s.owner, s.name).filter((d) => d.sha === m.sha && d.environment === env);
      const where = `merge of #${pr(m)} (${short(m.sha)}) in ${env}`;
      if (applied.length > 1 || (lastOne && applied.length !== 1)) problems.push(`${where}: ${applied.length} apply check runs (want ${lastOne ? '1' : 'at most 1'})`);
      if (lastOne && applied.length === 1 && (applied[0].status !== 'completed' || applied[0].conclusion !== 'success')) {
        problems.push(`${where}: the apply check run is ${String(applied[0].status)}/${String(applied[0].conclusion)} (want completed/success)`);
      }
      if (deployments.length > 1 || (lastOne && deployments.length !== 1)) problems.push(`${where}: ${deployments.length} deployments (want ${lastOne ? '1' : 'at most 1'})`);
      for (const d of deployments) {
        const states = s.gh.deploymentStatuses(Number(d.id)).sort((a, b) => Number(a.id) - Number(b.id)).map((st) => String(st.state));
        const ends = states.filter((st) => terminal.has(st));
        if (ends.length > 1 || (lastOne && ends.length !== 1)) problems.push(`${where}: deployment statuses ${states.join(' → ')} (want exactly one terminal status)`);
        else if (lastOne && ends[0] !== 'success') problems.push(`${where}: deployment ended ${ends[0]} (want success)`);
      }
    }
  });
  return problems;
}

const pr = (m: { pr: number }): number => m.pr;

/** Waits until `settled` and no plan, command, push or apply job is queued, delayed or running. */
export async function waitSettled(s: Subject, redis: { url: string; prefix: string }, timeoutMs: number, note: string): Promise<void> {
  const queues = [queueNames.plan, queueNames.command, queueNames.push, queueNames.apply].map((q) => new Queue(q, { connection: { url: redis.url }, prefix: redis.prefix }));
  try {
    await waitFor(`bosun to finish every head and merge (${note})`, async () => {
      if (!settled(s)) return false;
      for (const q of queues) if (Object.values(await q.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).some((n) => n > 0)) return false;
      return true;
    }, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}; so far: ${exactlyOnceProblems(s).slice(0, 10).join('; ') || 'no exactly-once problem'}`);
    });
  } finally {
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** What the cluster must hold once the merges were applied: each merged PR's ConfigMap at its merged revision, in every environment. */
export async function clusterProblems(repo: ChaosRepo, driver: ChaosDriver): Promise<string[]> {
  const problems: string[] = [];
  for (const m of driver.merges) {
    for (const env of repo.envs) {
      const got = await run(kubectlPath(), ['--kubeconfig', testKubeconfig(), 'get', 'configmap', `pr-${m.pr}`, '-n', repo.namespace(env), '-o', 'jsonpath={.data.revision}'])
        .then((r) => r.stdout, (err: Error) => `(missing: ${err.message.split('\n')[0]})`);
      if (got !== String(m.revision)) problems.push(`${env}: ConfigMap pr-${m.pr} revision ${got} (want ${m.revision}, merged in ${short(m.sha)})`);
    }
  }
  return problems;
}

/** Deletes the suite's namespaces (without waiting). */
export async function deleteNamespaces(repo: ChaosRepo): Promise<void> {
  await run(kubectlPath(), ['--kubeconfig', testKubeconfig(), 'delete', 'namespace', ...repo.namespaces(), '--ignore-not-found', '--wait=false']).catch(() => undefined);
}
