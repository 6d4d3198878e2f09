// The malicious Fleet pull requests (malicious-fleet-cases.ts) through `bosun plan`, as a CI job on a fork's
// pull request runs it, with the cluster registry an operator of a Fleet repository gives it: the sandbox on
// (the default), canaries planted. Each case ends non-green — the plan fails (exit 1, 2) or cannot judge the
// change (exit 3: a discovery note, the file uncovered) — naming the file and field, and leaks nothing.
// `problems` and `matches` are malicious-plan.test.ts's (a test file cannot be imported without its tests).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import { plantCanaries, type Canaries } from './canaries.ts';
import { repoUrl, type MaliciousCase } from './malicious-cases.ts';
import { fleetClusters, maliciousFleetCases } from './malicious-fleet-cases.ts';
import { buildCaseRepo, type CaseRepo } from './repo.ts';

interface Reported { file?: string; field?: string; message: string }

function problems(run: { code: number; stdout: string; stderr: string }): Reported[] {
  if (run.code === 2) return [{ message: run.stderr }];
  const plan = JSON.parse(run.stdout) as { environments: Array<{ render: { error?: Reported } }>; discovery?: Array<{ file?: string; reason: string }> };
  const errors = plan.environments.flatMap((e) => (e.render.error ? [e.render.error] : []));
  const notes = (plan.discovery ?? []).map((n) => ({ ...(n.file ? { file: n.file } : {}), message: n.reason }));
  return [...errors, ...notes];
}

function matches(found: Reported[], expected: MaliciousCase['expect'], stderr: string): boolean {
  return found.some((p) => {
    const text = `${p.file ?? ''} ${p.field ?? ''} ${p.message}`;
    const fileOk = p.file !== undefined ? p.file.startsWith(expected.file) : p.message.includes(expected.file);
    const fieldOk = !expected.field || expected.field.test(p.field ?? '') || expected.field.test(p.message);
    return fileOk && fieldOk && expected.message.test(text);
  }) || (stderr !== '' && expected.message.test(stderr) && stderr.includes(expected.file));
}

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
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as { environments: Array<{ name: string; changes: Array<{ action: string; kind: string; name: string }> }> };
    expect(plan.environments.find((e) => e.name === 'fleet/web@downstream')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['create ConfigMap plain']);
  }, 120_000);

  for (const c of maliciousFleetCases({ url: 'http://x', port: 1, dir: '/x', evil: '/x', marker: '/x', otherRepo: '/x', envValue: '', fileValue: '', secretValue: '' } as Canaries)) {
    it(`${c.id}: ${c.title}`, async () => {
      const theCase = cases.find((x) => x.id === c.id)!;
      const head = repo.heads.get(c.id)!;
      const run = await runCli(['plan', '--repo', repo.repo.dir, '--base', repo.baseSha, '--head', head.sha, '--format', 'json', '--repo-url', repoUrl, '--clusters', clusters]);
      const found = problems(run);
      expect(run.code, `${run.stderr}\n${JSON.stringify(found, null, 2)}`).toBeGreaterThan(0);
      expect(matches(found, theCase.expect, run.stderr), `expected ${theCase.expect.file} ${theCase.expect.field ?? ''} ${theCase.expect.message}; got:\n${JSON.stringify(found, null, 2)}\n${run.stderr}`).toBe(true);
      for (const secret of canaries.forbidden()) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
      await canaries.assertUntouched();
    }, 120_000);
  }
});
