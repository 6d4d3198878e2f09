// Argo CD `kustomize.patches` with `path:` (a patch file): Argo CD appends the entry to the kustomization
// of the source path, so kustomize reads the file relative to that folder. bosun applies it the same way,
// makes the file an input of the environment, and refuses one outside the repository at its field.
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { BosunError } from '../../src/model/errors.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { runCli } from '../cli/run-cli.ts';
import { makeTree, yaml } from './temp-tree.ts';

const dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });

const repoUrl = 'https://github.com/acme/gitops';
/** `patches`: the YAML list under `kustomize.patches`, unindented. */
const application = (patches: string) => yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: web
    namespace: argocd
  spec:
    source:
      repoURL: ${repoUrl}
      path: apps/web/prod
      kustomize:
        patches:
${patches.replace(/^(?=.)/gm, '          ')}
    destination:
      server: https://kubernetes.default.svc
      namespace: web
`;
const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: "nginx:1.27"}]\n';
const replicas = (n: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${n}\n`;

interface PlanJson {
  environments: Array<{ name: string; affected: boolean; changes: Array<{ action: string; kind: string; name: string; diff: string }> }>;
  discovery: Array<{ status: string; reason: string; environments?: string[]; file?: string }>;
}

describe('Argo CD kustomize.patches with a patch file', () => {
  it('applies the file relative to the source path (and one beside it, with a note); a PR editing only a patch file changes the Application', async () => {
    const repo = await makeGitRepo();
    dirs.push(repo.dir);
    await repo.write('apps/web/base/kustomization.yaml', 'resources: [deployment.yaml]\n');
    await repo.write('apps/web/base/deployment.yaml', deployment);
    await repo.write('apps/web/prod/kustomization.yaml', 'resources: [../base]\n');
    await repo.write('apps/web/prod/replicas.yaml', replicas(2));
    await repo.write('apps/web/shared/team.yaml', '- op: add\n  path: /metadata/labels\n  value: {team: web}\n');
    await repo.write('argocd/web.yaml', application('- path: replicas.yaml\n- path: ../shared/team.yaml\n  target: {kind: Deployment, name: web}\n'));
    const base = await repo.commit('web with two patch files');
    await repo.write('apps/web/prod/replicas.yaml', replicas(3));
    const head = await repo.commit('web: 3 replicas');

    const run = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', head, '--base-branch', 'main', '--repo-url', repoUrl, '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const plan = JSON.parse(run.stdout) as PlanJson;
    const web = plan.environments.find((e) => e.name === 'web');
    expect(web?.affected).toBe(true);
    expect(web?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    expect(web?.changes[0].diff).toMatch(/-\s+replicas: 2\n\+\s+replicas: 3/);
    expect(plan.discovery).toEqual([expect.objectContaining({
      status: 'info',
      file: 'argocd/web.yaml',
      reason: 'kustomize.patches[1].path ../shared/team.yaml is outside apps/web/prod: Argo CD\'s kustomize reads it only when kustomize.buildOptions in argocd-cm has --load-restrictor LoadRestrictionsNone (bosun applies it)',
    })]);

    // Both files applied: the whole object as Argo CD would render it at head.
    const show = await runCli(['render', '--repo', repo.dir, '--env', 'web', '--repo-url', repoUrl, '--format', 'json']);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/"replicas": 3/);
    expect(show.stdout).toMatch(/"team": "web"/);
  });

  it('refuses a patch file outside the repository, or a remote one, with the Application\'s file, line and field', async () => {
    const patch = (path: string) => makeTree({ 'apps/web/prod/kustomization.yaml': 'resources: []\n', 'argocd/web.yaml': application(`- path: ${path}\n`) });
    for (const [path, message] of [['../../../../secret.yaml', /escapes the repository; point spec\.source\.kustomize\.patches\[0\]\.path at a patch file inside this repository/], ['https://example.com/p.yaml', /is a remote reference/]] as const) {
      const error = await discoverEnvironments(await patch(path), { repoUrls: [repoUrl], branch: 'main' }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(BosunError);
      expect(error).toMatchObject({ kind: 'path', file: 'argocd/web.yaml', line: 12, field: 'spec.source.kustomize.patches[0].path' });
      expect((error as Error).message).toMatch(message);
    }
  });
});
