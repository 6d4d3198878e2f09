// Argo CD passes `kustomize.buildOptions` from its argocd-cm ConfigMap to every `kustomize build` (argo-cd
// util/kustomize kustomize.go; docs/user-guide/kustomize.md "Kustomize Build Options"): a kustomization that
// inflates `helmCharts` renders only with `--enable-helm` there. bosun always ran kustomize with it, silently.
// Now: argocd-cm not in the repository → a note says --enable-helm was assumed; argocd-cm in the repository
// without it → not previewed (Argo CD fails the Application); with it → previewed as before, and options
// bosun does not apply are named. `bosun plan` (the CLI) on real git, real kustomize and helm in the sandbox.
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

const base = {
  'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  project: default
  source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: apps/web }
  destination: { server: https://kubernetes.default.svc, namespace: web }
  syncPolicy: { automated: { prune: true } }
`,
  'apps/web/kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: web\n    valuesInline: { replicas: 1 }\n',
  'apps/web/charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'apps/web/charts/web/values.yaml': 'replicas: 1\n',
  'apps/web/charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  replicas: "{{ .Values.replicas }}"\n',
};
const bump = { 'apps/web/kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: web\n    valuesInline: { replicas: 2 }\n' };
const argocdCm = (options?: string) => `apiVersion: v1
kind: ConfigMap
metadata: { name: argocd-cm, namespace: argocd }
data:
  application.resourceTrackingMethod: annotation
${options ? `  kustomize.buildOptions: ${options}\n` : ''}`;

async function plan(before: Record<string, string>, after: Record<string, string>): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeTwoCommitRepo(before, after);
  repos.push(repo);
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}
const notes = (run: { plan: PlanResult }) => (run.plan.discovery ?? []).map((n) => `${n.status}: ${n.reason}`);

describe('Argo CD kustomize.buildOptions and a kustomization that inflates helmCharts', () => {
  it('says --enable-helm was assumed when argocd-cm is not in the repository', async () => {
    const run = await plan(base, bump);
    expect(run.code).toBe(0);
    expect(JSON.stringify(run.plan.environments[0].changes)).toContain('replicas');
    expect(notes(run)).toContainEqual(expect.stringMatching(/^info: rendered with kustomize --enable-helm for the helmCharts of apps\/web\/kustomization.yaml: .*argocd-cm is not in this repository, so bosun assumes it does/));
  });

  it('is not previewed when the repository\'s argocd-cm has no --enable-helm: Argo CD fails the Application', async () => {
    const run = await plan({ ...base, 'argocd/argocd-cm.yaml': argocdCm() }, bump);
    expect(run.code).toBe(3);
    expect(notes(run)).toContainEqual(expect.stringMatching(/^not-previewed: Argo CD fails to render it: apps\/web\/kustomization.yaml inflate helmCharts, and kustomize.buildOptions in argocd-cm \(argocd\/argocd-cm.yaml\) has no --enable-helm/));
  });

  it('previews it as usual when argocd-cm has --enable-helm, naming the options bosun does not apply', async () => {
    const run = await plan({ ...base, 'argocd/argocd-cm.yaml': argocdCm('--enable-helm --load-restrictor LoadRestrictionsNone --enable-alpha-plugins') }, bump);
    expect(run.code).toBe(0);
    expect(notes(run).filter((n) => n.includes('enable-helm'))).toEqual([]);
    expect(notes(run)).toContain('info: kustomize.buildOptions: not applied by bosun: --enable-alpha-plugins');
  });
});
