// Every command given a cluster registry follows one rule for an environment whose cluster the registry
// lacks (issue #11; plan/unregistered-clusters.ts): validate and render still do it offline and name it,
// exit 3 unless something is wrong; apply, sync and drift refuse it (exit 2) before rendering or
// connecting. The exit-code table (exit-codes.test.ts) has the .bosun.yaml rows; this file the Argo CD
// destination and drift, offline (registry entries without credentials: nothing may connect).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { runCli } from './run-cli.ts';

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
const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  version: "1"\n';

interface Note { status: string; kind: string; name: string; file?: string; line?: number; reason: string }

let repo: GitRepoBuilder;
let work: string;
let clusters: string;
beforeAll(async () => {
  repo = await makeGitRepo();
  work = await mkdtemp(join(tmpdir(), 'bosun-unregistered-'));
  await repo.write('apps/web/cm.yaml', configMap);
  await repo.write('argocd/prod.yaml', application('web-prod', 'https://10.0.0.5:6443'));
  await repo.write('argocd/dr.yaml', application('web-dr', 'https://dr.example.com'));
  await repo.commit('two Applications of one folder');
  // Entries without credentials: a command that tried to connect would fail differently.
  clusters = join(work, 'clusters.yaml');
  await writeFile(clusters, 'clusters:\n  prod:\n    server: https://10.0.0.5:6443/\n    labels: { env: prod }\n  edge:\n    labels: { env: edge }\n');
}, 60_000);
afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
  await rm(work, { recursive: true, force: true });
});

const common = () => ['--repo', repo.dir, '--repo-url', repoUrl, '--clusters', clusters];
const drNote = (consequence: RegExp) => expect.objectContaining({
  status: 'not-previewed',
  kind: 'Environment',
  name: 'web-dr',
  file: 'argocd/dr.yaml',
  reason: expect.stringMatching(new RegExp(`^its destination \`https://dr\\.example\\.com\` matches no cluster of the registry, which defines \`edge\`, \`prod\`: ${consequence.source}`)),
});

describe('an Argo CD Application whose destination matches no entry of the registry', () => {
  it('bosun validate validates both Applications, names the one on no registered cluster in its JSON and on stderr, and exits 3', async () => {
    const r = await runCli(['validate', ...common(), '--format', 'json']);
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as { environments: Array<{ name: string; render: { objects?: number } }>; discovery: Note[] };
    expect(out.environments.map((e) => [e.name, e.render.objects]).sort()).toEqual([['web-dr', 1], ['web-prod', 1]]);
    expect(out.discovery).toEqual([drNote(/validated offline only/)]);
    expect(r.stderr).toMatch(/^bosun: environment `web-dr` \(argocd\/dr\.yaml:1\): its destination `https:\/\/dr\.example\.com` matches no cluster of the registry, which defines `edge`, `prod`; never previewed nor applied\. Fix the Application's `spec\.destination`/m);
    expect(r.stderr).not.toMatch(/environment `web-prod`/);
  }, 120_000);

  it('bosun validate of the registered one alone: nothing unjudged, exit 0', async () => {
    const r = await runCli(['validate', ...common(), '--env', 'web-prod', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { discovery: Note[] }).discovery).toEqual([]);
  }, 120_000);

  it('bosun render prints its objects, names it in the JSON, and exits 3', async () => {
    const r = await runCli(['render', ...common(), '--env', 'web-dr', '--format', 'json']);
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as { environments: Array<{ name: string; objects: Array<{ object: { kind: string } }> }>; discovery: Note[] };
    expect(out.environments[0].objects.map((o) => o.object.kind)).toEqual(['ConfigMap']);
    expect(out.discovery).toEqual([drNote(/rendered offline/)]);
  }, 120_000);

  for (const command of ['apply', 'sync', 'drift']) {
    it(`bosun ${command} refuses it before rendering, naming the Application and the registered clusters (exit 2)`, async () => {
      const r = await runCli([command, ...common(), '--ref', 'main', '--env', 'web-dr', ...(command === 'drift' ? [] : ['--dry-run'])]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^bosun: argocd\/dr\.yaml:1: environment "web-dr": its destination `https:\/\/dr\.example\.com` matches no cluster of the registry, which defines `edge`, `prod`; nothing applied\./m);
      expect(r.stderr).not.toMatch(/rendered|object\(s\)/);
      expect(r.stdout).toBe('');
    }, 120_000);
  }
});
