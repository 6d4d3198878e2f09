// The local end-to-end tour (`npm run demo -- --full`): a repository walked through a pull request
// against real bosun, real Redis, a real Kubernetes API server and the GitHub stand-in, printing what a
// person would see on GitHub at each step. Everything it starts is cleaned up, also when a step fails.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCleanup } from './cleanup.ts';
import { makeContext, type TourContext } from './context.ts';
import { playKubelet } from './kubelet.ts';
import { buildTourRepo, type TourEnv } from './repo.ts';
import { startStack, type Stack } from './stack.ts';
import { showDashboard, type DashboardInfo } from './step-dashboard.ts';
import { handMadeDrift, selfHealedDrift } from './step-drift.ts';
import { mergePullRequest } from './step-merge.ts';
import { openPullRequest } from './step-open-pr.ts';
import { planCommand } from './step-plan-command.ts';
import { setTheScene } from './step-scene.ts';
import { deleteTourObjects } from './tour-objects.ts';
import { createTranscript } from './transcript.ts';

export interface TourOptions {
  /** Admin kubeconfig of a running test cluster; default BOSUN_TEST_KUBECONFIG, else a cluster is started. */
  kubeconfig?: string;
  /** Each line as it is printed. */
  out?: (line: string) => void;
  /** Stops the tour (Ctrl-C); cleanup still runs. */
  signal?: AbortSignal;
  /** Called after the last step, before cleanup (`--keep`: wait for Ctrl-C). */
  beforeCleanup?: (dashboard: DashboardInfo | undefined) => Promise<void>;
  /** Environment names (default staging and production; tests on a shared cluster pick unique ones). */
  envNames?: { staging: string; production: string };
}

export interface TourResult {
  ok: boolean;
  /** The step that failed and why. */
  failure?: string;
  transcript: string;
  namespaces: string[];
  redisPrefix?: string;
  standinUrl?: string;
  dashboard?: DashboardInfo;
  /** Cleanup steps that failed (nothing should be left: each is a bug). */
  cleanupFailures: string[];
}

export const tourIntro = [
  'bosun tour: a pull request from opened to applied, and a hand-made drift, against real components.',
  'It starts Redis (if none answers), a test Kubernetes cluster (etcd + kube-apiserver + kube-controller-manager;',
  'on a fresh machine it builds them first: 5–8 minutes, with progress lines), the GitHub stand-in and bosun,',
  'and removes everything it started at the end (also on Ctrl-C or a failure).',
];

export async function runTour(opts: TourOptions = {}): Promise<TourResult> {
  const t = createTranscript(opts.out);
  const cleanup = createCleanup();
  const id = randomBytes(3).toString('hex');
  const names = opts.envNames ?? { staging: 'staging', production: 'production' };
  const staging: TourEnv = { name: names.staging, namespace: `bosun-tour-${id}-staging`, replicas: 1, selfHeal: false };
  const production: TourEnv = { name: names.production, namespace: `bosun-tour-${id}-production`, replicas: 2, selfHeal: true };
  const namespaces = [staging.namespace, production.namespace];
  const result: TourResult = { ok: false, transcript: '', namespaces, cleanupFailures: [] };
  let current = 'starting';
  const step = (title: string): void => {
    current = title;
    t.step(title);
  };

  for (const line of tourIntro) t.say(line);
  try {
    const work = await mkdtemp(join(tmpdir(), 'bosun-tour-'));
    cleanup.add(`the temp folder ${work}`, () => rm(work, { recursive: true, force: true }));

    step('Starting Redis, the test cluster, the GitHub stand-in and bosun');
    const stack: Stack = await startStack({
      work,
      ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
      say: (line) => t.say(line),
      cleanup,
      // Registered before bosun starts, so it runs after bosun stopped: nothing re-creates them.
      onCluster: (client) => cleanup.add(`the tour's namespaces ${namespaces.join(', ')}`, () => deleteTourObjects(client, namespaces, [staging.name, production.name])),
    });
    result.redisPrefix = stack.prefix;
    result.standinUrl = stack.gh.url;
    opts.signal?.throwIfAborted();

    const kubelet = playKubelet(stack.cluster, namespaces);
    cleanup.add('the played kubelet', () => kubelet.stop());
    t.say('The test cluster has no kubelet, so no Pod would ever start and no rollout would finish. The tour plays');
    t.say(`the kubelet for its own namespaces only: it reports each new Pod there Running and Ready. Nothing else is faked.`);

    const owner = 'acme';
    const name = 'web';
    const repo = await buildTourRepo(join(work, 'repo'), { staging, production, dependsOn: true });
    const info = await stack.gh.addRepo({ owner, name, gitDir: repo.git.dir, defaultBranch: 'main' });
    const maintainer = 'alice';
    stack.gh.setPermission(owner, name, maintainer, 'write');
    const ctx: TourContext = makeContext({
      stack, t, owner, name, repo, info, staging, production, maintainer,
      repoRef: { owner, name, fullName: `${owner}/${name}`, cloneUrl: info.cloneUrl, defaultBranch: 'main' },
      pr: 0,
      tip: repo.baseSha,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });

    step('Before the pull request: main is deployed');
    await setTheScene(ctx);
    step('A pull request is opened → bosun reports the plan');
    await openPullRequest(ctx);
    step(`A maintainer comments "/bosun plan ${staging.name}" → acknowledged and planned again`);
    await planCommand(ctx);
    step('The pull request is merged → applied, healthy');
    await mergePullRequest(ctx);
    step('A hand-made change in the cluster → drift detected');
    await handMadeDrift(ctx);
    step('The same in an environment with selfHeal → healed');
    await selfHealedDrift(ctx);
    step('The dashboard');
    result.dashboard = await showDashboard(ctx);
    t.end();
    result.ok = true;
    if (opts.beforeCleanup) await opts.beforeCleanup(result.dashboard);
  } catch (err) {
    const message = opts.signal?.aborted ? 'stopped (Ctrl-C)' : err instanceof Error ? err.message : String(err);
    result.failure = `${current}: ${message}`;
    t.say('');
    t.say(`FAILED at "${current}": ${message}`);
    t.end();
  }
  t.step('Cleaning up');
  result.cleanupFailures = await cleanup.run((line) => t.say(line));
  t.end();
  t.say('');
  const stopped = !result.ok && opts.signal?.aborted;
  const outcome = result.ok ? 'finished' : stopped ? 'stopped' : 'failed';
  t.say(result.cleanupFailures.length === 0
    ? `Tour ${outcome}; everything it started was removed.`
    : `Tour ${outcome}; ${result.cleanupFailures.length} thing(s) could not be cleaned up (see above).`);
  result.transcript = t.text();
  return result;
}
