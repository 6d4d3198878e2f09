// What an end-to-end suite does to bosun, in a user's words: push a range of commits to the default branch,
// open and merge pull requests, comment a command, and wait for what GitHub would show (check runs, the bot's
// replies and reactions, deployments and their statuses) or for what reached the test cluster (kubectl).
// One repository per scenario; the harness (testkit/harness.ts) is started by the suite and read lazily,
// so a scenario can be declared beside the suite's other constants. Suites whose workers are `bosun worker`
// processes start the harness without in-process workers (`workers: false`) and use the same scenario.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { pushJobId, queueNames } from '../src/jobs.ts';
import { kubectlPath } from '../src/util/tools.ts';
import type { GitRepoBuilder } from './git-repo.ts';
import { waitFor, type Harness } from './harness.ts';
import { testKubeconfig } from './testenv/inject.ts';

const run = promisify(execFile);

export type Json = Record<string, unknown>;

/** Commits before and after a push to a branch, as GitHub's push event carries them. */
export interface PushRange {
  before: string;
  after: string;
}

export interface Scenario {
  readonly owner: string;
  readonly name: string;
  /** Runs kubectl with the test cluster's admin kubeconfig; resolves to its stdout, rejects when it fails. */
  kubectl(...args: string[]): Promise<string>;
  /** Sends GitHub's push event for `range` (asserting bosun accepted it); resolves to the push job's id. */
  push(range: PushRange): Promise<string>;
  /** Waits until the push job `jobId` finished and returns what it returned. */
  pushResult(jobId: string): Promise<Json>;
  /** GitHub's pull_request `action` payload (opened, synchronize, closed…) for PR `pr` as the stand-in holds it now. */
  pullRequestPayload(pr: number, action: string): Promise<Json>;
  /** Sends pull_request `action` for PR `pr` as the stand-in holds it now (asserting bosun accepted it). */
  pullRequestEvent(pr: number, action: string): Promise<void>;
  /**
   * Opens a pull request of `head` into `main` by `user` (default alice), numbered `number` (default: the
   * next number): adds it to the stand-in and sends pull_request `opened`. Resolves to its number.
   */
  openPullRequest(head: { ref: string; sha: string }, opts?: { number?: number; user?: string; title?: string }): Promise<number>;
  /**
   * Merges `branch` into the checked-out default branch of `repo` with a merge commit, as GitHub's merge
   * button does, and marks PR `pr` merged at it. The push event is separate (`push`).
   */
  mergeBranch(repo: GitRepoBuilder, pr: number, branch: string, message?: string): Promise<PushRange>;
  /**
   * A pull request as a user makes one: branch `change-<pr>` off the default branch `main` of `repo`, one
   * commit titled `title` of what `change` writes, PR `pr` opened by `user` (default alice) in the stand-in,
   * then merged with `mergeBranch`. The push event is separate (`push`).
   */
  mergeChange(repo: GitRepoBuilder, pr: number, title: string, change: () => Promise<void>, user?: string): Promise<PushRange>;
  /** Comments `body` on PR `pr` as `user` and delivers the issue_comment event; returns the comment. */
  comment(pr: number, user: string, body: string): Promise<Json>;
  /** Whether comment `c` carries the reaction `content` (rocket when a command was taken, confused when refused). */
  reacted(c: Json, content: string): () => boolean;
  /** The bot's replies on PR `pr` (not its sticky comments), oldest first. */
  replies(pr: number): string[];
  /** Comments a command and waits for its reaction; returns the bot's first reply after it. */
  command(pr: number, user: string, body: string, reaction: 'rocket' | 'confused'): Promise<string | undefined>;
  /** The body of bosun's sticky plan comment on PR `pr` ('' before there is one). */
  planComment(pr: number): string;
  /** bosun's sticky plan comments on PR `pr` (the comments, not their bodies): one once bosun planned, never two. */
  planComments(pr: number): Json[];
  /**
   * PR `pr`'s plan report once it is final for head `sha` — its sticky comment names the head and every
   * `bosun…` check run on the head completed — else undefined. (A PR whose only change is a file bosun
   * skips may get no check run at all: it never reports final here.)
   */
  planReport(pr: number, sha: string): { comment: Json; runs: Json[] } | undefined;
  /** Check runs named `checkName` on `sha` (every check run on it without a name), oldest first. */
  checkRuns(sha: string, checkName?: string): Json[];
  /** Waits until there are `count` check runs named `checkName` on `sha` and the last of them completed. */
  completedRun(sha: string, checkName: string, opts?: { count?: number; timeoutMs?: number }): Promise<Json>;
  /** The GitHub Deployment of `sha` to `env`, if bosun created one. */
  deploymentOf(sha: string, env: string): Json | undefined;
  /** Statuses of a deployment, oldest first. */
  deploymentStates(deployment: Json): Json[];
  /** Waits until the deployment of `sha` to `env` exists and its latest status is `last`; returns all statuses. */
  finalStates(sha: string, env: string, last: string, timeoutMs?: number): Promise<Json[]>;
  /** Waits until no plan is queued, delayed or running. */
  plansIdle(): Promise<void>;
  /** Runs `use` with a Redis connection of its own (closed afterwards). */
  withRedis<T>(use: (redis: Redis) => Promise<T>): Promise<T>;
}

/** The scenario of repository `owner`/`name` on the harness `harness()` returns (started in beforeAll). */
export function scenario(owner: string, name: string, harness: () => Harness): Scenario {
  const h = (): Harness => harness();
  const self: Scenario = {
    owner,
    name,
    kubectl: async (...args) => (await run(kubectlPath(), ['--kubeconfig', testKubeconfig(), ...args])).stdout,
    push: async (range) => {
      const payload = h().gh.examplePayload('push', undefined, h().gh.repoPayload(owner, name), await h().gh.pushPayload(owner, name, range));
      const delivery = await h().send('push', payload);
      expect(delivery.status).toBeLessThan(300);
      return pushJobId({ deliveryId: delivery.deliveryId });
    },
    pushResult: async (jobId) => {
      const queue = new Queue(queueNames.push, { connection: { url: h().redisUrl }, prefix: h().prefix });
      try {
        return await waitFor('the push job to finish', async () => {
          const job = await queue.getJob(jobId);
          if (!job || !(await job.isCompleted())) return undefined;
          // Read it again: the first read may predate the completion, and then has no return value yet.
          return ((await queue.getJob(jobId))?.returnvalue as Json | undefined) ?? undefined;
        });
      } finally {
        await queue.close();
      }
    },
    pullRequestPayload: async (pr, action) => h().gh.examplePayload('pull_request', action, h().gh.repoPayload(owner, name), { number: pr, pull_request: await h().gh.pullPayload(owner, name, pr) }),
    pullRequestEvent: async (pr, action) => {
      expect((await h().send('pull_request', await self.pullRequestPayload(pr, action))).status).toBeLessThan(300);
    },
    openPullRequest: async (head, opts = {}) => {
      const pr = await h().gh.addPullRequest({ owner, repo: name, ...(opts.number === undefined ? {} : { number: opts.number }), ...(opts.title === undefined ? {} : { title: opts.title }), head, base: { ref: 'main' }, user: opts.user ?? 'alice' });
      await self.pullRequestEvent(Number(pr.number), 'opened');
      return Number(pr.number);
    },
    mergeBranch: async (repo, pr, branch, message = `Merge pull request #${pr} from ${owner}/${branch}`) => {
      const before = await repo.revParse();
      // Committed by the builder, so the merge commit's committer time follows the others' (it orders applies).
      await repo.git('merge', '--no-ff', '--no-commit', '--quiet', branch);
      const after = await repo.commit(message);
      await h().gh.updatePullRequest(owner, name, pr, { merged: true, mergeCommitSha: after });
      return { before, after };
    },
    mergeChange: async (repo, pr, title, change, user = 'alice') => {
      const branch = `change-${pr}`;
      await repo.git('checkout', '--quiet', '-b', branch, 'main');
      await change();
      const head = await repo.commit(title);
      await repo.checkout('main');
      await h().gh.addPullRequest({ owner, repo: name, number: pr, title, head: { ref: branch, sha: head }, base: { ref: 'main' }, user });
      return self.mergeBranch(repo, pr, branch);
    },
    comment: async (pr, user, body) => {
      const c = h().gh.addComment({ owner, repo: name, issue: pr, user, body });
      const payload = h().gh.examplePayload('issue_comment', 'created', h().gh.repoPayload(owner, name), { issue: h().gh.issuePayload(owner, name, pr), comment: c });
      expect((await h().send('issue_comment', payload)).status).toBeLessThan(300);
      return c;
    },
    reacted: (c, content) => () => h().gh.reactions(Number(c.id)).some((r) => r.content === content),
    replies: (pr) => h().gh.comments(owner, name, pr)
      .filter((c) => (c.user as Json).login === h().gh.botLogin && !String(c.body).startsWith('<!-- bosun:'))
      .map((c) => String(c.body)),
    command: async (pr, user, body, reaction) => {
      const before = self.replies(pr).length;
      const c = await self.comment(pr, user, body);
      await waitFor(`${reaction} on "${body}"`, self.reacted(c, reaction), 90_000);
      return self.replies(pr)[before];
    },
    planComment: (pr) => String(self.planComments(pr)[0]?.body ?? ''),
    planComments: (pr) => h().gh.comments(owner, name, pr).filter((c) => String(c.body).startsWith('<!-- bosun:plan -->')),
    planReport: (pr, sha) => {
      const comment = self.planComments(pr)[0];
      const runs = self.checkRuns(sha).filter((r) => String(r.name).startsWith('bosun'));
      if (!comment || !String(comment.body).includes(sha.slice(0, 7)) || runs.length === 0 || runs.some((r) => r.status !== 'completed')) return undefined;
      return { comment, runs };
    },
    checkRuns: (sha, checkName) => h().gh.checkRuns(owner, name, sha).filter((r) => checkName === undefined || r.name === checkName).sort((a, b) => Number(a.id) - Number(b.id)),
    completedRun: (sha, checkName, opts = {}) => {
      const count = opts.count ?? 1;
      return waitFor(`${count > 1 ? `${count} completed ` : ''}${checkName}${count > 1 ? '' : ' completed'} on ${sha.slice(0, 7)}`, () => {
        const runs = self.checkRuns(sha, checkName);
        return runs.length >= count && runs[count - 1]?.status === 'completed' ? runs[count - 1] : undefined;
      }, opts.timeoutMs ?? 90_000);
    },
    deploymentOf: (sha, env) => h().gh.deployments(owner, name).find((d) => d.sha === sha && d.environment === env),
    deploymentStates: (deployment) => h().gh.deploymentStatuses(Number(deployment.id)).sort((a, b) => Number(a.id) - Number(b.id)),
    finalStates: (sha, env, last, timeoutMs = 60_000) => waitFor(`the ${last} deployment status of ${sha.slice(0, 7)} in ${env}`, () => {
      const deployment = self.deploymentOf(sha, env);
      if (!deployment) return undefined;
      const states = self.deploymentStates(deployment);
      return states.at(-1)?.state === last ? states : undefined;
    }, timeoutMs),
    plansIdle: async () => {
      const queue = new Queue(queueNames.plan, { connection: { url: h().redisUrl }, prefix: h().prefix });
      try {
        await waitFor('no plan queued or running', async () => Object.values(await queue.getJobCounts('active', 'waiting', 'delayed', 'prioritized')).every((n) => n === 0));
      } finally {
        await queue.close();
      }
    },
    withRedis: async (use) => {
      const redis = new Redis(h().redisUrl);
      try {
        return await use(redis);
      } finally {
        redis.disconnect();
      }
    },
  };
  return self;
}
