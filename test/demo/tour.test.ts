// The local tour (`npm run demo -- --full`), run in-process against the shared test cluster: what a
// person reads in its transcript at each step, and that nothing it started is left afterwards.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { kubectlPath } from '../../src/util/tools.ts';
import { runTour, type TourResult } from '../../scripts/tour/run-tour.ts';
import { waitFor } from '../../testkit/harness.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';

const run = promisify(execFile);

describe('npm run demo -- --full: the local tour', () => {
  let result: TourResult;
  // Environment names of their own: on the shared cluster, bosun's inventory is kept per environment name.
  const suffix = randomBytes(2).toString('hex');
  const staging = `staging-${suffix}`;
  const production = `production-${suffix}`;
  const section = (title: RegExp): string => {
    const lines = result.transcript.split('\n');
    const start = lines.findIndex((l) => /^== \d+\. /.test(l) && title.test(l));
    expect(start, `a step titled ${title}`).toBeGreaterThanOrEqual(0);
    const end = lines.findIndex((l, i) => i > start && /^== \d+\. /.test(l));
    return lines.slice(start, end < 0 ? undefined : end).join('\n');
  };

  beforeAll(async () => {
    result = await runTour({ kubeconfig: testKubeconfig(), envNames: { staging, production } });
    if (!result.ok) process.stderr.write(`${result.transcript}\n`);
  }, 170_000);

  it('finishes every step, each with its elapsed time', () => {
    expect(result.failure).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.transcript.match(/\(step took \d+\.\d s; \d+\.\d s since the start\)/g)?.length).toBeGreaterThanOrEqual(8);
  });

  it('the pull request report names the objects the change touches, with risk classes, in the check runs and the comment', () => {
    const opened = section(/pull request is opened/);
    expect(opened).toMatch(new RegExp(`✔ bosun / ${staging} — success`));
    expect(opened).toMatch(new RegExp(`✔ bosun / ${production} — success`));
    expect(opened).toMatch(/bosun\[bot\] commented/);
    expect(opened).toMatch(/Deployment[^\n]*web/);
    expect(opened).toMatch(/ConfigMap[^\n]*web-config/);
    expect(opened).toMatch(/image/i);
    expect(opened).toMatch(/replicas/i);
    expect(opened).not.toMatch(/<!--|<details>|<summary>/);
  });

  it('the ChatOps plan command is acknowledged (👀, then 🚀) and planned again', () => {
    const command = section(/comments "\/bosun plan/);
    expect(command).toMatch(new RegExp(`alice comments on #\\d+:  /bosun plan ${staging}`));
    expect(command).toMatch(/bosun reacts: 👀 by bosun\[bot\]\s+\(the command was accepted\)/);
    expect(command).toMatch(/bosun reacts: 🚀 by bosun\[bot\]\s+\(the plan is done\)/);
    // The end state, in the order GitHub recorded the reactions: 👀 was added before 🚀, and nothing else.
    expect(command).toMatch(/Reactions on the comment, oldest first: 👀 by bosun\[bot\], 🚀 by bosun\[bot\]$/m);
    expect(command).toMatch(new RegExp(`✔ bosun / ${staging} — success`));
  });

  it('the merge is applied to both environments, healthy, and the objects are in the cluster', () => {
    const merged = section(/merged/);
    expect(merged).toMatch(new RegExp(`✔ bosun / apply \\(${staging}\\) — success: Applied [0-9a-f]{7} to ${staging}`));
    expect(merged).toMatch(new RegExp(`✔ bosun / apply \\(${production}\\) — success`));
    expect(merged).toMatch(/in_progress[^\n]*\n[^\n]*success/);
    expect(merged).toContain(`Health: healthy in ${staging} and ${production}`);
    expect(merged).toMatch(/deployment\.apps\/web\s+3\/3/);
    expect(merged).toContain('ghcr.io/acme/web:1.5.0');
  });

  it('a hand-made change is found: one drift issue naming the changed objects; selfHeal puts Git\'s state back', () => {
    const drift = section(/drift detected/);
    expect(drift).toMatch(new RegExp(`#\\d+ Drift in ${staging}\\s+\\[open\\]`));
    expect(drift).toMatch(/ConfigMap[^\n]*web-config/);
    expect(drift).toMatch(/Deployment[^\n]*web/);
    expect(drift).toContain('GREETING="hot-fixed by hand"');
    const healed = section(/selfHeal/);
    expect(healed).toMatch(new RegExp(`record for ${production}: healed`));
    expect(healed).toContain('GREETING="Hello from bosun"');
  });

  it('prints the dashboard URL and its token, and the dashboard behind it lists both environments', () => {
    const dashboard = section(/dashboard/i);
    expect(dashboard).toMatch(/Dashboard: http:\/\/127\.0\.0\.1:\d+\/dashboard/);
    expect(result.dashboard?.token.length).toBeGreaterThanOrEqual(16);
    expect(dashboard).toContain(result.dashboard!.token);
    expect(result.dashboard?.status).toBe(200);
    expect(dashboard).toContain(`the page lists ${staging} and ${production}`);
  });

  it('leaves nothing behind: namespaces gone, no Redis keys under its prefix, the stand-in closed', async () => {
    await expectNothingLeft(result, [staging, production]);
  });
});

describe('the tour stopped half-way (Ctrl-C)', () => {
  it('says where it stopped, cleans up everything it had started, and does not report success', async () => {
    const suffix = randomBytes(2).toString('hex');
    const envs = [`staging-${suffix}`, `production-${suffix}`];
    const stop = new AbortController();
    // Stop as soon as main's first deploy is under way: once the push is sent, the moment the staging
    // namespace exists on the cluster (bosun, the stand-in and the namespace exist by then).
    let stagingNamespace: string | undefined;
    let stopping: Promise<void> | undefined;
    const result = await runTour({
      kubeconfig: testKubeconfig(),
      envNames: { staging: envs[0], production: envs[1] },
      signal: stop.signal,
      out: (line) => {
        stagingNamespace ??= /\(namespace (bosun-tour-[0-9a-f]+-staging)\)/.exec(line)?.[1];
        if (line.includes('GitHub sends bosun the push of main')) {
          const namespace = stagingNamespace;
          if (!namespace) throw new Error('the tour did not name its staging namespace before the push');
          stopping = waitFor(`namespace ${namespace} on the cluster`, async () => (await namespaceExists(namespace)) || undefined, 60_000).then(() => stop.abort());
          stopping.catch(() => undefined); // awaited below, once the tour returned
        }
      },
    });
    await stopping;
    expect(result.ok).toBe(false);
    expect(result.transcript).toMatch(/FAILED at "Before the pull request: main is deployed": stopped \(Ctrl-C\)/);
    expect(result.transcript).toContain('Tour stopped; everything it started was removed.');
    expect(result.transcript).not.toContain('A pull request is opened');
    await expectNothingLeft(result, envs);
  }, 90_000);
});

async function namespaceExists(namespace: string): Promise<boolean> {
  return run(kubectlPath(), ['--kubeconfig', testKubeconfig(), 'get', 'namespace', namespace, '-o', 'name']).then(() => true, () => false);
}

async function expectNothingLeft(result: TourResult, envs: readonly string[]): Promise<void> {
  expect(result.cleanupFailures).toEqual([]);
  for (const ns of result.namespaces) {
    await expect(run(kubectlPath(), ['--kubeconfig', testKubeconfig(), 'get', 'namespace', ns])).rejects.toThrow(/not found/i);
  }
  const inventories = (await run(kubectlPath(), ['--kubeconfig', testKubeconfig(), 'get', 'configmaps', '-n', 'bosun-system', '-o', 'name'])).stdout;
  for (const env of envs) expect(inventories).not.toContain(`bosun-inventory-${env}`);
  const redis = new Redis(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    expect(result.redisPrefix).toMatch(/^bosun-tour-/);
    expect(await redis.keys(`${result.redisPrefix}:*`)).toEqual([]);
  } finally {
    redis.disconnect();
  }
  await expect(fetch(result.standinUrl!)).rejects.toThrow();
}
