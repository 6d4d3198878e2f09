// `bosun plan` (the CLI, for its exit code) on real git repositories of two Argo CD shapes a new user meets
// that a plan used to call green: an Application rendered by a config management plugin (argocd-vault-plugin
// filling `<placeholders>` from Vault) — bosun cannot run the plugin, so a change to its folder is not
// previewed (exit 3), never bosun's own reading of the folder; and Argo CD Image Updater's git write-back, a
// `.argocd-source-<app>.yaml` beside a Helm chart — the new tag is previewed as the change it is.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops.git';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const application = (name: string, path: string, extra = '') => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ${name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: ${repoUrl}
    targetRevision: HEAD
    path: ${path}
${extra}  destination:
    server: https://kubernetes.default.svc
    namespace: ${name}
  syncPolicy:
    automated: { prune: true }
`;

const vaultSecret = (placeholder: string) => `apiVersion: v1
kind: Secret
metadata:
  name: db
  annotations:
    avp.kubernetes.io/path: secret/data/db
stringData:
  password: <${placeholder}>
`;

const chart = {
  'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\n',
  'charts/api/values.yaml': 'image: { tag: "1.0" }\n',
  'charts/api/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      containers: [{ name: api, image: "ghcr.io/acme/api:{{ .Values.image.tag }}" }]
`,
};

async function plan(before: Record<string, string>, after: Record<string, string>): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeTwoCommitRepo(before, after);
  repos.push(repo);
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

describe('Argo CD shapes a plan must not call green', () => {
  it('does not preview an Application rendered by a config management plugin: a change to its folder is one bosun cannot judge (exit 3)', async () => {
    const files = {
      'argocd/db.yaml': application('db', 'db', '    plugin:\n      name: argocd-vault-plugin\n'),
      'db/secret.yaml': vaultSecret('password'),
    };
    const run = await plan(files, { 'db/secret.yaml': vaultSecret('password-v2') });
    expect(run.code).toBe(3);
    const db = run.plan.environments.find((e) => e.name === 'db');
    expect(db).toMatchObject({ affected: true, render: { skipped: true }, reason: expect.stringContaining('not previewed: Argo CD renders it with the config management plugin `argocd-vault-plugin`, which bosun cannot run') });
    expect(db?.changes ?? []).toEqual([]);
  });

  it('counts any file of a plugin source\'s folder, not only manifests, as a change to it', async () => {
    const files = {
      'argocd/tk.yaml': application('tk', 'tanka', '    plugin: {}\n'),
      'tanka/main.jsonnet': '{ a: 1 }\n',
      'tanka/lib/util.libsonnet': '{ replicas: 1 }\n',
    };
    const run = await plan(files, { 'tanka/lib/util.libsonnet': '{ replicas: 2 }\n' });
    expect(run.code).toBe(3);
    expect(run.plan.environments.find((e) => e.name === 'tk')).toMatchObject({ affected: true, render: { skipped: true }, reason: expect.stringMatching(/^not previewed: Argo CD renders it with the config management plugin, /) });
  });

  it('previews the tag Argo CD Image Updater writes into .argocd-source-<app>.yaml beside a Helm chart (exit 0, one image change)', async () => {
    const files = { ...chart, 'argocd/api.yaml': application('api', 'charts/api') };
    const run = await plan(files, { 'charts/api/.argocd-source-api.yaml': 'helm:\n  parameters:\n    - name: image.tag\n      value: "1.1"\n      forceString: true\n' });
    expect(run.code).toBe(0);
    const api = run.plan.environments.find((e) => e.name === 'api');
    expect(api).toMatchObject({ affected: true, reason: 'definition in charts/api/.argocd-source-api.yaml changed' });
    expect(JSON.stringify(api?.changes)).toContain('ghcr.io/acme/api:1.1');
  });
});
