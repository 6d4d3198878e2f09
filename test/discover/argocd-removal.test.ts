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
import { renderMarkdown } from '../../src/report/index.ts';
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
  /** The plan's markdown report. */
  markdown: string;
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
    markdown: renderMarkdown(plan, { maxPartChars: 1_000_000 })[0],
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

// The same change removes what produces the Application (issue #12): Argo CD goes by what happens to that parent.
describe('an Argo CD Application removed together with its parent', () => {
  const fin = ['resources-finalizer.argocd.argoproj.io'];

  it('the ApplicationSet file removed: Argo CD does not delete the ApplicationSet, so its Applications and their objects stay; nothing pruned', async () => {
    const appset = [
      'apiVersion: argoproj.io/v1alpha1', 'kind: ApplicationSet', 'metadata: { name: apps, namespace: argocd }', 'spec:',
      '  generators:', '    - list:', '        elements: [{ env: dev }, { env: prod }]',
      '  template:', "    metadata: { name: 'apps-{{env}}' }",
      '    spec:', `      source: { repoURL: ${repoUrl}, path: 'apps/{{env}}' }`, "      destination: { server: https://kubernetes.default.svc, namespace: '{{env}}' }", '',
    ].join('\n');
    const { envs, pruned } = await removal({ 'sets/apps.yaml': appset, 'apps/dev/cm.yaml': configMap('dev'), 'apps/prod/cm.yaml': configMap('prod') }, { 'sets/apps.yaml': null });
    for (const name of ['apps-dev', 'apps-prod']) {
      expect(envs[name]).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
      expect(envs[name].reason).toBe(`environment removed (was defined in sets/apps.yaml); its objects stay in the cluster (ApplicationSet apps was removed from Git in this change; Argo CD does not delete an ApplicationSet whose file is removed, so its Applications and their objects stay — delete it with kubectl/argocd to remove them (Application ${name} has the resources finalizer: its objects go with it))`);
    }
    expect(pruned).toEqual([]);
  });

  it('a top-level app-of-apps parent removed: it stays in Argo CD and keeps rendering its chart, so its children stay; one whose parent folder is gone too stays (nothing syncs it away)', async () => {
    const chart = (names: string[]) => names.map((n) => application(n, `apps/${n}`, { finalizers: fin })).join('---\n');
    const { envs, pruned } = await removal({
      'argocd/root.yaml': application('root', 'charts/apps', { prune: true, finalizers: fin }),
      'charts/apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 0.1.0\n',
      'charts/apps/templates/apps.yaml': chart(['web', 'api']),
      'argocd/tree.yaml': application('tree', 'argocd/tree', { prune: true }),
      'argocd/tree/leaf.yaml': application('leaf', 'apps/leaf', { finalizers: fin }),
      ...Object.fromEntries(['web', 'api', 'leaf'].map((n) => [`apps/${n}/cm.yaml`, configMap(n)])),
    }, { 'argocd/root.yaml': null, 'argocd/tree.yaml': null, 'argocd/tree/leaf.yaml': null });
    for (const name of ['web', 'api']) {
      expect(envs[name]).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
      expect(envs[name].reason).toBe(`environment removed (was defined in charts/apps/templates/apps.yaml); its objects stay in the cluster (its parent Application root is removed from Git in this change but not deleted in Argo CD (Application root was removed from Git in this change, and Argo CD does not delete an Application whose file is removed): it stays with its last definition, so Application ${name} stays too — delete root with argocd app delete to remove them)`);
    }
    expect(envs.leaf).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.leaf.reason).toContain('its parent Application tree is removed from Git in this change but not deleted in Argo CD');
    expect(envs.root).toMatchObject({ lifecycle: 'removed', affected: false });
    expect(pruned).toEqual([]);
  });

  it('a top-level parent removed whose folder stays in Git: it keeps syncing it with automated prune, so a child whose file is gone is pruned (its objects with its finalizer)', async () => {
    const { envs, pruned } = await removal({
      'root.yaml': application('root', 'argocd/apps', { prune: true }),
      'argocd/apps/gone.yaml': application('gone', 'apps/gone', { finalizers: fin }),
      'argocd/apps/cm.yaml': configMap('root'),
      'apps/gone/cm.yaml': configMap('gone'),
    }, { 'root.yaml': null, 'argocd/apps/gone.yaml': null });
    expect(envs.gone).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(envs.gone.reason).toContain('its parent Application root is removed from Git in this change but not deleted in Argo CD');
    expect(envs.gone.reason).toContain('keeps syncing argocd/apps with automated prune, where argocd/apps/gone.yaml is gone, so it prunes Application gone; resources finalizer resources-finalizer.argocd.argoproj.io on Application gone');
    expect(deletions(envs.gone)).toEqual(['ConfigMap/gone']);
    expect(pruned).toEqual(['gone']);
  });

  it('nested app of apps: a parent its grandparent prunes takes its children along only with its resources finalizer; each child then keeps or loses its objects by its own finalizer (Delete=false keeps it)', async () => {
    const { envs, pruned } = await removal({
      'g.yaml': application('g', 'argocd/mid', { prune: true }),
      'argocd/mid/cm.yaml': configMap('g'),
      'argocd/mid/p1.yaml': application('p1', 'argocd/leaf1', { finalizers: fin }),
      'argocd/mid/p2.yaml': application('p2', 'argocd/leaf2'),
      'argocd/leaf1/x1.yaml': application('x1', 'apps/x1', { finalizers: fin }),
      'argocd/leaf1/x3.yaml': application('x3', 'apps/x3', { finalizers: fin, annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false' } }),
      'argocd/leaf1/x4.yaml': application('x4', 'apps/x4'),
      'argocd/leaf2/x2.yaml': application('x2', 'apps/x2', { finalizers: fin }),
      ...Object.fromEntries(['x1', 'x2', 'x3', 'x4'].map((n) => [`apps/${n}/cm.yaml`, configMap(n)])),
    }, Object.fromEntries(['argocd/mid/p1.yaml', 'argocd/mid/p2.yaml', 'argocd/leaf1/x1.yaml', 'argocd/leaf1/x3.yaml', 'argocd/leaf1/x4.yaml', 'argocd/leaf2/x2.yaml'].map((f) => [f, null])));
    // p1 itself: its grandparent g prunes it, with its finalizer (its own verdict, the parent g stays).
    expect(envs.p1).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(envs.x1).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(envs.x1.reason).toBe('environment removed (was defined in argocd/leaf1/x1.yaml); its objects will be deleted (its parent Application p1 is deleted with resources finalizer resources-finalizer.argocd.argoproj.io (its parent Application g (automated prune) deletes Application p1), which deletes Application x1; resources finalizer resources-finalizer.argocd.argoproj.io on Application x1)');
    expect(deletions(envs.x1)).toEqual(['ConfigMap/x1']);
    expect(envs.x3).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.x3.reason).toContain('Application x3 has argocd.argoproj.io/sync-options: Delete=false, so Argo CD leaves it in place');
    expect(envs.x4).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.x4.reason).toContain('which deletes Application x4, without what it deployed (no resources finalizer on Application x4: non-cascading)');
    // p2 has no finalizer: g deletes it alone, and its child x2 stays.
    expect(envs.p2).toMatchObject({ lifecycle: 'removed', affected: false });
    expect(envs.x2).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs.x2.reason).toContain('its parent Application p2 is deleted (its parent Application g (automated prune) deletes Application p2) without what it deployed (no resources finalizer), so Application x2 stays');
    expect(pruned).toEqual(['p1', 'x1']);
  });

  it('an ApplicationSet deployed by an app-of-apps parent its grandparent prunes: with the parent\'s finalizer the ApplicationSet goes and its Applications with it (ownerReferences); without it they stay', async () => {
    const appset = (name: string) => [
      'apiVersion: argoproj.io/v1alpha1', 'kind: ApplicationSet', `metadata: { name: ${name}, namespace: argocd }`, 'spec:',
      '  generators:', `    - list: { elements: [{ env: ${name} }] }`,
      "  template:", "    metadata: { name: 'app-{{env}}' }",
      '    spec:', `      source: { repoURL: ${repoUrl}, path: 'apps/{{env}}' }`, "      destination: { server: https://kubernetes.default.svc, namespace: '{{env}}' }", '',
    ].join('\n');
    const { envs, pruned } = await removal({
      'g.yaml': application('g', 'argocd/mid', { prune: true }),
      'argocd/mid/cm.yaml': configMap('g'),
      'argocd/mid/withfin.yaml': application('withfin', 'argocd/sets1', { finalizers: fin }),
      'argocd/mid/nofin.yaml': application('nofin', 'argocd/sets2'),
      'argocd/sets1/s1.yaml': appset('s1'),
      'argocd/sets2/s2.yaml': appset('s2'),
      'apps/s1/cm.yaml': configMap('s1'),
      'apps/s2/cm.yaml': configMap('s2'),
    }, { 'argocd/mid/withfin.yaml': null, 'argocd/mid/nofin.yaml': null, 'argocd/sets1/s1.yaml': null, 'argocd/sets2/s2.yaml': null });
    expect(envs['app-s1']).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(envs['app-s1'].reason).toContain('ApplicationSet s1 is deployed by Application withfin, which this change removes: its parent Application g (automated prune) deletes Application withfin with resources finalizer resources-finalizer.argocd.argoproj.io, which deletes ApplicationSet s1, and with it (ownerReferences) Application app-s1');
    expect(deletions(envs['app-s1'])).toEqual(['ConfigMap/s1']);
    expect(envs['app-s2']).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs['app-s2'].reason).toContain('so ApplicationSet s2 stays and keeps generating Application app-s2');
    expect(pruned).toEqual(['app-s1', 'withfin']);
  });
});

// An ApplicationSet whose generators stop producing an Application, and objects Argo CD keeps (issue #12):
// what Argo CD leaves in the cluster is listed as kept, with why, never as deleted — in the plan and the merge.
describe('ApplicationSet generator shrink and objects Argo CD keeps', () => {
  const gitAppSet = (extra: string[] = []) => [
    'apiVersion: argoproj.io/v1alpha1', 'kind: ApplicationSet', 'metadata: { name: dirs, namespace: argocd }', 'spec:',
    '  generators:', `    - git: { repoURL: ${repoUrl}, revision: HEAD, directories: [{ path: 'apps/*' }] }`,
    '  template:', "    metadata: { name: 'dirs-{{path.basename}}' }",
    '    spec:', `      source: { repoURL: ${repoUrl}, path: '{{path}}' }`, "      destination: { server: https://kubernetes.default.svc, namespace: '{{path.basename}}' }",
    ...extra, '',
  ].join('\n');
  const annotated = (name: string, option: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${name}\n  annotations:\n    argocd.argoproj.io/sync-options: ${option}\ndata:\n  k: v\n`;

  it('a git directory removed while the ApplicationSet stays: Argo CD deletes the Application it no longer generates, with its objects (the finalizer it adds)', async () => {
    const { envs, pruned } = await removal(
      { 'sets/dirs.yaml': gitAppSet(), 'apps/dev/cm.yaml': configMap('dev'), 'apps/prod/cm.yaml': configMap('prod') },
      { 'apps/prod/cm.yaml': null },
    );
    expect(envs['dirs-prod']).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(envs['dirs-prod'].reason).toContain('when ApplicationSet dirs deletes Application dirs-prod because it no longer generates it');
    expect(deletions(envs['dirs-prod'])).toEqual(['ConfigMap/prod']);
    expect(envs['dirs-dev'].affected).toBe(false);
    expect(pruned).toEqual(['dirs-prod']);
  });

  it('Prune=false in the template\'s syncOptions or on an object: the object a change removes from Git is kept (why), not deleted', async () => {
    const template = gitAppSet(['      syncPolicy: { automated: { prune: true }, syncOptions: [Prune=false] }']);
    const objectLevel = gitAppSet(['      syncPolicy: { automated: { prune: true } }']).replaceAll('dirs', 'own');
    const { envs, markdown } = await removal(
      {
        'sets/dirs.yaml': template, 'apps/dev/cm.yaml': configMap('dev'), 'apps/dev/old.yaml': configMap('old'),
        'sets/own.yaml': objectLevel.replace("'apps/*'", "'own/*'"), 'own/web/keep.yaml': annotated('keep', 'Prune=false'), 'own/web/gone.yaml': configMap('gone'), 'own/web/cm.yaml': configMap('web'),
      },
      { 'apps/dev/old.yaml': null, 'own/web/keep.yaml': null, 'own/web/gone.yaml': null },
    );
    expect(deletions(envs['dirs-dev'])).toEqual([]);
    expect(envs['dirs-dev'].sync?.kept).toEqual([expect.objectContaining({ kind: 'ConfigMap', namespace: 'old', name: 'old', reason: "the Application's syncPolicy.syncOptions Prune=false: Argo CD's sync never prunes it, so it stays in the cluster although Git no longer has it" })]);
    expect(deletions(envs['own-web'])).toEqual(['ConfigMap/gone']);
    expect(envs['own-web'].sync?.kept).toEqual([expect.objectContaining({ name: 'keep', reason: expect.stringMatching(/^annotated argocd\.argoproj\.io\/sync-options: Prune=false: /) })]);
    expect(markdown).toContain("- kept: ConfigMap `old/old` (the Application's syncPolicy.syncOptions Prune=false: Argo CD's sync never prunes it");
  });

  it('the ApplicationSet file removed together with a git directory: Argo CD keeps the ApplicationSet with its last definition, whose git generator no longer finds the folder, so that Application goes (with its objects); the others stay', async () => {
    const { envs, pruned } = await removal(
      { 'sets/dirs.yaml': gitAppSet(), 'apps/dev/cm.yaml': configMap('dev'), 'apps/prod/cm.yaml': configMap('prod') },
      { 'sets/dirs.yaml': null, 'apps/prod/cm.yaml': null },
    );
    expect(envs['dirs-prod']).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(envs['dirs-prod'].reason).toBe('environment removed (was defined in sets/dirs.yaml); its objects will be deleted (ApplicationSet dirs was removed from Git in this change but stays in Argo CD with its last definition, and its git generator no longer finds apps/prod at the merged commit, so it deletes Application dirs-prod; resources finalizer resources-finalizer.argocd.argoproj.io on Application dirs-prod)');
    expect(deletions(envs['dirs-prod'])).toEqual(['ConfigMap/prod']);
    expect(envs['dirs-dev']).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(envs['dirs-dev'].reason).toContain('Argo CD does not delete an ApplicationSet whose file is removed');
    expect(pruned).toEqual(['dirs-prod']);
    // applicationsSync create-update: the controller never deletes an Application it stops generating.
    const kept = await removal(
      { 'sets/dirs.yaml': gitAppSet(['  syncPolicy: { applicationsSync: create-update }']), 'apps/dev/cm.yaml': configMap('dev'), 'apps/prod/cm.yaml': configMap('prod') },
      { 'sets/dirs.yaml': null, 'apps/prod/cm.yaml': null },
    );
    expect(kept.envs['dirs-prod']).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(kept.pruned).toEqual([]);
  });

  it('a generator that stops producing an Application: its objects go with it, except one annotated Delete=false (Prune=false does not count when the Application is deleted)', async () => {
    const { envs, pruned } = await removal(
      { 'sets/dirs.yaml': gitAppSet(), 'apps/dev/cm.yaml': configMap('dev'), 'apps/prod/cm.yaml': configMap('prod'), 'apps/prod/db.yaml': annotated('db', 'Delete=false'), 'apps/prod/cache.yaml': annotated('cache', 'Prune=false') },
      { 'apps/prod/cm.yaml': null, 'apps/prod/db.yaml': null, 'apps/prod/cache.yaml': null },
    );
    expect(deletions(envs['dirs-prod']).sort()).toEqual(['ConfigMap/cache', 'ConfigMap/prod']);
    expect(envs['dirs-prod'].sync?.kept).toEqual([expect.objectContaining({ name: 'db', reason: expect.stringMatching(/^annotated argocd\.argoproj\.io\/sync-options: Delete=false: Argo CD deletes the Application's objects but leaves this one$/) })]);
    expect(pruned).toEqual(['dirs-prod']);
  });
});
