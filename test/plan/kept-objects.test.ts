// Objects the GitOps controller leaves in the cluster although a change removes them from Git (issues #12, #13),
// through planChange on real git repositories (kustomize, helm): each is listed under the plan's Sync as
// "kept" with why, never among the deletions. The merge's prune follows the same rule
// (model/apply-options.ts controllerKeepReason, cluster/prune-rules.ts; test/cluster/prune-kept.test.ts).
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { EnvironmentPlan } from '../../src/model/plan.ts';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { planChange } from '../../src/plan/plan.ts';
import { renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repoUrl = 'https://github.com/acme/gitops';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

interface Outcome {
  envs: Record<string, EnvironmentPlan>;
  /** Removed environments a merge prunes. */
  pruned: string[];
  markdown: string;
}

async function planOf(files: Record<string, string>, change: Record<string, string | null>, clusters?: { clusters: { name: string; labels: Record<string, string> }[] }): Promise<Outcome> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  const base = await repo.commit('base');
  for (const [path, content] of Object.entries(change)) {
    if (content === null) await repo.remove(path);
    else await repo.write(path, content);
  }
  const head = await repo.commit('change');
  const plan = await planChange({ repoDir: repo.dir, base, head, repoUrls: [repoUrl], ...(clusters ? { clusters } : {}) });
  const merged = await affectedEnvironments({ repoDir: repo.dir, base, head, repoUrls: [repoUrl], ...(clusters ? { clusters } : {}) });
  return {
    envs: Object.fromEntries(plan.environments.map((e) => [e.name, e])),
    pruned: merged.filter((a) => !a.env).map((a) => a.name).sort(),
    markdown: renderMarkdown(plan, { maxPartChars: 1_000_000 })[0],
  };
}

const deletions = (env: EnvironmentPlan) => env.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind}/${c.name}`).sort();
const kept = (env: EnvironmentPlan) => (env.sync?.kept ?? []).map((k) => `${k.kind}/${k.name}: ${k.reason}`).sort();

const configMap = (name: string, namespace: string, annotations: Record<string, string> = {}) => [
  'apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: ${name}`, `  namespace: ${namespace}`,
  ...(Object.keys(annotations).length > 0 ? ['  annotations:', ...Object.entries(annotations).map(([k, v]) => `    ${k}: "${v}"`)] : []),
  'data:', '  k: v', '',
].join('\n');
const crd = (plural: string) => [
  'apiVersion: apiextensions.k8s.io/v1', 'kind: CustomResourceDefinition', `metadata: { name: ${plural}.example.com }`, 'spec:', '  group: example.com',
  `  names: { kind: W${plural}, plural: ${plural}, singular: w${plural} }`, '  scope: Namespaced',
  '  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } } }]', '',
].join('\n');

describe('Argo CD: CRDs and helm.sh/resource-policy: keep', () => {
  const appSet = [
    'apiVersion: argoproj.io/v1alpha1', 'kind: ApplicationSet', 'metadata: { name: dirs, namespace: argocd }', 'spec:',
    '  generators:', `    - git: { repoURL: ${repoUrl}, revision: HEAD, directories: [{ path: 'apps/*' }] }`,
    '  template:', "    metadata: { name: 'dirs-{{path.basename}}' }",
    '    spec:', `      source: { repoURL: ${repoUrl}, path: '{{path}}' }`, "      destination: { server: https://kubernetes.default.svc, namespace: '{{path.basename}}' }",
    '      syncPolicy: { automated: { prune: true } }', '',
  ].join('\n');

  it('an Application deleted with its objects leaves its CRDs and keep objects (kept, with why); the others go', async () => {
    const { envs, pruned, markdown } = await planOf(
      {
        'sets/dirs.yaml': appSet, 'apps/dev/cm.yaml': configMap('dev', 'dev'),
        'apps/prod/cm.yaml': configMap('prod', 'prod'), 'apps/prod/crd.yaml': crd('widgets'),
        'apps/prod/data.yaml': configMap('data', 'prod', { 'helm.sh/resource-policy': 'keep' }),
      },
      { 'apps/prod/cm.yaml': null, 'apps/prod/crd.yaml': null, 'apps/prod/data.yaml': null },
    );
    expect(envs['dirs-prod']).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(deletions(envs['dirs-prod'])).toEqual(['ConfigMap/prod']);
    expect(kept(envs['dirs-prod'])).toEqual([
      "ConfigMap/data: annotated helm.sh/resource-policy: keep: Argo CD's cascading deletion of the Application leaves it",
      "CustomResourceDefinition/widgets.example.com: a CustomResourceDefinition: Argo CD's cascading deletion of an Application never deletes CRDs (their custom resources would go with them)",
    ]);
    expect(markdown).toContain('- kept: CustomResourceDefinition `widgets.example.com` (a CustomResourceDefinition: ');
    expect(markdown).toContain('> This environment no longer exists at head: every object it deployed is deleted except 2 objects listed as kept below.');
    expect(pruned).toEqual(['dirs-prod']);
  });

  it('a sync\'s prune honours neither: a keep object or a CRD Git drops while the Application stays is deleted', async () => {
    const { envs } = await planOf(
      { 'sets/dirs.yaml': appSet, 'apps/dev/cm.yaml': configMap('dev', 'dev'), 'apps/dev/crd.yaml': crd('gadgets'), 'apps/dev/data.yaml': configMap('data', 'dev', { 'helm.sh/resource-policy': 'keep' }) },
      { 'apps/dev/crd.yaml': null, 'apps/dev/data.yaml': null },
    );
    expect(deletions(envs['dirs-dev'])).toEqual(['ConfigMap/data', 'CustomResourceDefinition/gadgets.example.com']);
    expect(envs['dirs-dev'].sync?.kept).toBeUndefined();
  });

  it('automated sync without prune deletes nothing Git drops: kept (the Application shows OutOfSync), as the merge leaves it', async () => {
    const app = (automated: string) => [
      'apiVersion: argoproj.io/v1alpha1', 'kind: Application', 'metadata: { name: shop, namespace: argocd }', 'spec:',
      `  source: { repoURL: ${repoUrl}, path: apps/shop }`, '  destination: { server: https://kubernetes.default.svc, namespace: shop }',
      `  syncPolicy: { automated: ${automated} }`, '',
    ].join('\n');
    const files = { 'apps/shop/a.yaml': configMap('a', 'shop'), 'apps/shop/b.yaml': configMap('b', 'shop') };
    const { envs, markdown } = await planOf({ 'argocd/shop.yaml': app('{}'), ...files }, { 'apps/shop/b.yaml': null });
    const shop = envNamed(envs, 'shop');
    expect(deletions(shop)).toEqual([]);
    expect(kept(shop)).toEqual(['ConfigMap/b: automated sync without prune: Argo CD leaves it, the Application shows OutOfSync']);
    expect(markdown).toContain('- kept: ConfigMap `shop/b` (automated sync without prune: Argo CD leaves it, the Application shows OutOfSync)');
    // With prune: true the sync deletes it.
    const pruning = await planOf({ 'argocd/shop.yaml': app('{ prune: true }'), ...files }, { 'apps/shop/b.yaml': null });
    expect(deletions(envNamed(pruning.envs, 'shop'))).toEqual(['ConfigMap/b']);
    expect(envNamed(pruning.envs, 'shop').sync?.kept).toBeUndefined();
  });

  it('under an ApplicationSet\'s RollingSync without prune the rollout\'s sync leaves what Git drops, and the step never completes (said); one no step selects waits for a sync by hand', async () => {
    const rolling = (syncPolicy: string) => [
      'apiVersion: argoproj.io/v1alpha1', 'kind: ApplicationSet', 'metadata: { name: web, namespace: argocd }', 'spec:',
      '  generators:', '    - list: { elements: [{ stage: dev }, { stage: prod }, { stage: legacy }] }',
      '  strategy:', '    type: RollingSync', '    rollingSync:', '      steps:',
      '        - matchExpressions: [{ key: stage, operator: In, values: [dev] }]',
      '        - matchExpressions: [{ key: stage, operator: In, values: [prod] }]',
      '  template:', "    metadata: { name: 'web-{{stage}}', labels: { stage: '{{stage}}' } }",
      '    spec:', `      source: { repoURL: ${repoUrl}, path: apps/web }`, "      destination: { server: https://kubernetes.default.svc, namespace: '{{stage}}' }",
      ...(syncPolicy ? [`      syncPolicy: ${syncPolicy}`] : []), '',
    ].join('\n');
    const files = { 'apps/web/a.yaml': configMap('a', 'web'), 'apps/web/b.yaml': configMap('b', 'web') };
    for (const policy of ['{ automated: {} }', '']) {
      const { envs } = await planOf({ 'sets/web.yaml': rolling(policy), ...files }, { 'apps/web/b.yaml': null });
      expect(deletions(envs['web-dev']), policy).toEqual([]);
      expect(kept(envs['web-dev']), policy).toEqual([
        "ConfigMap/b: ApplicationSet web's RollingSync syncs it in step 1 without prune (progressive syncs take automated off the Application and prune only as its automated.prune says): "
        + "Argo CD leaves it and the Application stays OutOfSync, so the rollout never finds step 1 done and later steps wait until someone syncs it with prune; bosun's merge does the same: its apply waits for /bosun apply (which leaves it too), and later steps wait for it",
      ]);
      expect(kept(envs['web-legacy']), policy).toEqual([
        "ConfigMap/b: no step of ApplicationSet web's RollingSync selects it: Argo CD syncs it only by hand, and a sync by hand deletes it only with prune (argocd app sync --prune); bosun's /bosun apply leaves it too",
      ]);
    }
    // automated.prune: true is the rollout's prune: deleted.
    const pruning = await planOf({ 'sets/web.yaml': rolling('{ automated: { prune: true } }'), ...files }, { 'apps/web/b.yaml': null });
    expect(deletions(pruning.envs['web-dev'])).toEqual(['ConfigMap/b']);
  });

  it('without automated sync (synced by hand) nothing Git drops is deleted unless the sync prunes: kept, as /bosun apply (prune off) leaves it', async () => {
    const app = (syncPolicy: string) => [
      'apiVersion: argoproj.io/v1alpha1', 'kind: Application', 'metadata: { name: shop, namespace: argocd }', 'spec:',
      `  source: { repoURL: ${repoUrl}, path: apps/shop }`, '  destination: { server: https://kubernetes.default.svc, namespace: shop }',
      ...(syncPolicy ? [`  syncPolicy: ${syncPolicy}`] : []), '',
    ].join('\n');
    const files = { 'apps/shop/a.yaml': configMap('a', 'shop'), 'apps/shop/b.yaml': configMap('b', 'shop') };
    const manualReason = "ConfigMap/b: no automated sync: Argo CD syncs it only by hand, and a sync by hand deletes it only with prune (argocd app sync --prune); bosun's /bosun apply leaves it too";
    for (const policy of ['', '{ syncOptions: [CreateNamespace=true] }', '{ automated: { enabled: false, prune: true } }']) {
      const { envs, markdown } = await planOf({ 'argocd/shop.yaml': app(policy), ...files }, { 'apps/shop/b.yaml': null });
      const shop = envNamed(envs, 'shop');
      expect(deletions(shop), policy).toEqual([]);
      expect(kept(shop), policy).toEqual([manualReason]);
      expect(markdown, policy).toContain('- kept: ConfigMap `shop/b` (no automated sync: Argo CD syncs it only by hand');
    }
  });
});

const fluxSystem = fluxSystemSync('clusters/staging', 'https://github.com/acme/gitops');
const appsKustomization = (prune: boolean, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: ${prune}
  sourceRef: {kind: GitRepository, name: flux-system}
${extra}`;
/** The bootstrap and the `apps` Kustomization (prune as given), as `flux bootstrap` lays them out. */
const flux = (prune: boolean, extra = '') => ({ 'clusters/staging/flux-system/gotk-sync.yaml': fluxSystem, 'clusters/staging/apps.yaml': appsKustomization(prune, extra) });

const envNamed = (envs: Record<string, EnvironmentPlan>, suffix: string) => {
  const found = Object.values(envs).find((e) => e.name.endsWith(suffix));
  if (!found) throw new Error(`no environment ending in ${suffix} among ${Object.values(envs).map((e) => `${e.name} (${e.reason})`).join(', ')}`);
  return found;
};

describe('Flux Kustomization: prune: disabled, ssa: Ignore, spec.prune off', () => {
  it('objects its garbage collection excludes are kept (which annotation); a plain one is deleted', async () => {
    const { envs, markdown } = await planOf(
      {
        ...flux(true),
        'apps/plain.yaml': configMap('plain', 'shop'), 'apps/stay.yaml': configMap('stay', 'shop'),
        'apps/guarded.yaml': configMap('guarded', 'shop', { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }),
        'apps/ignored.yaml': configMap('ignored', 'shop', { 'kustomize.toolkit.fluxcd.io/ssa': 'Ignore' }),
      },
      { 'apps/plain.yaml': null, 'apps/guarded.yaml': null, 'apps/ignored.yaml': null },
    );
    const apps = envNamed(envs, 'apps');
    expect(deletions(apps)).toEqual(['ConfigMap/plain']);
    expect(kept(apps)).toEqual([
      "ConfigMap/guarded: annotated kustomize.toolkit.fluxcd.io/prune: disabled: kustomize-controller's garbage collection never deletes it",
      "ConfigMap/ignored: annotated kustomize.toolkit.fluxcd.io/ssa: Ignore: kustomize-controller's garbage collection never deletes it",
    ]);
    expect(markdown).toContain('- kept: ConfigMap `shop/guarded` (annotated kustomize.toolkit.fluxcd.io/prune: disabled');
  });

  it('spec.prune: false keeps everything Git drops, and its removal deletes nothing (not a prune on merge)', async () => {
    const files = { ...flux(false), 'apps/a.yaml': configMap('a', 'shop'), 'apps/b.yaml': configMap('b', 'shop') };
    const dropped = await planOf(files, { 'apps/b.yaml': null });
    const apps = envNamed(dropped.envs, 'apps');
    expect(deletions(apps)).toEqual([]);
    expect(kept(apps)).toEqual(['ConfigMap/b: spec.prune is off: kustomize-controller never deletes what Git no longer has']);

    const removed = await planOf(files, { 'clusters/staging/apps.yaml': null });
    const gone = envNamed(removed.envs, 'apps');
    expect(gone).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(gone.reason).toContain("its objects stay in the cluster (spec.prune is off: kustomize-controller's finalizer deletes nothing (deletionPolicy MirrorPrune))");
    expect(removed.pruned).toEqual([]);
    // deletionPolicy: Orphan keeps them with prune on too.
    const orphan = await planOf({ ...files, ...flux(true, '  deletionPolicy: Orphan\n') }, { 'clusters/staging/apps.yaml': null });
    expect(envNamed(orphan.envs, 'apps')).toMatchObject({ lifecycle: 'removed', affected: false });
    expect(orphan.pruned).toEqual([]);
  });

  it('deletionPolicy Delete or WaitForTermination deletes everything on removal even with spec.prune: false (and the merge prunes it)', async () => {
    for (const policy of ['Delete', 'WaitForTermination']) {
      const files = {
        ...flux(false, `  deletionPolicy: ${policy}\n`), 'apps/a.yaml': configMap('a', 'shop'), 'apps/b.yaml': configMap('b', 'shop'),
        'apps/guarded.yaml': configMap('guarded', 'shop', { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }),
      };
      const removed = await planOf(files, { 'clusters/staging/apps.yaml': null });
      const gone = envNamed(removed.envs, 'apps');
      expect(gone, policy).toMatchObject({ lifecycle: 'removed', affected: true });
      expect(deletions(gone), policy).toEqual(['ConfigMap/a', 'ConfigMap/b']);
      // The finalizer's garbage collection has the same Exclusions as a prune.
      expect(kept(gone), policy).toEqual(["ConfigMap/guarded: annotated kustomize.toolkit.fluxcd.io/prune: disabled: kustomize-controller's garbage collection never deletes it"]);
      expect(removed.pruned.some((n) => n.endsWith('apps')), policy).toBe(true);
      // While it stays, spec.prune: false still keeps what Git drops.
      const dropped = await planOf(files, { 'apps/b.yaml': null });
      expect(deletions(envNamed(dropped.envs, 'apps')), policy).toEqual([]);
      expect(kept(envNamed(dropped.envs, 'apps')), policy).toEqual(['ConfigMap/b: spec.prune is off: kustomize-controller never deletes what Git no longer has']);
    }
  });
});

describe('.bosun.yaml: prune: false', () => {
  const config = (envs: Array<{ name: string; prune?: boolean }>) => [
    'version: 1', 'environments:',
    ...envs.flatMap((e) => [`  - name: ${e.name}`, `    path: deploy/${e.name}`, ...(e.prune === undefined ? [] : [`    prune: ${e.prune}`])]), '',
  ].join('\n');
  const files = { 'deploy/shop/a.yaml': configMap('a', 'shop'), 'deploy/shop/b.yaml': configMap('b', 'shop'), 'deploy/web/w.yaml': configMap('w', 'web') };

  it('a removed environment with prune: false keeps its objects (kept, with why), as the merge\'s removed-environment prune leaves them', async () => {
    const removed = await planOf({ '.bosun.yaml': config([{ name: 'shop', prune: false }, { name: 'web' }]), ...files }, { '.bosun.yaml': config([{ name: 'web' }]) });
    const shop = removed.envs.shop;
    expect(shop).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(shop.reason).toContain('its objects stay in the cluster (prune: false)');
    expect(deletions(shop)).toEqual([]);
    expect(kept(shop)).toEqual([
      "ConfigMap/a: prune: false: bosun's merge does not prune a removed environment that had it",
      "ConfigMap/b: prune: false: bosun's merge does not prune a removed environment that had it",
    ]);
    expect(removed.markdown).toContain("- kept: ConfigMap `shop/a` (prune: false: bosun's merge does not prune a removed environment that had it)");
    expect(removed.markdown).toContain('> This environment no longer exists at head, but its objects stay in the cluster (2 objects listed as kept below, with why).');
    expect(removed.markdown).not.toContain('every object it deployed is deleted');
    // The merge still queues its prune job, which stops at prune: false (apply-job.ts pruneRemoved: neutral check run).
    expect(removed.pruned).toEqual(['shop']);
    // With prune on (the default) the removal deletes them.
    const pruning = await planOf({ '.bosun.yaml': config([{ name: 'shop' }, { name: 'web' }]), ...files }, { '.bosun.yaml': config([{ name: 'web' }]) });
    expect(deletions(pruning.envs.shop)).toEqual(['ConfigMap/a', 'ConfigMap/b']);
    expect(pruning.envs.shop.reason).toContain('its objects will be deleted');
    expect(pruning.envs.shop.sync?.kept).toBeUndefined();
  });

  it('with prune on, bosun.dev/prune: disabled and the Prune= / Delete= sync options bosun\'s prune honours are kept; a plain object is deleted', async () => {
    const guarded = {
      'deploy/shop/a.yaml': configMap('a', 'shop'),
      'deploy/shop/opted-out.yaml': configMap('opted-out', 'shop', { 'bosun.dev/prune': 'disabled' }),
      'deploy/shop/no-prune.yaml': configMap('no-prune', 'shop', { 'argocd.argoproj.io/sync-options': 'Prune=false' }),
      'deploy/shop/no-delete.yaml': configMap('no-delete', 'shop', { 'argocd.argoproj.io/sync-options': 'Delete=false' }),
      'deploy/web/w.yaml': configMap('w', 'web'),
    };
    const base = { '.bosun.yaml': config([{ name: 'shop' }, { name: 'web' }]), ...guarded };
    const dropped = await planOf(base, { 'deploy/shop/a.yaml': null, 'deploy/shop/opted-out.yaml': null, 'deploy/shop/no-prune.yaml': null, 'deploy/shop/no-delete.yaml': null, 'deploy/shop/b.yaml': configMap('b', 'shop') });
    expect(deletions(dropped.envs.shop)).toEqual(['ConfigMap/a', 'ConfigMap/no-delete']);
    expect(kept(dropped.envs.shop)).toEqual([
      "ConfigMap/no-prune: annotated argocd.argoproj.io/sync-options: Prune=false: bosun's prune never deletes it",
      "ConfigMap/opted-out: annotated bosun.dev/prune: disabled: bosun's prune never deletes it",
    ]);
    const removed = await planOf(base, { '.bosun.yaml': config([{ name: 'web' }]) });
    expect(deletions(removed.envs.shop)).toEqual(['ConfigMap/a', 'ConfigMap/no-prune']);
    expect(kept(removed.envs.shop)).toEqual([
      "ConfigMap/no-delete: annotated argocd.argoproj.io/sync-options: Delete=false: bosun's prune of the removed environment leaves it",
      "ConfigMap/opted-out: annotated bosun.dev/prune: disabled: bosun's prune never deletes it",
    ]);
  });

  it('an object Git drops from an environment with prune: false is kept, as its apply (prune off) leaves it', async () => {
    const dropped = await planOf({ '.bosun.yaml': config([{ name: 'shop', prune: false }]), ...files }, { 'deploy/shop/b.yaml': null });
    expect(deletions(dropped.envs.shop)).toEqual([]);
    expect(kept(dropped.envs.shop)).toEqual(["ConfigMap/b: prune: false: bosun's apply leaves what Git no longer has"]);
  });
});

describe('Flux HelmRelease: helm.sh/resource-policy: keep', () => {
  const chart = (withKept: boolean) => ({
    'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\ndata:\n  k: v\n',
    ...(withKept ? {
      'charts/web/templates/data.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-data\n  annotations:\n    helm.sh/resource-policy: keep\ndata:\n  k: v\n',
      'charts/web/templates/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-extra\ndata:\n  k: v\n',
    } : {}),
  });
  const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: web, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
`;

  it('the upgrade leaves a keep object the chart no longer renders (kept); another one is deleted', async () => {
    const { envs } = await planOf(
      { ...flux(true), 'apps/release.yaml': release, ...chart(true) },
      { 'charts/web/templates/data.yaml': null, 'charts/web/templates/extra.yaml': null },
    );
    const web = envNamed(envs, '/web');
    expect(deletions(web)).toEqual(['ConfigMap/web-extra']);
    expect(kept(web)).toEqual(['ConfigMap/web-data: annotated helm.sh/resource-policy: keep: the Helm upgrade leaves it although the chart no longer renders it']);
  });

  it('the uninstall (the HelmRelease removed) leaves keep objects too', async () => {
    const { envs, pruned } = await planOf(
      { ...flux(true), 'apps/release.yaml': release, 'apps/cm.yaml': configMap('other', 'shop'), ...chart(true) },
      { 'apps/release.yaml': null },
    );
    const web = envNamed(envs, '/web');
    expect(web).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(deletions(web)).toEqual(['ConfigMap/web-config', 'ConfigMap/web-extra']);
    expect(kept(web)).toEqual(["ConfigMap/web-data: annotated helm.sh/resource-policy: keep: helm-controller's uninstall of the release leaves it"]);
    expect(pruned.some((n) => n.endsWith('/web'))).toBe(true);
  });
});

describe('Fleet: every bundle is a Helm release the agent upgrades and uninstalls', () => {
  const clusters = { clusters: [{ name: 'dev', labels: {} }] };
  const bundle = (extra = '') => ({
    'web/fleet.yaml': `defaultNamespace: shop\n${extra}`, 'web/plain.yaml': configMap('plain', 'shop'), 'web/stay.yaml': configMap('stay', 'shop'),
    'web/data.yaml': configMap('data', 'shop', { 'helm.sh/resource-policy': 'keep' }),
  });

  it('an upgrade and the uninstall (the bundle removed) leave helm.sh/resource-policy: keep objects; keepResources leaves everything', async () => {
    const dropped = await planOf(bundle(), { 'web/plain.yaml': null, 'web/data.yaml': null }, clusters);
    expect(deletions(dropped.envs['web@dev'])).toEqual(['ConfigMap/plain']);
    expect(kept(dropped.envs['web@dev'])).toEqual(['ConfigMap/data: annotated helm.sh/resource-policy: keep: the Helm upgrade leaves it although the bundle no longer renders it']);

    const removed = await planOf(bundle(), { 'web/fleet.yaml': null, 'web/plain.yaml': null, 'web/stay.yaml': null, 'web/data.yaml': null }, clusters);
    expect(removed.envs['web@dev']).toMatchObject({ lifecycle: 'removed', affected: true });
    expect(deletions(removed.envs['web@dev'])).toEqual(['ConfigMap/plain', 'ConfigMap/stay']);
    expect(kept(removed.envs['web@dev'])).toEqual(["ConfigMap/data: annotated helm.sh/resource-policy: keep: the Fleet agent's Helm uninstall of the bundle leaves it"]);
    expect(removed.pruned).toEqual(['web@dev']);

    const keeping = await planOf(bundle('keepResources: true\n'), { 'web/fleet.yaml': null, 'web/plain.yaml': null, 'web/stay.yaml': null, 'web/data.yaml': null }, clusters);
    expect(keeping.envs['web@dev']).toMatchObject({ lifecycle: 'removed', affected: false, changes: [] });
    expect(keeping.envs['web@dev'].reason).toContain('its objects stay in the cluster (keepResources: the Fleet agent deletes only the Helm release history, not the objects)');
    expect(keeping.pruned).toEqual([]);

    // keepResources is read only when the bundle goes: what leaves a bundle that stays is deleted by the upgrade.
    const droppedKeeping = await planOf(bundle('keepResources: true\n'), { 'web/plain.yaml': null }, clusters);
    expect(deletions(droppedKeeping.envs['web@dev'])).toEqual(['ConfigMap/plain']);
    expect(kept(droppedKeeping.envs['web@dev'])).toEqual([]);
  });
});
