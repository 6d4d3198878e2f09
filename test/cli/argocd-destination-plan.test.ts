// `bosun plan` on a git repository of Argo CD Applications with a cluster registry whose entries carry
// the API URLs of Argo CD's cluster secrets: which cluster each Application's environment is on, and
// that one whose destination matches no entry is still planned, with a note instead of a preview.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });

const repoUrl = 'https://github.com/acme/gitops';
const application = (name: string, server: string) => [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Application',
  `metadata: { name: ${name}, namespace: argocd }`,
  'spec:',
  `  source: { repoURL: ${repoUrl}, path: apps/web, targetRevision: main }`,
  `  destination: { server: "${server}", namespace: web }`,
  '',
].join('\n');
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "${value}"\n`;

interface PlanJson {
  environments: Array<{ name: string; cluster?: string; changes: Array<{ action: string; kind: string; name: string }>; preview?: unknown }>;
  discovery: Array<{ status: string; reason: string; environments?: string[]; file?: string }>;
}

describe('bosun plan: Argo CD destinations against the cluster registry', () => {
  it('puts an Application on the entry whose server: is its destination.server, and plans one that matches no entry with a note saying so', async () => {
    const repo = await makeGitRepo();
    const work = await mkdtemp(join(tmpdir(), 'bosun-argo-dest-'));
    dirs.push(repo.dir, work);
    await repo.write('apps/web/cm.yaml', configMap('1'));
    await repo.write('argocd/prod.yaml', application('web-prod', 'https://10.0.0.5:6443'));
    await repo.write('argocd/dr.yaml', application('web-dr', 'https://dr.example.com'));
    const base = await repo.commit('two Applications of one folder');
    await repo.write('apps/web/cm.yaml', configMap('2'));
    const head = await repo.commit('version 2');
    // Planned for, never connected to: entries without credentials.
    const clusters = join(work, 'clusters.yaml');
    await writeFile(clusters, 'clusters:\n  prod:\n    server: https://10.0.0.5:6443/\n    labels: { env: prod }\n');

    const run = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--base-branch', 'main', '--repo-url', repoUrl, '--clusters', clusters, '--format', 'json']);
    // A change a merge would apply nowhere: bosun cannot judge it (exit 3), never a green.
    expect(run.code, run.stderr).toBe(3);
    const plan = JSON.parse(run.stdout) as PlanJson;
    const envs = Object.fromEntries(plan.environments.map((e) => [e.name, e]));
    expect(envs['web-prod'].cluster).toBe('prod');
    // Not dropped: planned with its change, on no registry cluster, and said so.
    expect(envs['web-dr'].cluster).toBe('https://dr.example.com');
    for (const env of [envs['web-prod'], envs['web-dr']]) {
      expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap web']);
      expect(env.preview).toBeUndefined();
    }
    expect(plan.discovery).toEqual([expect.objectContaining({
      status: 'info',
      file: 'argocd/dr.yaml',
      environments: ['web-dr'],
      reason: 'destination.server `https://dr.example.com` matches no cluster of bosun\'s cluster registry: its changes are planned, but not previewed against a cluster and not applied; give the registry entry of that cluster `server: https://dr.example.com`',
    }), expect.objectContaining({
      status: 'not-previewed',
      environments: ['web-dr'],
      changed: ['apps/web/cm.yaml'],
      reason: expect.stringContaining('its destination `https://dr.example.com` matches no cluster of the registry, which defines `prod`'),
    })]);

    // The PR report says it under the environment's notes too.
    const markdown = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--base-branch', 'main', '--repo-url', repoUrl, '--clusters', clusters]);
    expect(markdown.code, markdown.stderr).toBe(3);
    expect(markdown.stdout).toContain('matches no cluster of bosun\'s cluster registry');
  });
});
