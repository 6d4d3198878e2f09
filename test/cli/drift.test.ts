// `bosun drift` against the real test API server: apply an environment with the CLI, change it by hand
// with kubectl, and see the CLI name what drifted (and who changed it) with its exit code — without
// touching the cluster.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryName, inventoryNamespace } from '../../src/cluster/index.ts';
import type { DriftReport } from '../../src/drift/index.ts';
import { kubectlPath } from '../../src/util/tools.ts';
import { tempRepo } from '../git/temp-repo.ts';
import { testKubeconfig, writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { runCli } from './run-cli.ts';

const run = promisify(execFile);
const suffix = randomBytes(3).toString('hex');
const env = `drift-cli-${suffix}`;
const ns = `bosun-drift-cli-${suffix}`;

describe('bosun drift (real API server)', () => {
  let repo: Awaited<ReturnType<typeof tempRepo>>;
  let clusters: string;
  const kubectl = async (...args: string[]) => (await run(kubectlPath(), ['--kubeconfig', testKubeconfig(), ...args])).stdout;
  const drift = (...extra: string[]) => runCli(['drift', '--repo', repo.dir, '--env', env, '--clusters', clusters, ...extra]);

  beforeAll(async () => {
    repo = await tempRepo({
      '.bosun.yaml': `version: 1\nenvironments:\n  - name: ${env}\n    path: deploy\n    cluster: test\n`,
      'deploy/namespace.yaml': `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
      'deploy/settings.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${ns}\ndata:\n  mode: calm\n`,
      'deploy/extra.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: ${ns}\ndata:\n  keep: "yes"\n`,
    });
    await repo.commit('deploy');
    clusters = join(repo.dir, '..', `${env}-clusters.yaml`);
    await writeTestClusterRegistry(clusters);
  }, 60_000);

  afterAll(async () => {
    await kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await kubectl('delete', 'configmap', '-n', inventoryNamespace, inventoryName(env), '--ignore-not-found').catch(() => undefined);
    await rm(clusters, { force: true });
    await repo?.cleanup();
  });

  it('says "no drift" and exits 0 right after an apply', async () => {
    const applied = await runCli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', env, '--clusters', clusters]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const r = await drift();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`✅ No drift in \`${env}\``);
    expect(r.stdout).toMatch(/no drift \(3 objects compared\)/);
  });

  it('names an object edited by hand (with its field manager) and one deleted by hand, exits 1, and changes nothing', async () => {
    await kubectl('patch', 'configmap', 'settings', '-n', ns, '--type', 'merge', '-p', '{"data":{"mode":"wild"}}', '--field-manager', 'kubectl-edit');
    await kubectl('delete', 'configmap', 'extra', '-n', ns);

    const md = await drift('--ref', 'main');
    expect(md.code, md.stderr).toBe(1);
    expect(md.stdout).toContain(`⚠️ Drift in \`${env}\``);
    expect(md.stdout).toContain('1 changed, 1 missing');
    expect(md.stdout).toMatch(new RegExp(`\\| \`ConfigMap\` \\| \`${ns}\` \\| \`settings\` \\| changed \\| \`kubectl-edit\` \\|`));
    expect(md.stdout).toMatch(new RegExp(`\\| \`ConfigMap\` \\| \`${ns}\` \\| \`extra\` \\| missing \\|`));
    expect(md.stdout).toMatch(/-\s+mode: wild\n\+\s+mode: calm/);

    const json = await drift('--format', 'json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as DriftReport & { drifted: boolean; ref: string; sha: string };
    expect(report).toMatchObject({ drifted: true, ref: 'main', environment: env, cluster: 'test', compared: 3 });
    expect(report.items.map((i) => [i.kind, i.name])).toEqual([['missing', 'extra'], ['changed', 'settings']]);

    // Never applies: the hand-made change and the deletion are still there.
    expect(await kubectl('get', 'configmap', 'settings', '-n', ns, '-o', 'jsonpath={.data.mode}')).toBe('wild');
    await expect(kubectl('get', 'configmap', 'extra', '-n', ns)).rejects.toThrow(/NotFound/);
  });

  it('refuses an unknown environment as a usage error (exit 2)', async () => {
    const r = await runCli(['drift', '--repo', repo.dir, '--env', 'nope', '--clusters', clusters]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope/);
  });
});
