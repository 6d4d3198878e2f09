// `npm run soak [-- --minutes 30 --rate 2 --seed 1]`: steady webhooks against the real stack (Redis, the
// GitHub stand-in, `bosun serve` and two `bosun worker` processes, the test cluster) for N minutes, then the
// summary table; exits 1 naming every criterion that failed (2 on a usage error).
// The test cluster: the one in BOSUN_TEST_KUBECONFIG, otherwise one started (and stopped) here.
// Redis: BOSUN_SOAK_REDIS_URL, default database 8 of the Redis on 127.0.0.1:6379 (started when none answers).
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureRedis } from '../../testkit/redis.ts';
import { startTestCluster, type TestCluster } from '../../testkit/testenv/cluster.ts';
import { fullLimits } from './criteria.ts';
import { terminateAll } from '../../testkit/bosun-process.ts';
import { runSoak } from './run-soak.ts';

const say = (line: string): void => void process.stderr.write(`soak: ${line}\n`);

function number(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} ${text}: must be a number ≥ ${min}`);
  return n;
}

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({ args: argv, options: { minutes: { type: 'string' }, rate: { type: 'string' }, seed: { type: 'string' }, warmup: { type: 'string' }, window: { type: 'string' } } });
    const minutes = number('minutes', values.minutes, 30, 2);
    const window = number('window', values.window, Math.min(5, minutes / 3), 0.5);
    options = {
      minutes,
      windowMinutes: window,
      warmupMinutes: number('warmup', values.warmup, Math.min(5, minutes / 3), 0.5),
      perSecond: number('rate', values.rate, 2, 0.1),
      seed: number('seed', values.seed, 1, 0),
    };
    if (options.warmupMinutes + window > minutes) throw new Error(`--warmup plus --window (${options.warmupMinutes + window} min) must fit in --minutes ${minutes}`);
  } catch (err) {
    process.stderr.write(`bosun soak: ${err instanceof Error ? err.message : String(err)}\nusage: npm run soak -- [--minutes 30] [--rate 2] [--seed 1] [--warmup 5] [--window 5]\n`);
    return 2;
  }

  await ensureRedis({ log: say });
  let cluster: TestCluster | undefined;
  let kubeconfig = process.env.BOSUN_TEST_KUBECONFIG;
  if (kubeconfig && !existsSync(kubeconfig)) throw new Error(`BOSUN_TEST_KUBECONFIG=${kubeconfig} does not exist (cluster stopped?); unset it to let the soak start one`);
  if (!kubeconfig) {
    say('starting a test cluster (set BOSUN_TEST_KUBECONFIG to use a running one)');
    cluster = await startTestCluster({ log: say });
    kubeconfig = cluster.kubeconfigPath;
  }
  try {
    const result = await runSoak({
      ...options,
      limits: fullLimits,
      kubeconfig,
      redisUrl: process.env.BOSUN_SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379/8',
      log: say,
    });
    process.stdout.write(`\n${result.table}\n\n`);
    if (result.failed.length === 0) {
      process.stdout.write('soak: every criterion met\n');
      return 0;
    }
    process.stdout.write(`soak: FAILED — ${result.failed.map((r) => r.criterion).join('; ')}\n`);
    return 1;
  } finally {
    await cluster?.stop();
  }
}

// Ctrl-C: stop bosun's processes at once. The run's Redis keys stay until the next run drops them, its
// namespaces (soak-<id>-staging/production) until deleted by hand.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    terminateAll();
    process.exit(130);
  });
}
process.exit(await main(process.argv.slice(2)));
