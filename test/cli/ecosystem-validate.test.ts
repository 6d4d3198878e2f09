import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { sopsSecret } from '../support/sops-fixtures.ts';
import { runCli } from './run-cli.ts';

// One resource (or a few) of each project bosun has built-in schemas for, as their docs write them.
const fixtures = join(projectRoot, 'fixtures', 'ecosystem', 'apps');
const bosunYaml = 'version: 1\nenvironments:\n  - name: dev\n    path: clusters/dev\n';

interface ValidateJson {
  environments: Array<{ name: string; render: { objects?: number }; validation: { errors: Finding[]; warnings: Finding[] } }>;
}
interface Finding { file?: string; line?: number; object: string; path: string; message: string }

async function validate(dir: string): Promise<{ code: number; json: ValidateJson; stderr: string }> {
  const r = await runCli(['validate', '--repo', dir, '--format', 'json']);
  return { code: r.code, json: JSON.parse(r.stdout) as ValidateJson, stderr: r.stderr };
}

describe('custom resources of the GitOps ecosystem, validated without their CRDs in the repository', () => {
  let work: string;
  let repo: GitRepoBuilder;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-eco-'));
    repo = await makeGitRepo(join(work, 'repo'));
    await repo.write('.bosun.yaml', bosunYaml);
    await cp(fixtures, join(repo.dir, 'clusters', 'dev'), { recursive: true });
    await repo.commit('one resource of each supported project');
  });
  afterAll(async () => { await rm(work, { recursive: true, force: true }); });

  it('a repository with resources of every supported project validates clean (no error, no missing schema)', async () => {
    const files = await readdir(fixtures);
    const text = (await Promise.all(files.map((f) => readFile(join(fixtures, f), 'utf8')))).join('\n');
    for (const kind of ['GitRepository', 'Kustomization', 'HelmRelease', 'OCIRepository', 'ImagePolicy', 'Alert', 'Application', 'ApplicationSet', 'AppProject',
      'Rollout', 'AnalysisTemplate', 'Certificate', 'ClusterIssuer', 'ExternalSecret', 'ClusterSecretStore', 'Gateway', 'HTTPRoute', 'VirtualService',
      'DestinationRule', 'ClusterPolicy', 'ServiceMonitor', 'PrometheusRule', 'SealedSecret']) {
      expect(text, kind).toContain(`kind: ${kind}\n`);
    }
    const { code, json, stderr } = await validate(repo.dir);
    expect(code, stderr).toBe(0);
    expect(json.environments[0].render.objects).toBe(30);
    expect(json.environments[0].validation).toEqual({ errors: [], warnings: [] });
  });

  it('a wrong field in a cert-manager Certificate is an error at the field\'s line, with the near field suggested', async () => {
    const cert = await readFile(join(fixtures, 'cert-manager.yaml'), 'utf8');
    await repo.write('clusters/dev/cert-manager.yaml', cert.replace('  dnsNames:\n', '  dnsName:\n'));
    const line = cert.split('\n').indexOf('  dnsNames:') + 1;
    const { code, json } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(json.environments[0].validation.errors).toEqual([{
      severity: 'error', file: 'clusters/dev/cert-manager.yaml', line, object: 'cert-manager.io/v1 Certificate default/example-com', path: '/spec/dnsName',
      message: 'unknown field "dnsName" (did you mean "dnsNames"?)',
    }]);
    await repo.write('clusters/dev/cert-manager.yaml', cert);
  });

  it('a misspelled kind in a known group is an error that suggests the kind', async () => {
    await repo.write('clusters/dev/typo.yaml', 'apiVersion: cert-manager.io/v1\nkind: Certifcate\nmetadata:\n  name: typo\n  namespace: default\nspec:\n  secretName: t\n');
    const { code, json } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(json.environments[0].validation.errors).toMatchObject([{ file: 'clusters/dev/typo.yaml', line: 2, path: '/kind', message: expect.stringMatching(/^Certifcate — did you mean Certificate\?/) }]);
    await repo.remove('clusters/dev/typo.yaml');
  });

  it('a removed Flux version is an error naming the release and the version to use', async () => {
    await repo.write('clusters/dev/old.yaml', 'apiVersion: helm.toolkit.fluxcd.io/v2beta1\nkind: HelmRelease\nmetadata:\n  name: old\n  namespace: default\nspec:\n  interval: 5m\n');
    const { code, json } = await validate(repo.dir);
    expect(code).toBe(1);
    expect(json.environments[0].validation.errors.map((f) => f.message)).toEqual([
      'helm.toolkit.fluxcd.io/v2beta1 HelmRelease was removed in Flux 2.7 and is not served any more: use helm.toolkit.fluxcd.io/v2 (`flux migrate` rewrites manifests to the served versions)',
    ]);
    await repo.remove('clusters/dev/old.yaml');
  });

  it('a resource whose CRD is unknown is a warning naming the missing CRD (Flagger has no package), an error when configured', async () => {
    await repo.write('clusters/dev/canary.yaml', 'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: podinfo\n  namespace: default\nspec:\n  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}\n');
    const { code, json } = await validate(repo.dir);
    expect(code).toBe(0);
    expect(json.environments[0].validation.warnings).toMatchObject([{
      file: 'clusters/dev/canary.yaml', line: 1, message: expect.stringMatching(/^Canary\.flagger\.app\/v1beta1: no schema \(CRD not in the repository and not built in\)/),
    }]);
    await repo.write('.bosun.yaml', `${bosunYaml}    missingSchema: error\n`);
    const strict = await validate(repo.dir);
    expect(strict.code).toBe(1);
    expect(strict.json.environments[0].validation.errors.map((f) => f.object)).toEqual(['flagger.app/v1beta1 Canary default/podinfo']);
    await repo.write('.bosun.yaml', bosunYaml);
    await repo.remove('clusters/dev/canary.yaml');
  });
});

describe('SOPS-encrypted files', () => {
  let work: string;
  let repo: GitRepoBuilder;
  let base: string;
  let head: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-sops-'));
    repo = await makeGitRepo(join(work, 'repo'));
    await repo.write('.bosun.yaml', bosunYaml);
    await repo.write('clusters/dev/db-secret.yaml', sopsSecret('db', { password: 'hunter2-old', username: 'app', legacy: 'gone' }, 'mac-1'));
    await repo.write('clusters/dev/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: default\ndata:\n  LOG_LEVEL: info\n');
    // Through kustomize, as a Flux Kustomization with `decryption` builds it: the sops block passes through.
    await repo.write('clusters/dev/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - db-secret.yaml\n  - cm.yaml\n');
    base = await repo.commit('encrypted db secret');
    await repo.write('clusters/dev/db-secret.yaml', sopsSecret('db', { password: 'hunter2-new', username: 'app', token: 'tok' }, 'mac-2'));
    head = await repo.commit('rotate the db password');
  });
  afterAll(async () => { await rm(work, { recursive: true, force: true }); });

  it('an encrypted Secret validates clean: the sops block is no unknown field and ENC[…] values are not base64 errors', async () => {
    const { code, json, stderr } = await validate(repo.dir);
    expect(code, stderr).toBe(0);
    expect(json.environments[0].validation).toEqual({ errors: [], warnings: [] });
  });

  it('its diff between two commits says which keys changed and prints no value, ciphertext or SOPS metadata', async () => {
    const j = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--format', 'json']);
    expect(j.code, j.stderr).toBe(0);
    const plan = JSON.parse(j.stdout) as PlanResult;
    const changes = plan.environments.flatMap((e) => e.changes ?? []);
    expect(changes.map((c) => [c.kind, c.name, c.action])).toEqual([['Secret', 'db', 'update']]);
    expect(changes[0].secretKeys).toEqual({ added: ['token'], removed: ['legacy'], changed: ['password'] });
    expect(changes[0].diff).toContain('**SOPS** (new value)');
    const m = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head]);
    expect(m.code, m.stderr).toBe(0);
    for (const out of [j.stdout, m.stdout]) {
      expect(out).not.toMatch(/ENC\[|AGE ENCRYPTED|age1qnj|lastmodified|hunter2|aHVudGVyMi/);
    }
    expect(m.stdout).toMatch(/token/);
    expect(m.stdout).toMatch(/password/);
  });
});
