import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { testClient, unique } from '../cluster/helpers.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { ageKeyPair, sopsEncrypt } from '../sops/sops-fixture.ts';
import { runCli } from './run-cli.ts';

// A Flux repository whose apps Kustomization carries a SOPS-encrypted Secret and Flux apply options,
// rendered, validated and applied through `bosun apply` on the real test API server.
const client = testClient();
const space = unique('fxsops');

describe('bosun apply of a Flux repository with a SOPS-encrypted Secret', () => {
  let work: string;
  let repo: GitRepoBuilder;
  let clusters: string;
  let keyFile: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-sops-cli-'));
    repo = await makeGitRepo(join(work, 'repo'));
    clusters = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clusters, ['staging']);
    const { identity, recipient } = await ageKeyPair();
    keyFile = join(work, 'age.txt');
    await writeFile(keyFile, `${identity}\n`);
    const kustomization = (name: string, spec: Record<string, unknown>) => stringify({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' },
      spec: { interval: '10m', sourceRef: { kind: 'GitRepository', name: 'flux-system' }, ...spec },
    });
    await repo.write('clusters/staging/flux-system/gotk-sync.yaml', `${stringify({ apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'GitRepository', metadata: { name: 'flux-system', namespace: 'flux-system' }, spec: { interval: '1m', url: 'ssh://git@github.com/acme/fleet', ref: { branch: 'main' } } })}---\n${kustomization('flux-system', { path: './clusters/staging', prune: true })}`);
    await repo.write('clusters/staging/flux-system/kustomization.yaml', 'resources: [gotk-sync.yaml]\n');
    await repo.write('clusters/staging/apps.yaml', kustomization('apps', { path: './apps', prune: true, targetNamespace: space, timeout: '1m' }));
    await repo.write('apps/kustomization.yaml', 'resources: [namespace.yaml, settings.yaml, db.sops.yaml]\n');
    await repo.write('apps/namespace.yaml', stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: space } }));
    await repo.write('apps/settings.yaml', stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } }, data: { mode: 'first' } }));
    // Written without a namespace: the render adds targetNamespace, as Flux's build does, after sops encrypted it.
    const secret = await sopsEncrypt({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 'Opaque', stringData: { password: 'pl41n-t3xt-n3v3r-sh0wn' } }, recipient);
    await repo.write('apps/db.sops.yaml', stringify(secret));
    await repo.commit('apps with a SOPS Secret');
  }, 60_000);
  afterAll(async () => {
    await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${space}` }).catch(() => undefined);
    client.close();
    await rm(work, { recursive: true, force: true });
  });

  it('refuses to apply without a key, naming the file; applies the decrypted Secret with --sops-age-key-file', async () => {
    const argv = ['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'staging/apps', '--clusters', clusters];
    const refused = await runCli(argv);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/failed\s+Secret .*\/db .*apps\/db\.sops\.yaml.*is SOPS-encrypted and bosun has no age key/);
    expect(refused.stdout).toContain('--sops-age-key-file');
    expect(await client.getOrUndefined(`/api/v1/namespaces/${space}`)).toBeUndefined();

    const applied = await runCli([...argv, '--sops-age-key-file', keyFile]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(`${applied.stdout}${applied.stderr}`).not.toMatch(/pl41n-t3xt|cGw0MW4tdDN4dA/);
    const live = await client.getOrUndefined<{ data: Record<string, string> }>(`/api/v1/namespaces/${space}/secrets/db`);
    expect(Buffer.from(live!.data.password, 'base64').toString()).toBe('pl41n-t3xt-n3v3r-sh0wn');
    // spec.wait defaults to false in Flux, and there are no healthChecks: nothing is waited for.
    expect(applied.stdout).toContain('spec.wait is false and there are no spec.healthChecks: health is not checked, as Flux does');

    // ssa: IfNotPresent: a later commit's change does not reach the live ConfigMap.
    await repo.write('apps/settings.yaml', stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', annotations: { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } }, data: { mode: 'second' } }));
    await repo.commit('change settings');
    const again = await runCli([...argv, '--sops-age-key-file', keyFile]);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/skipped\s+ConfigMap .*\/settings .*not updated: it exists, and it is annotated kustomize.toolkit.fluxcd.io\/ssa: IfNotPresent/);
    expect((await client.getOrUndefined<{ data: Record<string, string> }>(`/api/v1/namespaces/${space}/configmaps/settings`))?.data).toEqual({ mode: 'first' });
  });
});
