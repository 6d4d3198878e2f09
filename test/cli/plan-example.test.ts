import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleRepo } from '../../testkit/example-repo.ts';
import { planJsonSchema } from '../../src/report/index.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { runCli } from './run-cli.ts';

const secretValues = ['st4ging-db-pass-Q9wz', 'st4ging-db-pass-R2kd', 'st4ging-ro-pass-M7tn'];
const encodings = (v: string) => [v, Buffer.from(v).toString('base64'), Buffer.from(v).toString('hex')];

describe('bosun plan on the example repo and its sample pull request', () => {
  let work: string;
  let repo: Awaited<ReturnType<typeof buildExampleRepo>>;
  let json: PlanResult;
  let markdown: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-plan-'));
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    const j = await runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, '--format', 'json']);
    expect(j.code, j.stderr).toBe(0);
    json = JSON.parse(j.stdout) as PlanResult;
    const m = await runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch]);
    expect(m.code, m.stderr).toBe(0);
    markdown = m.stdout;
  }, 120_000);
  afterAll(async () => { await rm(work, { recursive: true, force: true }); });

  it('renders exactly the environments whose inputs changed and says why the others were skipped', () => {
    const affected = json.environments.filter((e) => e.affected).map((e) => e.name).sort();
    expect(affected).toEqual(['production/apps', 'staging/apps', 'staging/infrastructure']);
    for (const e of json.environments.filter((x) => !x.affected)) {
      expect(e.reason).toMatch(/skipped: none of its \d+ inputs? changed/);
      expect(e.render).toEqual({ skipped: true });
    }
    const staging = json.environments.find((e) => e.name === 'staging/apps')!;
    expect(staging.reason).toMatch(/apps\/staging\/|apps\/base\/backend\/role\.yaml/);
  });

  it('reports the backup PVC deletion first, as the riskiest change in staging/apps', () => {
    const staging = json.environments.find((e) => e.name === 'staging/apps')!;
    expect(staging.changes[0]).toMatchObject({ action: 'delete', kind: 'PersistentVolumeClaim', name: 'database-backup', risk: 'deletion-critical' });
    const kinds = staging.changes.map((c) => `${c.action} ${c.kind}/${c.name} ${c.risk}`);
    expect(kinds).toContain('update Deployment/frontend image');
    expect(kinds).toContain('create ConfigMap/frontend-feature-flags other');
    expect(kinds).toContain('update Role/backend rbac');
    const frontend = staging.changes.find((c) => c.kind === 'Deployment' && c.name === 'frontend')!;
    expect(frontend.diff).toMatch(/^-\s+image: .*:1\.4\.3$/m);
    expect(frontend.diff).toMatch(/^\+\s+image: .*:1\.5\.0$/m);
  });

  it('shows a version of the Secret change that names keys but never values', () => {
    const infra = json.environments.find((e) => e.name === 'staging/infrastructure')!;
    const secret = infra.changes.find((c) => c.kind === 'Secret')!;
    expect(secret.action).toBe('update');
    expect(secret.secretKeys).toEqual({ added: ['readonly-password'], removed: [], changed: ['password'] });
    const everything = JSON.stringify(json) + markdown;
    for (const v of secretValues) for (const enc of encodings(v)) expect(everything).not.toContain(enc);
  });

  it('folds the same Role change across both apps environments and points at its source file', () => {
    const prod = json.environments.find((e) => e.name === 'production/apps')!;
    const role = prod.changes.find((c) => c.kind === 'Role')!;
    expect(role.file).toBe('apps/base/backend/role.yaml');
    expect(markdown).toMatch(/same change in .*production\/apps.*staging\/apps/);
  });

  it('emits JSON that validates against the published schema', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(planJsonSchema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    expect(json.base).toBe(repo.baseSha);
    expect(json.head).toBe(repo.headSha);
  });

  it('--env limits the plan; an unknown environment is a usage error', async () => {
    const one = await runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, '--env', 'staging/infrastructure', '--format', 'json']);
    expect(one.code).toBe(0);
    expect((JSON.parse(one.stdout) as PlanResult).environments.map((e) => e.name)).toEqual(['staging/infrastructure']);
    const bad = await runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, '--env', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown environment "nope"/);
  });

  it('a plan of a commit against itself renders nothing and reports no changes', async () => {
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', 'main', '--format', 'json']);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanResult;
    expect(plan.environments.every((e) => !e.affected && e.changes.length === 0)).toBe(true);
  });
});
