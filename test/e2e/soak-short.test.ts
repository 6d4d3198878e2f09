// The soak (scripts/soak, `npm run soak`) for 3 minutes: the same stack, load and criteria as the
// 30-minute run, with 1-minute windows. Relaxed only where 3 minutes cannot measure what 30 can: memory
// after a 1-minute warm-up still carries start-up growth (limit +25 %), and a 1-minute window holds
// ~100 deliveries and ~25 comments, so its p99 is its slowest one: on a busy 2-core machine the floors are
// wider (+1 s for the webhook answer, +5 s for the comment) — a real slowdown still shows as a ratio.
import { describe, expect, it } from 'vitest';
import { fullLimits } from '../../scripts/soak/criteria.ts';
import { runSoak } from '../../scripts/soak/run-soak.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';

/** `bosun serve` and `bosun worker` have no key-prefix setting: the soak gets a Redis database of its own. */
const redisUrl = (() => {
  const url = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/8';
  return url.toString();
})();

// Not in `npm test`'s run: alongside the other suites the driver (a real commit per event) offers
// 0.12-0.17 events a second on this 2-core machine, below the floor below, so it would fail on the load, not
// on bosun. CI runs it on its own right after `npm test` (`npm run test:soak-short`, which sets
// BOSUN_SOAK_SHORT=1). The head an earlier run missed led to three fixed races (docs/benchmarks.md, "The
// missed head"; test/queue/plan-race.test.ts).
describe.skipIf(process.env.BOSUN_SOAK_SHORT !== '1')('soak, 3 minutes', () => {
  it('answers every webhook, comments every pull request head at a steady latency, and leaks no memory, processes, descriptors, checkouts or Redis keys', async () => {
    const result = await runSoak({
      minutes: 3,
      warmupMinutes: 1,
      windowMinutes: 1,
      perSecond: 2,
      seed: 1,
      limits: { ...fullLimits, ackFloorMs: 1_000, commentFloorMs: 5_000, rssGrowth: 0.25 },
      kubeconfig: testKubeconfig(),
      redisUrl,
      log: (line) => (process.env.BOSUN_E2E_LOG || line.startsWith('#')) && process.stderr.write(`soak: ${line}\n`),
    });
    process.stderr.write(`\n${result.table}\n`);
    expect(result.failed.map((r) => `${r.criterion}: ${r.measured} (limit ${r.limit})`)).toEqual([]);
    // The load really ran, every kind of event among it. It aims at 2 a second; the driver makes a real
    // commit for most events, and on a machine loaded far beyond its 2 cores it falls behind (at a load
    // average of 28 it made 0.5 a second), so the floor is one every 3 seconds.
    expect(result.measurements.deliveries.length).toBeGreaterThan(60);
    expect(new Set(result.measurements.deliveries.map((d) => d.kind))).toEqual(new Set(['opened', 'synchronize', 'closed', 'comment', 'push']));
  }, 15 * 60_000);
});
