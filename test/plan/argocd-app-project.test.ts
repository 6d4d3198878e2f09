// An Argo CD Application whose AppProject is written in the same repository: Argo CD refuses to sync an object
// the project does not permit ("resource … is not permitted in project …") — a cluster-scoped kind its
// clusterResourceWhitelist does not list, a namespaced kind outside namespaceResourceWhitelist or inside the
// blacklist, a namespace none of its destinations allows. bosun previewed such a change as an ordinary create;
// now each such object is a validation warning naming the project and its file. `bosun plan` (the CLI) on real git.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops.git';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const project = `apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata: { name: team-a, namespace: argocd }
spec:
  sourceRepos: ['*']
  destinations: [{ server: https://kubernetes.default.svc, namespace: 'team-a-*' }]
  clusterResourceWhitelist: [{ group: '', kind: Namespace }]
  namespaceResourceBlacklist: [{ group: '', kind: ResourceQuota }]
`;

const application = `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: shop, namespace: argocd }
spec:
  project: team-a
  source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: shop }
  destination: { server: https://kubernetes.default.svc, namespace: team-a-shop }
`;

async function plan(after: Record<string, string>, before: { project?: string; application?: string } = {}): Promise<{ code: number; plan: PlanResult }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  await repo.write('argocd/project.yaml', before.project ?? project);
  await repo.write('argocd/shop.yaml', before.application ?? application);
  await repo.write('shop/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shop }\n');
  await repo.commit('base');
  for (const [path, content] of Object.entries(after)) await repo.write(path, content);
  await repo.commit('change');
  const { code, stdout } = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--repo-url', repoUrl, '--format', 'json'], repo.dir);
  return { code, plan: JSON.parse(stdout) as PlanResult };
}

describe('an Argo CD Application and its AppProject in the same repository', () => {
  it('warns about each object the project does not let Argo CD sync, naming the rule and the project file', async () => {
    const run = await plan({
      'shop/rbac.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: shop-reader }\nrules: []\n',
      'shop/quota.yaml': 'apiVersion: v1\nkind: ResourceQuota\nmetadata: { name: shop }\nspec: { hard: { pods: "10" } }\n',
      'shop/elsewhere.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stray, namespace: kube-system }\n',
      'shop/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: { name: team-a-extra }\n',
    });
    const warnings = run.plan.environments[0].validation.warnings.map((w) => `${w.object}: ${w.message}`);
    expect(warnings).toEqual(expect.arrayContaining([
      'rbac.authorization.k8s.io/v1 ClusterRole shop-reader: Argo CD refuses to sync it: cluster-scoped rbac.authorization.k8s.io/ClusterRole is not in clusterResourceWhitelist in AppProject team-a (argocd/project.yaml)',
      'v1 ResourceQuota team-a-shop/shop: Argo CD refuses to sync it: core/ResourceQuota is in namespaceResourceBlacklist in AppProject team-a (argocd/project.yaml)',
      'v1 ConfigMap kube-system/stray: Argo CD refuses to sync it: namespace kube-system is not one of its destinations in AppProject team-a (argocd/project.yaml)',
    ]));
    expect(warnings.filter((w) => w.includes('AppProject'))).toHaveLength(3);
  });

  it('says nothing for what the project permits', async () => {
    const run = await plan({ 'shop/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shop }\ndata: { a: "1" }\n' });
    expect(run.code).toBe(0);
    expect(run.plan.environments[0].validation.warnings.filter((w) => w.message.includes('AppProject'))).toEqual([]);
  });

  // argo-cd pkg/apis/application/v1alpha1/app_project_types.go IsSourcePermitted (git.NormalizeGitURL, then
  // util/glob with '/' as separator, `!` patterns deny), isDestinationMatched (server or name, and namespace;
  // `!` patterns deny) and IsAppNamespacePermitted (an Application outside Argo CD's namespace needs
  // spec.sourceNamespaces): Argo CD refuses such an Application as a whole (InvalidSpecError, nothing syncs).
  const appWarnings = (run: { plan: PlanResult }) => run.plan.environments[0].validation.warnings.filter((w) => w.object.startsWith('argoproj.io/v1alpha1 Application ')).map((w) => `${w.file}: ${w.message}`);
  const withProject = (spec: string) => project.replace(/spec:\n[\s\S]*$/, `spec:\n${spec}`);
  const change = { 'shop/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: shop }\ndata: { a: "2" }\n' };

  it('warns at the Application when its repository is not in the project\'s sourceRepos, matched as Argo CD globs them', async () => {
    const refused = await plan(change, { project: withProject("  sourceRepos: ['https://github.com/*', 'https://github.com/acme/other-*']\n  destinations: [{ server: '*', namespace: '*' }]\n") });
    expect(appWarnings(refused)).toEqual([
      `argocd/shop.yaml: Argo CD refuses to sync the Application (nothing it renders is deployed): repository ${repoUrl} (spec.source.repoURL) is not permitted by sourceRepos in AppProject team-a (argocd/project.yaml)`,
    ]);
    const permitted = await plan(change, { project: withProject("  sourceRepos: ['https://github.com/acme/*']\n  destinations: [{ server: '*', namespace: '*' }]\n") });
    expect(appWarnings(permitted)).toEqual([]);
    // `!` denies what it matches; a deny pattern that does not match counts as a match (IsSourcePermitted).
    const denied = await plan(change, { project: withProject("  sourceRepos: ['*', '!https://github.com/acme/gitops']\n  destinations: [{ server: '*', namespace: '*' }]\n") });
    expect(appWarnings(denied)).toHaveLength(1);
    const onlyDeny = await plan(change, { project: withProject("  sourceRepos: ['!https://github.com/acme/secret-*']\n  destinations: [{ server: '*', namespace: '*' }]\n") });
    expect(appWarnings(onlyDeny)).toEqual([]);
    // An SSH URL normalizes to git@host/path, which an https:// pattern does not match.
    const ssh = await plan(change, {
      project: withProject("  sourceRepos: ['https://github.com/acme/*']\n  destinations: [{ server: '*', namespace: '*' }]\n"),
      application: application.replace(`repoURL: ${repoUrl}`, 'repoURL: git@github.com:acme/gitops.git'),
    });
    expect(appWarnings(ssh)).toEqual([expect.stringContaining('repository git@github.com:acme/gitops.git (spec.source.repoURL) is not permitted by sourceRepos')]);
  });

  it('warns at the Application when no destination permits it, and per object when a `!` destination denies its namespace', async () => {
    const elsewhere = await plan(change, { project: withProject("  sourceRepos: ['*']\n  destinations: [{ server: https://prod.example.com, namespace: '*' }]\n") });
    expect(appWarnings(elsewhere)).toEqual([
      'argocd/shop.yaml: Argo CD refuses to sync the Application (nothing it renders is deployed): destination server https://kubernetes.default.svc, namespace team-a-shop matches none of the destinations in AppProject team-a (argocd/project.yaml)',
    ]);
    // Argo CD resolves a destination name to its cluster's server and back (GetDestinationCluster) before it
    // matches: `name: in-cluster` is https://kubernetes.default.svc; another name bosun cannot resolve is not
    // held against the project.
    const byName = (name: string) => application.replace('destination: { server: https://kubernetes.default.svc,', `destination: { name: ${name},`);
    const serverOnly = withProject("  sourceRepos: ['*']\n  destinations: [{ server: https://kubernetes.default.svc, namespace: '*' }]\n");
    expect(appWarnings(await plan(change, { project: serverOnly, application: byName('in-cluster') }))).toEqual([]);
    expect(appWarnings(await plan(change, { project: serverOnly, application: byName('prod-eu') }))).toEqual([]);
    const denyKubeSystem = withProject("  sourceRepos: ['*']\n  destinations: [{ server: '*', namespace: '!kube-system' }, { server: '*', namespace: '*' }]\n  clusterResourceWhitelist: [{ group: '*', kind: '*' }]\n");
    const run = await plan({ 'shop/elsewhere.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: stray, namespace: kube-system }\n' }, { project: denyKubeSystem });
    expect(appWarnings(run)).toEqual([]);
    expect(run.plan.environments[0].validation.warnings.map((w) => `${w.object}: ${w.message}`)).toEqual([
      'v1 ConfigMap kube-system/stray: Argo CD refuses to sync it: namespace kube-system is not one of its destinations in AppProject team-a (argocd/project.yaml)',
    ]);
  });

  it('warns at an Application outside Argo CD\'s namespace that the project\'s sourceNamespaces does not list', async () => {
    const inTeamNs = application.replace('metadata: { name: shop, namespace: argocd }', 'metadata: { name: shop, namespace: team-a }');
    const refused = await plan(change, { application: inTeamNs });
    expect(appWarnings(refused)).toEqual([
      'argocd/shop.yaml: Argo CD refuses to sync the Application (nothing it renders is deployed): its namespace team-a is not in sourceNamespaces in AppProject team-a (argocd/project.yaml)',
    ]);
    const listed = await plan(change, { application: inTeamNs, project: project.replace("  sourceRepos: ['*']\n", "  sourceRepos: ['*']\n  sourceNamespaces: ['team-*']\n") });
    expect(appWarnings(listed)).toEqual([]);
  });
});
