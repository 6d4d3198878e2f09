import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { buildExampleRepo } from '../../testkit/example-repo.ts';
import { testKubeconfig, writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import type { PreviewResult } from '../../src/cluster/types.ts';
import { runCli } from './run-cli.ts';

// The example repo's staging environments, applied to the real test API server through the CLI a user
// runs. The apps use namespace `shop`; nothing else in the suite does.
const secretValues = ['st4ging-db-pass-Q9wz', 'st4ging-db-pass-R2kd', 'st4ging-ro-pass-M7tn'];

describe('bosun apply / plan --clusters against a real API server (example repo, staging)', () => {
  let work: string;
  let repo: Awaited<ReturnType<typeof buildExampleRepo>>;
  let clusters: string;
  let core: CoreV1Api;
  const outputs: string[] = [];
  const cli = async (argv: string[]) => {
    const r = await runCli(argv);
    outputs.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-apply-'));
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    clusters = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clusters, ['staging']);
    const kc = new KubeConfig();
    kc.loadFromFile(testKubeconfig());
    core = kc.makeApiClient(CoreV1Api);
  }, 60_000);
  afterAll(async () => {
    await core.deleteNamespace({ name: 'shop' }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  it('a dry run persists nothing', async () => {
    const r = await cli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'staging/infrastructure', '--clusters', clusters, '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run/);
    await expect(core.readNamespace({ name: 'shop' })).rejects.toThrow();
  });

  it('applies infrastructure then apps at main, with a per-object summary', async () => {
    const infra = await cli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'staging/infrastructure', '--clusters', clusters]);
    expect(infra.code, infra.stdout + infra.stderr).toBe(0);
    expect(infra.stdout).toMatch(/Namespace shop/);
    // No kubelet: Deployments never become healthy here, so the apps are applied without waiting.
    const apps = await cli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'staging/apps', '--clusters', clusters, '--no-wait']);
    expect(apps.code, apps.stdout + apps.stderr).toBe(0);
    const pvc = await core.readNamespacedPersistentVolumeClaim({ name: 'database-backup', namespace: 'shop' });
    expect(pvc.metadata?.labels?.['bosun.dev/environment']).toBeDefined();
  });

  it('re-applying the same commit changes nothing', async () => {
    const again = await cli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'staging/apps', '--clusters', clusters, '--no-wait']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/ 0 created, 0 configured, [1-9]\d* unchanged, 0 pruned/);
  });

  it('plan --clusters adds the apply preview: the PR updates frontend, creates a ConfigMap and would prune the backup PVC', async () => {
    const r = await cli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, '--env', 'staging/apps', '--env', 'staging/infrastructure', '--clusters', clusters, '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanResult;
    const apps = plan.environments.find((e) => e.name === 'staging/apps')!;
    const preview = apps.preview as PreviewResult;
    expect(preview.cluster).toBe('staging');
    const actions = new Map(preview.objects.map((o) => [`${o.kind}/${o.name}`, o.action]));
    expect(actions.get('Deployment/frontend')).toBe('update');
    expect(actions.get('ConfigMap/frontend-feature-flags')).toBe('create');
    expect(preview.prunes.map((p) => `${p.kind}/${p.name}`)).toContain('PersistentVolumeClaim/database-backup');
    const infra = plan.environments.find((e) => e.name === 'staging/infrastructure')!;
    const secret = (infra.preview as PreviewResult).objects.find((o) => o.kind === 'Secret')!;
    expect(secret.action).toBe('update');
    const md = await cli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, '--env', 'staging/apps', '--clusters', clusters]);
    expect(md.stdout, md.stderr).toMatch(/#### Apply preview \(live cluster\)/);
  });

  it('applying the PR head prunes the PVC Git no longer has', async () => {
    const r = await cli(['apply', '--repo', repo.dir, '--ref', repo.branch, '--env', 'staging/apps', '--clusters', clusters, '--no-wait']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/pruned.*PersistentVolumeClaim shop\/database-backup|PersistentVolumeClaim shop\/database-backup.*pruned/);
    await expect(core.readNamespacedConfigMap({ name: 'frontend-feature-flags', namespace: 'shop' })).resolves.toBeDefined();
  });

  it('an unknown cluster is a clear configuration error naming it (exit 2)', async () => {
    const other = join(work, 'other.yaml');
    await writeTestClusterRegistry(other, ['prod']);
    const r = await cli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'staging/apps', '--clusters', other]);
    expect(r.code).toBe(2);
    // The one rule for a cluster the registry lacks (plan/unregistered-clusters.ts, issue #11): refused before
    // connecting, naming the Kustomization's file, the cluster folder and the registered clusters.
    expect(r.stderr).toMatch(/^bosun: clusters\/staging\/apps\.yaml:1: environment "staging\/apps": the cluster `staging` of its cluster folder `clusters\/staging` is not in the cluster registry, which defines `prod`; nothing applied\. Add `staging` to the registry/m);
  });

  it('never prints a Secret value', () => {
    const all = outputs.join('\n');
    for (const v of secretValues) {
      expect(all).not.toContain(v);
      expect(all).not.toContain(Buffer.from(v).toString('base64'));
    }
  });
});
