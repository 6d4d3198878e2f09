// Races between plan requests for one pull request, driven in a fixed order through the real producers,
// real Redis and the real worker runtime. The plan processor here does what the real one does at the
// end: it posts the PR's comment for its head unless a newer head made it stale. What is asserted is
// what the PR's author sees: the PR's last head gets its comment, once.
//
// The order is forced with a TCP proxy in front of Redis for one producer: it lets that producer record
// its request (atomic, one script), then holds everything it sends next, so another request for the
// same PR can be recorded and placed in full before the held one places its job.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProducers, planDedupId, planJobId, planPartJobId, queueNames, stateKeys, type PlanJob, type PlanPartJob, type Producers } from '../../src/jobs.ts';
import { recordPlanRequest } from '../../src/jobs/plan-latest.ts';
import { startWorkers, type Processor } from '../../queue/index.ts';
import { planRequest, type CommandRun } from '../../queue/workflows/commands/command-run.ts';
import { aborted, commandJob, deferred, inspect, planJob, queueSuite, redisUrl, repo, sha, waitFor } from './support.ts';

/** A proxy to Redis that, once armed, forwards the command naming `marker` and then holds what clients send. */
class HoldingProxy {
  private server = net.createServer((client) => this.connect(client));
  private sockets = new Set<net.Socket>();
  private held: Array<{ to: net.Socket; chunk: Buffer }> = [];
  private holding = false;
  private marker?: string;
  private onHeld?: () => void;
  port = 0;

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves once a command containing `marker` went to Redis; from then on client data is held. */
  holdAfter(marker: string): Promise<void> {
    this.marker = marker;
    return new Promise((resolve) => {
      this.onHeld = resolve;
    });
  }

  /** Sends everything held, in order, and stops holding. */
  release(): void {
    this.holding = false;
    for (const { to, chunk } of this.held.splice(0)) to.write(chunk);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private connect(client: net.Socket): void {
    const target = new URL(redisUrl);
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    this.sockets.add(client).add(upstream);
    upstream.on('data', (chunk) => client.write(chunk));
    let tail = '';
    client.on('data', (chunk: Buffer) => {
      if (this.holding) {
        this.held.push({ to: upstream, chunk });
        return;
      }
      upstream.write(chunk);
      const text = tail + chunk.toString('latin1');
      tail = text.slice(-256);
      if (this.marker && text.includes(this.marker)) {
        this.marker = undefined;
        this.holding = true;
        this.onHeld?.();
      }
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }
}

describe('plan requests racing for one pull request', () => {
  const t = queueSuite();
  let proxy: HoldingProxy | undefined;
  let slow: Producers | undefined;
  afterEach(async () => {
    await slow?.close();
    await proxy?.close();
    slow = undefined;
    proxy = undefined;
  });

  /** What the PR shows: every comment update, in order, as `<pr>@<first char of the head>`. */
  const comments: string[] = [];
  /** Plans of these heads wait for the test to let them finish. */
  const gates = new Map<string, Promise<void>>();
  /** ...or stop when aborted (`<pr>@<head>` in `aborts`). */
  const abortable = new Set<string>();
  const aborts: string[] = [];
  const started: string[] = [];
  afterEach(() => {
    comments.length = 0;
    started.length = 0;
    aborts.length = 0;
    gates.clear();
    abortable.clear();
  });

  const processor: Processor<PlanJob> = async (data, ctx) => {
    started.push(data.headSha[0]);
    if (abortable.has(data.headSha)) {
      await Promise.race([gates.get(data.headSha), aborted(ctx.signal)]);
      if (ctx.signal.aborted) aborts.push(`${data.pr}@${data.headSha[0]}`);
    } else await gates.get(data.headSha);
    // As queue/workflows/plan: a plan a newer head made stale posts nothing.
    if (ctx.signal.aborted || (await ctx.supersededBy())) return 'not posted';
    comments.push(`${data.pr}@${data.headSha[0]}`);
    return 'posted';
  };

  const startPlanWorkers = (): void => {
    // The grace period is long so a superseded plan stays running until the test lets it finish.
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { plan: processor }, concurrency: 2, abortGraceMs: 60_000 });
  };

  /** A producer whose Redis traffic goes through the holding proxy. */
  const slowProducer = async (): Promise<{ producers: Producers; proxy: HoldingProxy }> => {
    proxy = new HoldingProxy();
    await proxy.listen();
    slow = createProducers(`redis://127.0.0.1:${proxy.port}`, { prefix: t.prefix });
    // Another PR first: the record script is loaded and the queue's connection is up before the hold.
    await slow.enqueuePlan(planJob({ pr: 99, headSha: sha('9') }));
    return { producers: slow, proxy };
  };

  /** Nothing left to run for the plan queue: no job waiting or running, no request stored behind one. */
  const idle = async (): Promise<boolean> => {
    const queue = inspect(queueNames.plan, t.prefix);
    try {
      const counts = await queue.getJobCounts('active', 'waiting', 'prioritized', 'delayed');
      const next = await t.redis.exists(`${t.prefix}:${queueNames.plan}:dn:${planDedupId(repo.fullName, 7)}`);
      return Object.values(counts).every((n) => n === 0) && next === 0;
    } finally {
      await queue.close();
    }
  };

  const latestKey = (): string => stateKeys(t.prefix).planLatest(repo.fullName, 7);

  it('a request recorded before a newer one but placed after it does not take the newer head\'s place in the queue', async () => {
    const { producers: held, proxy: gate } = await slowProducer();
    // The older request (head 1) is recorded, then held before it places its job.
    const holding = gate.holdAfter(latestKey());
    const older = held.enqueuePlan(planJob({ headSha: sha('1'), reason: 'opened' }));
    await holding;
    await waitFor('head 1 to be recorded', async () => (await t.redis.hget(latestKey(), 'sha')) === sha('1'));
    // The newer request (head 2) is recorded and placed in full meanwhile.
    expect(await t.producers.enqueuePlan(planJob({ headSha: sha('2') }))).toMatchObject({ status: 'queued' });
    gate.release();
    await older;

    startPlanWorkers();
    await waitFor('head 2 to be commented', () => comments.includes('7@2'), 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    expect(comments.filter((c) => c.startsWith('7@'))).toEqual(['7@2']);
  });

  it('a request recorded before a newer one but placed after it does not replace the newer one behind the running plan', async () => {
    startPlanWorkers();
    const first = deferred();
    gates.set(sha('0'), first.promise);
    await t.producers.enqueuePlan(planJob({ headSha: sha('0'), reason: 'opened' }));
    await waitFor('the plan of head 0 to run', () => started.includes('0'), 30_000);

    const { producers: held, proxy: gate } = await slowProducer();
    const holding = gate.holdAfter(latestKey());
    const older = held.enqueuePlan(planJob({ headSha: sha('1') }));
    await holding;
    await waitFor('head 1 to be recorded', async () => (await t.redis.hget(latestKey(), 'sha')) === sha('1'));
    // Head 2 waits behind the running plan of head 0 (BullMQ keepLastIfActive).
    await t.producers.enqueuePlan(planJob({ headSha: sha('2') }));
    gate.release();
    await older;
    first.resolve();

    await waitFor('head 2 to be commented', () => comments.includes('7@2'), 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    // Head 0's plan finished stale: nothing posted for it.
    expect(comments.filter((c) => c.startsWith('7@'))).toEqual(['7@2']);
  });

  it('the opening plan running while a /bosun plan and then a push arrive: the pushed head is commented once', async () => {
    startPlanWorkers();
    const first = deferred();
    gates.set(sha('1'), first.promise);
    await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'opened' }));
    await waitFor('the opening plan to run', () => started.includes('1'), 30_000);
    await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'command' }));
    await t.producers.enqueuePlan(planJob({ headSha: sha('2'), reason: 'synchronize' }));
    first.resolve();

    await waitFor('head 2 to be commented', () => comments.includes('7@2'), 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    expect(comments.filter((c) => c.startsWith('7@'))).toEqual(['7@2']);
  });

  it('a /bosun plan of the head being planned runs again after it: the head is commented twice, as asked', async () => {
    startPlanWorkers();
    const first = deferred();
    gates.set(sha('1'), first.promise);
    await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'opened' }));
    await waitFor('the opening plan to run', () => started.includes('1'), 30_000);
    const again = await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'command' }));
    expect(again.status).toBe('queued');
    first.resolve();
    gates.delete(sha('1'));

    await waitFor('two comment updates', () => comments.length === 2, 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    expect(comments).toEqual(['7@1', '7@1']);
  });

  it('a /bosun plan that read the head before a push was recorded does not displace the pushed head', async () => {
    startPlanWorkers();
    // The command read head 1 at `readAt`; head 2 was pushed and its webhook recorded afterwards.
    const readAt = Date.now() - 1_000;
    await t.producers.enqueuePlan(planJob({ headSha: sha('2'), reason: 'synchronize', seq: readAt + 500 }));
    // The request the /bosun plan handler makes from what it read.
    const run = { job: commandJob(), pr: { headSha: sha('1'), baseRef: 'main', baseSha: sha('b') }, readAt } as unknown as CommandRun;
    const stale = await t.producers.enqueuePlan(planRequest(run, run.job.deliveryId));
    expect(stale).toMatchObject({ status: 'superseded', by: { sha: sha('2') } });

    await waitFor('head 2 to be commented', () => comments.includes('7@2'), 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    expect(comments).toEqual(['7@2']);
  });

  it('a /bosun plan that read the newest head before that head\'s webhook was recorded still plans it again', async () => {
    startPlanWorkers();
    const first = deferred();
    gates.set(sha('2'), first.promise);
    const readAt = Date.now() - 1_000;
    // The webhook of head 2 was recorded after the command read head 2: its seq is the newer one.
    await t.producers.enqueuePlan(planJob({ headSha: sha('2'), reason: 'synchronize', seq: readAt + 500 }));
    await waitFor('the plan of head 2 to run', () => started.includes('2'), 30_000);
    const command = await t.producers.enqueuePlan(planJob({ headSha: sha('2'), reason: 'command', seq: readAt }));
    expect(command.status).toBe('queued');
    first.resolve();
    gates.delete(sha('2'));

    await waitFor('two comment updates', () => comments.length === 2, 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    expect(comments).toEqual(['7@2', '7@2']);
    // The newest head's seq did not go back.
    expect(Number(await t.redis.hget(latestKey(), 'seq'))).toBe(readAt + 500);
  });

  it('a notice of an older head that reaches a worker late does not abort the plan of the newest head', async () => {
    // Plans of these heads stop when aborted; a long poll: aborts come from the notices only.
    const gate2 = deferred();
    const gate3 = deferred();
    gates.set(sha('2'), gate2.promise);
    gates.set(sha('3'), gate3.promise);
    abortable.add(sha('2')).add(sha('3'));
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { plan: processor }, concurrency: 2, abortGraceMs: 60_000, supersedePollMs: 60_000 });
    await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'opened', seq: 1_000 }));
    await t.producers.enqueuePlan(planJob({ headSha: sha('2'), reason: 'synchronize', seq: 2_000 }));
    await waitFor('the plan of head 2 to run', () => started.includes('2'), 30_000);
    await t.producers.enqueuePlan(planJob({ pr: 8, headSha: sha('3'), reason: 'opened' }));
    await waitFor('the plan of #8 to run', () => started.includes('3'), 30_000);

    // Head 1's notice as a subscriber that fell behind reads it: after head 2's plan started.
    await t.redis.publish(stateKeys(t.prefix).supersededChannel, JSON.stringify({ key: latestKey(), sha: sha('1'), seq: '1000' }));
    // Then a real one for #8: once its plan is aborted, the worker has read the notice before it too.
    await t.producers.enqueuePlan(planJob({ pr: 8, headSha: sha('4'), reason: 'synchronize' }));
    await waitFor('the plan of #8 at head 3 to be aborted', () => aborts.includes('8@3'), 30_000);
    gate2.resolve();

    await waitFor('head 2 to be commented', () => comments.includes('7@2'), 30_000);
    await waitFor('the plan queue to be idle', idle, 30_000);
    expect(comments.filter((c) => c.startsWith('7@'))).toEqual(['7@2']);
    expect(aborts).toEqual(['8@3']);
  });

  it('a newer head\'s request BullMQ dropped while the PR\'s plan parked for its parts is placed again when that plan resumes stale', async () => {
    const part = deferred();
    // A plan in parts as queue/workflows/plan runs it: parks for its part, then posts unless stale; a plan
    // found stale places the PR's newest request again (its `superseded` hook).
    const parking: Processor<PlanJob> = Object.assign(async (data: PlanJob, ctx: Parameters<Processor<PlanJob>>[1]) => {
      started.push(data.headSha[0]);
      if ((await ctx.children.status()).total === 0 && data.headSha === sha('1')) {
        const { envs: _envs, commentId: _comment, ...plan } = data;
        await ctx.children.waitFor([{ kind: 'planPart', id: planPartJobId(ctx.job.id, 0), data: { ...plan, parentId: ctx.job.id, part: 0, parts: 1, envs: ['staging'] } }]);
      }
      if (ctx.signal.aborted || (await ctx.supersededBy())) return 'not posted';
      comments.push(`${data.pr}@${data.headSha[0]}`);
      return 'posted';
    }, { superseded: (data: PlanJob) => t.producers.placeNewestPlan(data.repo.fullName, data.pr) });
    const parts: Processor<PlanPartJob> = async () => {
      await part.promise;
      return 'rendered';
    };
    t.runtime = startWorkers({ connection: redisUrl, prefix: t.prefix, processors: { plan: parking, planPart: parts }, concurrency: 2, supersedePollMs: 60_000 });
    await t.producers.enqueuePlan(planJob({ headSha: sha('1'), reason: 'opened' }));
    const queue = inspect(queueNames.plan, t.prefix);
    try {
      await waitFor('the plan of head 1 to park for its part', async () => (await queue.getJobs(['waiting-children'])).length === 1, 30_000);
      // Head 2's request as it reads when the plan parked between the producer's look at it (active) and its
      // add: recorded as the PR's newest, and its job dropped by BullMQ as the parked plan's duplicate.
      const newer = { ...planJob({ headSha: sha('2'), reason: 'synchronize' }), seq: Date.now() };
      const keys = stateKeys(t.prefix);
      expect(await recordPlanRequest(t.redis, keys, newer, keys.seen(queueNames.plan, planJobId(newer)), { seenTtlMs: 60_000, latestTtlMs: 60_000 })).toMatchObject({ status: 'latest' });
      const added = await queue.add('plan', newer, { jobId: planJobId(newer), deduplication: { id: planDedupId(repo.fullName, 7), keepLastIfActive: true } });
      expect(added.id).not.toBe(planJobId(newer));
      expect(await queue.getJob(planJobId(newer))).toBeUndefined();
      part.resolve();
      await waitFor('head 2 to be commented', () => comments.includes('7@2'), 30_000);
      await waitFor('the plan queue to be idle', idle, 30_000);
    } finally {
      await queue.close();
    }
    expect(comments.filter((c) => c.startsWith('7@'))).toEqual(['7@2']);
    expect(started).toEqual(['1', '2']);
  });
});
