// A kustomization whose base is remote, as argocd-autopilot writes bootstrap/argo-cd (Argo CD and Flux fetch
// such a base; bosun renders offline and refuses it). bosun refused it in affected detection too, so the
// environment's inputs "could not be analysed": it was rendered, and failed, on every pull request — a
// pull request touching only another application exited 1. Now the remote base is kept out of the inputs
// (its reference is in the kustomization, an input): the environment is skipped unless a local input
// changes, and a change to it is still refused by the renderer, naming the file, line and field.
// `bosun plan` (the CLI) on real git.
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

const application = (name: string, path: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: ${name}, namespace: argocd }
spec:
  project: default
  source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: ${path} }
  destination: { server: https://kubernetes.default.svc, namespace: ${name} }
`;

const bootstrap = (ref: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: argocd
resources:
- github.com/argoproj-labs/argocd-autopilot/manifests/base?ref=${ref}
`;

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { level: "${value}" }\n`;

const repository = {
  'bootstrap/argo-cd.yaml': application('argo-cd', 'bootstrap/argo-cd'),
  'bootstrap/argo-cd/kustomization.yaml': bootstrap('v0.4.17'),
  'bootstrap/web.yaml': application('web', 'apps/web'),
  'apps/web/cm.yaml': configMap('info'),
};

async function plan(after: Record<string, string>): Promise<{ code: number; plan: PlanResult; stderr: string }> {
  const repo = await makeTwoCommitRepo(repository, after);
  repos.push(repo);
  const { code, stdout, stderr } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult, stderr };
}

describe('an environment built from a remote kustomize base (argocd-autopilot bootstrap)', () => {
  it('is skipped when the pull request changes another application, which is planned and exits 0', async () => {
    const run = await plan({ 'apps/web/cm.yaml': configMap('debug') });
    expect(run.code, run.stderr).toBe(0);
    const argo = run.plan.environments.find((e) => e.name === 'argo-cd')!;
    expect(argo.reason).toMatch(/^skipped: none of its \d+ inputs changed$/);
    expect(argo.render).toMatchObject({ skipped: true });
    const web = run.plan.environments.find((e) => e.name === 'web')!;
    expect(web.changes?.map((c) => `${c.action} ${c.kind}/${c.name}`)).toEqual(['update ConfigMap/web']);
  });

  it('is refused by the renderer when the pull request changes it: the file, line and field, nothing fetched, exit 1', async () => {
    const run = await plan({ 'bootstrap/argo-cd/kustomization.yaml': bootstrap('v0.4.18') });
    expect(run.code).toBe(1);
    const argo = run.plan.environments.find((e) => e.name === 'argo-cd')!;
    expect(argo.reason).toBe('bootstrap/argo-cd/kustomization.yaml changed');
    expect(argo.render).toMatchObject({
      error: {
        file: 'bootstrap/argo-cd/kustomization.yaml', line: 5, field: 'resources[0]', side: 'head',
        message: expect.stringContaining('is a remote reference: remote references are not followed'),
      },
    });
  });
});
