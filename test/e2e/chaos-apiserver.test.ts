// Chaos: the Kubernetes API server going away while bosun applies merges to three environments (bosun's
// server and workers in this process on real Redis, the GitHub stand-in, the test cluster behind a TCP gate
// of this test's own, so other suites' use of the cluster is undisturbed). Modelled at the network, not by
// restarting the shared API server: "restarted mid-apply" is every open connection cut and new ones refused
// for a few seconds once an apply is in progress; "unreachable for 60 s" is the same for a minute during
// the fan-out of a merge to every environment. Either way each merge must be applied once: one apply
// check run and one deployment per environment with exactly one terminal status (success), and the
// cluster at the merged commit.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chaosDriver, type ChaosDriver, type Merge } from '../../testkit/chaos/driver.ts';
import { applyCheckName, clusterProblems, deleteNamespaces, exactlyOnceProblems, waitSettled } from '../../testkit/chaos/outcomes.ts';
import { buildChaosRepo, type ChaosRepo } from '../../testkit/chaos/repo.ts';
import { startTcpGate, type TcpGate } from '../../testkit/chaos/tcp-gate.ts';
import { redisUrl, startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';

const owner = 'acme';
const name = 'chaos-apiserver';
const envs = ['staging', 'qa', 'production'];
const restartMs = 5_000;
const outageMs = 60_000;

describe('chaos: the API server restarted mid-apply and unreachable for 60 s during a merge fan-out', () => {
  let h: Harness;
  let repo: ChaosRepo;
  let gate: TcpGate;
  let work: string;
  let driver: ChaosDriver;
  const subject = () => ({ gh: h.gh, owner, name, envs, driver });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-chaos-apiserver-'));
    repo = await buildChaosRepo(randomBytes(3).toString('hex'), envs);
    gate = await startTcpGate(testKubeconfig(), work);
    const clustersFile = join(work, 'clusters.yaml');
    await writeFile(clustersFile, `clusters:\n  test:\n    kubeconfig: ${gate.kubeconfigPath}\n`);
    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.git.dir, defaultBranch: 'main' });
    driver = chaosDriver({ gh: h.gh, send: (event, payload) => h.send(event, payload) }, repo, owner, name);
    for (const pr of [1, 2]) await driver.open(pr);
    // Both pull requests planned (apply preview included) before any merge cuts the API server: the outage
    // is the merge's, and a plan previewed while it lasts would rightly say it could not check its objects.
    await waitSettled(subject(), { url: redisUrl, prefix: h.prefix }, 180_000, 'the pull requests planned before any merge');
  }, 300_000);

  afterAll(async () => {
    await h?.close();
    await gate?.close();
    if (repo) {
      await deleteNamespaces(repo);
      await rm(repo.git.dir, { recursive: true, force: true });
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  /** Merges `pr` and, once an apply of the merge is in progress, shuts the gate for `ms`; returns what was running then. */
  const mergeWithOutage = async (pr: number, ms: number): Promise<{ merge: Merge; inProgress: string[] }> => {
    const merge = await driver.merge(pr);
    const inProgress = await waitFor(`an apply of #${pr} in progress`, () => {
      const running = envs.filter((env) => h.gh.checkRuns(owner, name, merge.sha).some((r) => r.name === applyCheckName(env) && r.status === 'in_progress'));
      return running.length > 0 ? running : undefined;
    }, 120_000);
    gate.shut();
    await sleep(ms);
    gate.open();
    return { merge, inProgress };
  };

  it('applies a merge once when the API server restarts mid-apply', { timeout: 300_000 }, async () => {
    const { inProgress } = await mergeWithOutage(1, restartMs);
    const note = `cut while applying to ${inProgress.join(', ')}`;
    await waitSettled(subject(), { url: redisUrl, prefix: h.prefix }, 180_000, note);
    expect(exactlyOnceProblems(subject()), note).toEqual([]);
    expect(await clusterProblems(repo, driver), note).toEqual([]);
  });

  // With the API server unreachable for 60 s, each environment's apply used to end once, but as `failure` (its
  // attempts and the cluster client's retries were spent within the minute), and the merge was not applied when
  // the server came back; an unavailable API server now delays the apply job (queue/workflows/apply/apply-run.ts).
  it('applies a merge to every environment once when the API server is unreachable for 60 s during the fan-out', { timeout: 360_000 }, async () => {
    const refusedBefore = gate.refused;
    const { inProgress } = await mergeWithOutage(2, outageMs);
    const note = `unreachable from the apply of ${inProgress.join(', ')} on`;
    expect(gate.refused - refusedBefore, `${note}: bosun tried to reach the API server meanwhile`).toBeGreaterThan(0);
    await waitSettled(subject(), { url: redisUrl, prefix: h.prefix }, 240_000, note);
    expect(exactlyOnceProblems(subject()), note).toEqual([]);
    expect(await clusterProblems(repo, driver), note).toEqual([]);
    expect(h.gh.problems()).toEqual([]);
  });
});
