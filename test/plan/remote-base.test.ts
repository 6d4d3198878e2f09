// A kustomization whose base is remote, as argocd-autopilot writes bootstrap/argo-cd (Argo CD and Flux fetch
// such a base; bosun renders offline and refuses it). bosun refused it in affected detection too, so the
// environment's inputs "could not be analysed": it was rendered, and failed, on every pull request — a
// pull request touching only another application exited 1. Now the remote base is kept out of the inputs
// (its reference is in the kustomization, an input): the environment is skipped unless a local input
// changes, and a change to it is refused by the renderer and said to be not previewed (exit 3), naming the
// file, line and field — the controllers fetch the base, so the content is not wrong (exit 1 before).
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

  it('is not previewed when the pull request changes it: refused before any tool runs, said with the file, line and field, exit 3 (issue #11)', async () => {
    // Argo CD and Flux fetch the base: the content is not wrong, bosun cannot judge it offline.
    const run = await plan({ 'bootstrap/argo-cd/kustomization.yaml': bootstrap('v0.4.18') });
    expect(run.code, run.stderr).toBe(3);
    const argo = run.plan.environments.find((e) => e.name === 'argo-cd')!;
    expect(argo.render).toEqual({ skipped: true });
    expect(argo.reason).toMatch(/^not previewed: "github\.com\/argoproj-labs\/argocd-autopilot\/manifests\/base\?ref=v0\.4\.1[78]" is a remote reference: remote references are not followed/);
    const note = run.plan.discovery!.find((n) => n.status === 'not-previewed' && n.name === 'argo-cd')!;
    expect(note).toMatchObject({ file: 'bootstrap/argo-cd/kustomization.yaml', line: 5, changed: ['bootstrap/argo-cd/kustomization.yaml'] });
    expect(note.reason).toMatch(/^field `resources\[0\]`: .* is a remote reference/);
    expect(run.stderr).toContain('cannot judge 1 changed file(s): bootstrap/argo-cd/kustomization.yaml');
  });
});
