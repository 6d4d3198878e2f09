// Chaos: `bosun worker` processes SIGKILLed at 20 seeded points of the plan and apply pipelines. Two
// workers run (as separate processes, on a redis-server of this test's own, with `bosun serve`, the GitHub
// stand-in and the test cluster); a seeded generator picks which one dies and after how many more job
// lines (progress of a plan or an apply, a job starting or ending), and a fresh worker replaces each one
// killed. Meanwhile pull requests are opened, pushed to and merged. Once bosun is done: every pull request
// commented once at its last head, one plan check run per environment per head, every merge applied once
// (the last one to every environment with one deployment and one terminal status), the cluster at the
// merged commits. The seed is in every failure message; BOSUN_CHAOS_SEED=<seed> replays the choices.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosDriver } from '../../testkit/chaos/driver.ts';
import { startKiller } from '../../testkit/chaos/killer.ts';
import { clusterProblems, deleteNamespaces, exactlyOnceProblems, waitSettled } from '../../testkit/chaos/outcomes.ts';
import { OwnRedis } from '../../testkit/chaos/own-redis.ts';
import { buildChaosRepo, type ChaosRepo } from '../../testkit/chaos/repo.ts';
import { chaosSeed, seededRandom } from '../../testkit/chaos/seed.ts';
import { startChaosStack, type ChaosStack } from '../../testkit/chaos/stack.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';

const owner = 'acme';
const name = 'chaos-kills';
const killCount = 20;
/** Pause between two events of the driver: work keeps coming while the workers are being killed. */
const paceMs = 1_500;
const { seed, note } = chaosSeed('chaos-worker-kills');

// Seed 2 once lost two pull requests' last-head plans: a plan whose worker was killed and whose next worker
// was killed too was failed by BullMQ (one stall allowed) without a report; workers now allow five
// (queue/runtime.ts maxStalls, test/queue/stalls.test.ts). Seeds 1 and 2 pass in 130-310 s at load 2-8; at
// load ~17 one early run made only 11 of its 20 kills in the 5 minutes it sends events (a replacement worker
// took ~20 s to start there), which fails the kill count, not an outcome.
describe('chaos: workers SIGKILLed at 20 seeded points of plan and apply', () => {
  let redis: OwnRedis;
  let stack: ChaosStack;
  let repo: ChaosRepo;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-chaos-kills-'));
    redis = await OwnRedis.start(work);
    repo = await buildChaosRepo(randomBytes(3).toString('hex'));
    stack = await startChaosStack({
      work,
      redisUrl: redis.url,
      clustersFile: await writeTestClusterRegistry(join(work, 'clusters.yaml')),
      owner,
      name,
      gitDir: repo.git.dir,
      workers: 2,
      // A killed worker's job and environment lease are taken over within seconds.
      env: { BOSUN_JOB_LOCK_MS: '3000', BOSUN_ENV_LEASE_MS: '3000' },
    });
  });

  afterAll(async () => {
    await stack?.close();
    await redis?.kill();
    if (repo) {
      await deleteNamespaces(repo);
      await rm(repo.git.dir, { recursive: true, force: true });
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('comments every PR once at its last head and applies every merge once', { timeout: 480_000 }, async () => {
    const random = seededRandom(seed);
    const driver = chaosDriver(stack, repo, owner, name);
    const killer = startKiller(stack, { count: killCount, random: seededRandom(seed + 1), maxLines: 4 });
    const open: number[] = [];
    let next = 1;
    let events = 0;
    const until = Date.now() + 300_000;
    // Work keeps coming until the 20th kill: a new PR, a push to an open one, or a merge (every 5th event).
    while (killer.kills.length < killCount && Date.now() < until) {
      events++;
      if (open.length < 2 || (events % 5 !== 0 && random() < 0.4)) {
        const pr = next++;
        await driver.open(pr);
        open.push(pr);
      } else if (events % 5 === 0) {
        const pr = open.splice(Math.floor(random() * open.length), 1)[0];
        await driver.merge(pr);
      } else {
        await driver.push(open[Math.floor(random() * open.length)]);
      }
      await sleep(paceMs);
    }
    killer.stop();
    await killer.done;
    const story = `${note}; kills: ${killer.kills.map((k) => `${k.worker} after ${k.after}`).join(' | ')}`;
    expect(killer.kills.length, story).toBe(killCount);
    expect(driver.merges.length, story).toBeGreaterThan(0);

    await waitSettled({ gh: stack.gh, owner, name, envs: repo.envs, driver }, { url: redis.url, prefix: 'bosun' }, 240_000, story);
    expect(exactlyOnceProblems({ gh: stack.gh, owner, name, envs: repo.envs, driver }), story).toEqual([]);
    expect(await clusterProblems(repo, driver), story).toEqual([]);
    expect(stack.gh.problems(), story).toEqual([]);
  });
});
