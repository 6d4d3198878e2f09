// What happens to an Argo CD Application's objects when a change stops defining it (argocd-removal.ts), on
// real git repositories, through both sides that act on it: the plan (planChange: deletions shown or not)
// and the merge (affectedEnvironments, which queue/workflows/push/push.ts turns into prune jobs: a removed
// environment it returns is pruned, one it leaves out is not). Argo CD deletes the objects only when the
// Application has the resources finalizer and something deletes the Application: a parent that prunes it,
// the ApplicationSet that stops generating it; nothing deletes a top-level Application whose file goes.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { EnvironmentPlan } from '../../src/model/plan.ts';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { planChange } from '../../src/plan/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/gitops';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${name}\ndata:\n  k: v\n`;

function application(name: string, path: string, opts: { finalizers?: string[]; prune?: boolean; annotations?: Record<string, string> } = {}): string {
  const lines = ['apiVersion: argoproj.io/v1alpha1', 'kind: Application', 'metadata:', `  name: ${name}`, '  namespace: argocd'];
  if (opts.annotations) lines.push('  annotations:', ...Object.entries(opts.annotations).map(([k, v]) => `    ${k}: "${v}"`));
  if (opts.finalizers) lines.push('  finalizers:', ...opts.finalizers.map((f) => `    - ${f}`));
  lines.push('spec:', '  project: default', '  source:', `    repoURL: ${repoUrl}`, `    path: ${path}`, '  destination:', '    server: https://kubernetes.default.svc', `    namespace: ${name}`);
  if (opts.prune !== undefined) lines.push('  syncPolicy:', '    automated:', `      prune: ${opts.prune}`);
  return `${lines.join('\n')}\n`;
}

interface Outcome {
  envs: Record<string, EnvironmentPlan>;
  /** Removed environments a merge of the change prunes (affectedEnvironments without a head definition). */
  pruned: string[];
}

/** Commits `files`, then the change (null removes a file), and returns the plan and the merge's verdict. */
async function removal(files: Record<string, string>, change: Record<string, string | null>): Promise<Outcome> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  const base = await repo.commit('base');
  for (const [path, content] of Object.entries(change)) {
    if (content === null) await repo.remove(path);
    else await repo.write(path, content);
  }
  const head = await repo.commit('change');
  const plan = await planChange({ repoDir: repo.dir, base, head, repoUrls: [repoUrl] });
  const merged = await affectedEnvironments({ repoDir: repo.dir, base, head, repoUrls: [repoUrl] });
  return {
    envs: Object.fromEntries(plan.environments.map((e) => [e.name, e])),
    pruned: merged.filter((a) => !a.env).map((a) => a.name).sort(),
  };
}

const deletions = (env: EnvironmentPlan) => env.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`);

describe('a removed Argo CD Application, as Argo CD treats it', () => {
  it('app of apps: a child the pruning parent no longer renders loses its objects only with the resources finalizer (foreground, /foreground, /background); without it they stay', async () => {
    const children = {
      'argocd/apps/fg.yaml': application('fg', 'apps/fg', { finalizers: ['resources-finalizer.argocd.argoproj.io'] }),
      'argocd/apps/fgx.yaml': application('fgx', 'apps/fgx', { finalizers: ['resources-finalizer.argocd.argoproj.io/foreground'] }),
      'argocd/apps/bg.yaml': application('bg', 'apps/bg', { finalizers: ['resources-finalizer.argocd.argoproj.io/background'] }),
      'argocd/apps/plain.yaml': application('plain', 'apps/plain'),
      'argocd/apps/kept.yaml': application('kept', 'apps/kept', { finalizers: ['resources-finalizer.argocd.argoproj.io'] }),
    };
    const { envs, pruned } = await removal({
      'root.yaml': application('root', 'argocd/apps', { prune: true }),
      ...children,
      ...Object.fromEntries(['fg', 'fgx', 'bg', 'plain', 'kept'].map((n) => [`apps/${n}/cm.yaml`, configMap(n)])),
    }, { 'argocd/apps/fg.yaml': null, 'argocd/apps/fgx.yaml': null, 'argocd/apps/bg.yaml': null, 'argocd/apps/plain.yaml': null });

    for (const [name, how] of [['fg', 'resources-finalizer.argocd.argoproj.io: foreground'], ['fgx', 'resources-finalizer.argocd.argoproj.io/foreground: foreground'], ['bg', 'resources-finalizer.argocd.argoproj.io/background: background']]) {
      expect(envs[name]).toMatchObject({ lifecycle: 'removed', affected: true });
      expect(envs[name].reason).toBe(`environment removed (was defined in argocd/apps/${name}.yaml); its objects will be deleted (resources finalizer ${how} cascading deletion, when its parent Application root prunes Application ${name})`);
      expect(deletions(envs[name])).toEqual([`ConfigMap/${name}`]);
    }
    expect(envs.plain).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.plain.reason).toBe('environment removed (was defined in argocd/apps/plain.yaml); its objects stay in the cluster (no resources finalizer: when its parent Application root prunes Application plain, Argo CD deletes the Application alone (non-cascading))');
    // The merge prunes exactly what the plan showed deleted; the one still rendered is untouched.
    expect(pruned).toEqual(['bg', 'fg', 'fgx']);
    expect(envs.kept).toMatchObject({ affected: false });
    expect(envs.kept.lifecycle).toBeUndefined();
  });

  it('app of apps: a parent that does not prune, or a child marked Prune=false, leaves the child Application in place, finalizer or not', async () => {
    const fin = ['resources-finalizer.argocd.argoproj.io'];
    const { envs, pruned } = await removal({
      'manual.yaml': application('manual', 'argocd/manual'),
      'argocd/manual/a.yaml': application('a', 'apps/a', { finalizers: fin }),
      'auto.yaml': application('auto', 'argocd/auto', { prune: true }),
      'argocd/auto/b.yaml': application('b', 'apps/b', { finalizers: fin, annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } }),
      'apps/a/cm.yaml': configMap('a'),
      'apps/b/cm.yaml': configMap('b'),
      // The parents' folders keep something once the child goes (git keeps no empty folder).
      'argocd/manual/cm.yaml': configMap('manual'),
      'argocd/auto/cm.yaml': configMap('auto'),
    }, { 'argocd/manual/a.yaml': null, 'argocd/auto/b.yaml': null });
    expect(envs.a).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.a.reason).toContain('its objects stay in the cluster (its parent Application manual does not prune (no syncPolicy.automated.prune), so Argo CD leaves Application a in place');
    expect(envs.b).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.b.reason).toContain('Application b has argocd.argoproj.io/sync-options: Prune=false, so its parent Application auto never prunes it');
    expect(pruned).toEqual([]);
  });

  it('a top-level Application whose file is deleted: Argo CD does not delete it, so nothing is pruned, finalizer or not, and the reason says who must delete it', async () => {
    const { envs, pruned } = await removal({
      'argocd/web.yaml': application('web', 'apps/web', { finalizers: ['resources-finalizer.argocd.argoproj.io'], prune: true }),
      'argocd/api.yaml': application('api', 'apps/api', { prune: true }),
      'argocd/stays.yaml': application('stays', 'apps/stays'),
      'apps/web/cm.yaml': configMap('web'),
      'apps/api/cm.yaml': configMap('api'),
      'apps/stays/cm.yaml': configMap('stays'),
    }, { 'argocd/web.yaml': null, 'argocd/api.yaml': null });
    expect(envs.web).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.web.reason).toBe('environment removed (was defined in argocd/web.yaml); its objects stay in the cluster (removing the file does not delete Application web in Argo CD: no parent Application or ApplicationSet of this repository produces it, so it stays and keeps deploying until someone deletes it (argocd app delete web); its objects are deleted only then (resources finalizer resources-finalizer.argocd.argoproj.io: foreground cascading deletion))');
    expect(envs.api.reason).toMatch(/removing the file does not delete Application api in Argo CD: .*; even then its objects stay \(no resources finalizer\)\)$/);
    expect(pruned).toEqual([]);
  });

  it('an ApplicationSet that stops generating an Application: deleted with its objects (the finalizer it adds), kept with preserveResourcesOnDeletion or a template without the finalizer', async () => {
    const appset = (name: string, extra: string, finalizers?: string) => [
      'apiVersion: argoproj.io/v1alpha1', 'kind: ApplicationSet', `metadata: { name: ${name}, namespace: argocd }`, 'spec:',
      '  generators:', '    - list:', '        elements: [{ env: dev }, { env: prod }]',
      '  template:', '    metadata:', `      name: '${name}-{{env}}'`, ...(finalizers ? [`      finalizers: [${finalizers}]`] : []),
      '    spec:', `      source: { repoURL: ${repoUrl}, path: 'apps/{{env}}' }`, "      destination: { server: https://kubernetes.default.svc, namespace: '{{env}}' }",
      ...(extra ? [extra] : []), '',
    ].join('\n');
    const only = (text: string) => text.replace('[{ env: dev }, { env: prod }]', '[{ env: dev }]');
    const files = {
      'sets/plain.yaml': appset('plain', ''),
      'sets/keep.yaml': appset('keep', '  syncPolicy: { preserveResourcesOnDeletion: true }'),
      'sets/bgset.yaml': appset('bgset', '', 'resources-finalizer.argocd.argoproj.io/background'),
      'sets/other.yaml': appset('other', '', 'example.com/other'),
      'apps/dev/cm.yaml': configMap('dev'),
      'apps/prod/cm.yaml': configMap('prod'),
    };
    const { envs, pruned } = await removal(files, Object.fromEntries(Object.entries(files).filter(([f]) => f.startsWith('sets/')).map(([f, t]) => [f, only(t)])));
    expect(envs['plain-prod'].reason).toBe('environment removed (was defined in sets/plain.yaml); its objects will be deleted (resources finalizer resources-finalizer.argocd.argoproj.io: foreground cascading deletion, when ApplicationSet plain deletes Application plain-prod because it no longer generates it)');
    expect(deletions(envs['plain-prod'])).toEqual(['ConfigMap/prod']);
    expect(envs['bgset-prod'].reason).toContain('resources-finalizer.argocd.argoproj.io/background: background cascading deletion');
    expect(envs['keep-prod']).toMatchObject({ affected: false, lifecycle: 'removed', reason: 'environment removed (was defined in sets/keep.yaml); its objects stay in the cluster (ApplicationSet keep sets preserveResourcesOnDeletion)' });
    expect(envs['other-prod']).toMatchObject({ affected: false, lifecycle: 'removed' });
    expect(envs['other-prod'].reason).toContain('no resources finalizer: ApplicationSet other deletes Application other-prod when it stops generating it');
    expect(pruned).toEqual(['bgset-prod', 'plain-prod']);
  });
});
