// The malicious Fleet pull requests (malicious-fleet-cases.ts) through `bosun plan`, as a CI job on a fork's
// pull request runs it, with the cluster registry an operator of a Fleet repository gives it: the sandbox on
// (the default), canaries planted. Each case ends non-green — the plan fails (exit 1, 2) or cannot judge the
// change (exit 3: a discovery note, the file uncovered) — naming the file and field, and leaks nothing.
// The verdict of each case is malicious-plan.test.ts's (malicious-verdicts.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import { repoUrl, type MaliciousCase } from './malicious-cases.ts';
import { fleetClusters, maliciousFleetCases } from './malicious-fleet-cases.ts';
import { expectPlanVerdict, listingCanaries } from './malicious-verdicts.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

describe('malicious Fleet pull requests through bosun plan (sandbox on, a cluster registry)', () => {
  let canaries: Canaries;
  let work: string;
  let cases: MaliciousCase[];
  let repo: CaseRepo;
  let clusters: string;

  beforeAll(async () => {
    canaries = await plantCanaries();
    cases = maliciousFleetCases(canaries);
    work = await mkdtemp(join(tmpdir(), 'bosun-malicious-fleet-'));
    repo = await buildCaseRepo(join(work, 'repo'), cases);
    clusters = join(work, 'clusters.yaml');
    await writeFile(clusters, fleetClusters);
  }, 120_000);

  afterAll(async () => {
    await canaries?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('plans the bundles on the registry\'s cluster: a plain change to a bundle is rendered there', async () => {
    // Without this the cases below could pass without Fleet rendering anything ("no target cluster").
    await repo.repo.git('checkout', '-q', '-b', 'plain', repo.baseSha);
    await repo.repo.write('fleet/web/fleet.yaml', 'defaultNamespace: web\n');
    await repo.repo.write('fleet/web/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: b}\n');
    const sha = await repo.repo.commit('a plain bundle');
    await repo.repo.git('checkout', '-q', 'main');
    const run = await runCli(['plan', '--repo', repo.repo.dir, '--base', repo.baseSha, '--head', sha, '--format', 'json', '--repo-url', repoUrl, '--clusters', clusters]);
    // The base's clusters/app folder is an environment only while no bundle exists (the fallback); with the
    // bundle it is removed, on cluster `app`, which this registry lacks: a deletion the App's merge never
    // carries out, so the one thing the plan cannot judge (exit 3, issue #11; plan/unregistered-clusters.ts).
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/cannot judge 1 changed file\(s\): clusters\/app \(/);
    const plan = JSON.parse(run.stdout) as { environments: Array<{ name: string; lifecycle?: string; changes: Array<{ action: string; kind: string; name: string }> }>; discovery?: Array<{ status: string; name: string; reason: string }> };
    expect(plan.environments.find((e) => e.name === 'fleet/web@downstream')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['create ConfigMap plain']);
    expect(plan.environments.find((e) => e.name === 'app')?.lifecycle).toBe('removed');
    expect(plan.discovery?.filter((n) => n.status === 'not-previewed').map((n) => `${n.name}: ${n.reason.split(':')[0]}`)).toEqual(['app: the cluster `app` of its folder `clusters/app` is not in the cluster registry, which defines `downstream`']);
  }, 120_000);

  for (const c of maliciousFleetCases(listingCanaries)) {
    it(`${c.id}: ${c.title}`, async () => {
      const head = repo.heads.get(c.id)!;
      const run = await runCli(['plan', '--repo', repo.repo.dir, '--base', repo.baseSha, '--head', head.sha, '--format', 'json', '--repo-url', repoUrl, '--clusters', clusters]);
      await expectPlanVerdict(run, cases.find((x) => x.id === c.id)!, canaries);
    }, 120_000);
  }
});
