import { describe, expect, it } from 'vitest';
import { collectInputs, discoverEnvironments } from '../../src/discover/index.ts';
import { noteText } from '../../src/discover/notes.ts';
import type { ClusterInventory } from '../../src/model/cluster-inventory.ts';
import type { Environment } from '../../src/model/environment.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/fleet-apps';
const clusters: ClusterInventory = {
  clusters: [
    { name: 'dev', labels: { env: 'dev' } },
    { name: 'prod-eu', labels: { env: 'prod', region: 'eu' } },
    { name: 'prod-us', labels: { env: 'prod', region: 'us' } },
  ],
  groups: [{ name: 'production', selector: { matchLabels: { env: 'prod' } }, labels: {} }],
};

const deployment = (name: string, replicas = 1, image = `${name}:1`) => yaml`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: ${name}
  spec:
    replicas: ${replicas}
    selector: { matchLabels: { app: ${name} } }
    template:
      metadata: { labels: { app: ${name} } }
      spec:
        containers:
          - name: ${name}
            image: ${image}
            env:
              - { name: A, value: "1" }
`;

async function objectsOf(root: string, env: Environment): Promise<Array<Record<string, unknown>>> {
  const out = await renderEnvironment(root, env);
  if (!out.ok) throw new Error(`${env.name}: ${out.error.message}`);
  return out.objects.map((o) => o.object);
}

function byName(envs: Environment[], name: string): Environment {
  const env = envs.find((e) => e.name === name);
  if (!env) throw new Error(`no environment ${name}: ${envs.map((e) => e.name).join(', ')}`);
  return env;
}

describe('Fleet bundles as environments', () => {
  const gitRepo = yaml`
    apiVersion: fleet.cattle.io/v1alpha1
    kind: GitRepo
    metadata:
      name: apps
      namespace: fleet-default
      labels: { team: web }
    spec:
      repo: ${repoUrl}
      branch: main
      paths: [bundles]
      targets:
        - name: prod
          clusterGroup: production
        - name: dev
          clusterName: dev
  `;

  it('makes each bundle × target cluster an environment <bundle>@<cluster>, named as Fleet names bundles', async () => {
    const root = await makeTree({
      'fleet/gitrepo.yaml': gitRepo,
      'bundles/web/fleet.yaml': 'defaultNamespace: web\n',
      'bundles/web/deployment.yaml': deployment('web'),
      'bundles/db/fleet.yaml': 'name: database\nnamespace: db\ntargetCustomizations:\n  - name: no-dev\n    clusterName: dev\n    doNotDeploy: true\n',
      'bundles/db/statefulset.yaml': deployment('db'),
      'elsewhere/fleet.yaml': 'defaultNamespace: x\n',
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main', clusters });
    expect(environments.map((e) => e.name)).toEqual(['apps-bundles-web@dev', 'apps-bundles-web@prod-eu', 'apps-bundles-web@prod-us', 'database@prod-eu', 'database@prod-us']);
    expect(byName(environments, 'apps-bundles-web@prod-eu')).toMatchObject({ source: 'fleet', render: 'fleet', path: 'bundles/web', cluster: 'prod-eu', namespace: 'web', prune: true, autoApply: true, definedIn: { file: 'bundles/web/fleet.yaml' } });
    expect(notes.map(noteText)).toEqual(expect.arrayContaining([
      'bundles/db/fleet.yaml: Fleet bundle database: not deployed to dev (targetCustomization no-dev matches it with doNotDeploy)',
      'elsewhere/fleet.yaml: Fleet bundle elsewhere: not under the paths of GitRepo apps, so no GitRepo of this repository deploys it from here',
    ]));
    // The GitRepo defines the bundles too: a change to it is a change to them.
    const inputs = await collectInputs(root, byName(environments, 'apps-bundles-web@dev'));
    expect(inputs.files).toContain('fleet/gitrepo.yaml');
    expect(inputs.dirs).toEqual(['bundles/web']);
  });

  it('says which clusters it assumed: none registered is a note per bundle, never silence', async () => {
    const root = await makeTree({ 'web/fleet.yaml': 'defaultNamespace: web\n', 'web/deployment.yaml': deployment('web') });
    const { environments, notes } = await discoverEnvironments(root, {});
    expect(environments).toEqual([]);
    expect(notes.map(noteText)).toContain('web/fleet.yaml: Fleet bundle web: no target cluster: register clusters with labels to preview per cluster (bosun plan --clusters FILE, the App\'s BOSUN_CLUSTERS; docs/gitops-sources.md "Rancher Fleet")');
    expect(notes.find((n) => n.name === 'web')).toMatchObject({ status: 'not-an-environment', reads: ['web'] });
  });

  it('without a GitRepo, names bundles by folder and sends them to every registered cluster (the default group), saying so', async () => {
    const root = await makeTree({ 'apps/web/fleet.yaml': 'defaultNamespace: web\n', 'apps/web/deployment.yaml': deployment('web') });
    const { environments, notes } = await discoverEnvironments(root, { clusters });
    expect(environments.map((e) => e.name)).toEqual(['apps/web@dev', 'apps/web@prod-eu', 'apps/web@prod-us']);
    expect(notes.map(noteText).join('\n')).toContain('the cluster registry defines no such group, so bosun takes every registered cluster (dev, prod-eu, prod-us)');
    // A default group in the registry narrows it.
    const narrowed = await discoverEnvironments(root, { clusters: { ...clusters, groups: [{ name: 'default', selector: { matchLabels: { env: 'dev' } }, labels: {} }] } });
    expect(narrowed.environments.map((e) => e.name)).toEqual(['apps/web@dev']);
  });

  it('skips GitRepos of other repositories and branches, and pinned revisions, with a note each', async () => {
    const root = await makeTree({
      'fleet/other.yaml': 'apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: { name: other }\nspec: { repo: https://github.com/other/repo, paths: [bundles] }\n',
      'fleet/branch.yaml': `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: { name: rel }\nspec: { repo: ${repoUrl}, branch: release, paths: [bundles] }\n`,
      'fleet/pinned.yaml': `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: { name: pin }\nspec: { repo: ${repoUrl}, revision: v1.2.0 }\n`,
      'bundles/web/fleet.yaml': 'defaultNamespace: web\n',
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main', clusters });
    expect(environments).toEqual([]);
    const texts = notes.map(noteText);
    expect(texts).toContain('fleet/other.yaml:1: Fleet GitRepo other: another repository (https://github.com/other/repo): what it deploys is not in this one');
    expect(texts).toContain('fleet/branch.yaml:1: Fleet GitRepo rel: follows branch release, not main: a change to main does not change what it deploys');
    expect(texts).toContain('fleet/pinned.yaml:1: Fleet GitRepo pin: pinned to revision v1.2.0: a change to this branch does not change what it deploys');
  });

  it('maps paused, keepResources, correctDrift and dependsOn to bosun, per cluster', async () => {
    const root = await makeTree({
      'infra/fleet.yaml': 'labels: { layer: infra }\ndefaultNamespace: infra\n',
      'infra/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: infra }\n',
      'app/fleet.yaml': 'defaultNamespace: app\npaused: true\nkeepResources: true\ncorrectDrift: { enabled: true }\ndependsOn:\n  - selector: { matchLabels: { layer: infra } }\n  - name: acme-missing\n',
      'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: app }\n',
    });
    const { environments, notes } = await discoverEnvironments(root, { clusters });
    expect(byName(environments, 'app@prod-eu')).toMatchObject({ autoApply: false, prune: true, keepObjectsOnRemoval: expect.stringContaining('keepResources'), selfHeal: true, dependsOn: ['infra@prod-eu'] });
    expect(notes.map(noteText)).toEqual(expect.arrayContaining([
      'app/fleet.yaml: environment app@dev: paused: Fleet does not deploy changes to this bundle until it is unpaused; bosun previews them and does not apply on merge',
      'app/fleet.yaml:7: Fleet bundle app: dependsOn "acme-missing": no bundle of this repository is called so; Fleet waits for it, bosun applies without waiting',
    ]));
  });

  it('makes a Helm repository or OCI chart an environment per cluster, fetched when rendered; another chart URL is listed as not previewed', async () => {
    const root = await makeTree({
      'mon/fleet.yaml': 'helm:\n  repo: https://charts.example.com\n  chart: monitoring\n  version: 1.2.3\n',
      'oci/fleet.yaml': 'helm:\n  chart: oci://ghcr.io/acme/charts/web\n  version: ">=1.0.0"\n',
      'url/fleet.yaml': 'helm:\n  chart: https://example.com/charts/web-1.0.0.tgz\n',
    });
    const { environments, notes } = await discoverEnvironments(root, { clusters });
    expect(byName(environments, 'mon@dev').fleet?.helm?.remote).toEqual({ kind: 'repo', repoUrl: 'https://charts.example.com', chart: 'monitoring', version: '1.2.3' });
    expect(byName(environments, 'oci@dev').fleet?.helm?.remote).toEqual({ kind: 'oci', ref: 'oci://ghcr.io/acme/charts/web', version: '>=1.0.0' });
    expect(environments.some((e) => e.name.startsWith('url@'))).toBe(false);
    const note = notes.find((n) => n.status === 'not-previewed');
    expect(note).toMatchObject({ kind: 'Bundle', name: 'url', environments: ['url@dev'], reads: ['url'], reason: expect.stringContaining('a chart from https://example.com/charts/web-1.0.0.tgz: remote charts are not previewed') });
    // Without a chart fetcher the render cannot judge it: not previewed, not a content error.
    const out = await renderEnvironment(root, byName(environments, 'mon@dev'));
    expect(out).toMatchObject({ ok: false, error: { notPreviewed: true, file: 'mon/fleet.yaml', message: 'chart monitoring 1.2.3 from https://charts.example.com not fetched: bosun runs without a chart fetcher here' } });
  });
});

describe('rendering a Fleet bundle for its cluster', () => {
  it('applies the first matching customization: helm values, a kustomize dir, raw overlays (replace and _patch)', async () => {
    const root = await makeTree({
      'chart/fleet.yaml': 'namespace: shop\nhelm:\n  releaseName: shop\n  values: { replicas: 1 }\ntargetCustomizations:\n  - name: prod\n    clusterGroup: production\n    helm: { values: { replicas: 3 } }\n  - name: eu\n    clusterSelector: { matchLabels: { region: eu } }\n    helm: { values: { replicas: 9 } }\n',
      'chart/Chart.yaml': 'apiVersion: v2\nname: shop\nversion: 0.1.0\n',
      'chart/values.yaml': 'replicas: 2\n',
      'chart/templates/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: {{ .Release.Name }} }\nspec:\n  replicas: {{ .Values.replicas }}\n  selector: { matchLabels: { a: b } }\n  template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: "c:1" }] } }\n',
      'kust/fleet.yaml': 'defaultNamespace: k\ntargetCustomizations:\n  - name: dev\n    clusterName: dev\n    kustomize: { dir: overlays/dev }\n',
      'kust/kustomization.yaml': 'resources: [base]\n',
      'kust/base/kustomization.yaml': 'resources: [deployment.yaml]\n',
      'kust/base/deployment.yaml': deployment('k'),
      'kust/overlays/dev/kustomization.yaml': 'resources: [../../base]\nreplicas: [{ name: k, count: 5 }]\n',
      'raw/fleet.yaml': 'defaultNamespace: raw\ntargetCustomizations:\n  - name: prod\n    clusterGroup: production\n    yaml: { overlays: [big, image] }\n',
      'raw/deployment.yaml': deployment('raw'),
      'raw/values.yaml': 'not: a kubernetes object\n',
      'raw/overlays/big/deployment_patch.yaml': 'spec:\n  replicas: 4\n  template:\n    spec:\n      containers:\n        - name: raw\n          env:\n            - { name: B, value: "2" }\n',
      'raw/overlays/image/deployment_patch.yaml': '[{ "op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "raw:2" }]\n',
      'raw/overlays/big/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra }\n',
    });
    const { environments } = await discoverEnvironments(root, { clusters });
    const deploymentOf = async (env: string) => (await objectsOf(root, byName(environments, env))).find((o) => o.kind === 'Deployment') as { metadata: { name: string; namespace: string }; spec: { replicas: number; template: { spec: { containers: Array<{ image: string; env: unknown[] }> } } } };

    // helm: values merged per cluster; `namespace` forced on every object; the chart's values.yaml underneath.
    expect((await deploymentOf('chart@dev')).spec.replicas).toBe(1);
    expect(await deploymentOf('chart@prod-eu')).toMatchObject({ metadata: { name: 'shop', namespace: 'shop' }, spec: { replicas: 3 } });
    // kustomize: the customization's dir; defaultNamespace fills the namespace.
    expect(await deploymentOf('kust@dev')).toMatchObject({ metadata: { namespace: 'k' }, spec: { replicas: 5 } });
    expect((await deploymentOf('kust@prod-us')).spec.replicas).toBe(1);
    // raw: a strategic merge patch (containers merged by name, env by name, the patch's items first as
    // apimachinery orders them), then a JSON patch; the overlay adds a file.
    const raw = await deploymentOf('raw@prod-us');
    expect(raw.spec.replicas).toBe(4);
    expect(raw.spec.template.spec.containers).toEqual([expect.objectContaining({ name: 'raw', image: 'raw:2', env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] })]);
    const rawObjects = await objectsOf(root, byName(environments, 'raw@prod-us'));
    expect(rawObjects.map((o) => `${o.kind}/${(o.metadata as { namespace?: string }).namespace}/${(o.metadata as { name: string }).name}`).sort()).toEqual(['ConfigMap/raw/extra', 'Deployment/raw/raw']);
    expect((await deploymentOf('raw@dev')).spec.replicas).toBe(1);
  });

  it('renders templates/ of a raw bundle with its values, as Fleet makes them a chart', async () => {
    const root = await makeTree({
      'guestbook/fleet.yaml': 'namespace: gb\nhelm:\n  releaseName: guestbook\n  values: { replicas: 2 }\n',
      'guestbook/templates/deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: {{ .Release.Name }}-web }\nspec:\n  replicas: {{ .Values.replicas }}\n  selector: { matchLabels: { a: b } }\n  template: { metadata: { labels: { a: b } }, spec: { containers: [{ name: c, image: "c:1" }] } }\n',
      'guestbook/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: plain }\n',
    });
    const { environments } = await discoverEnvironments(root, { clusters: { clusters: [clusters.clusters[0]], groups: [] } });
    const out = await renderEnvironment(root, byName(environments, 'guestbook@dev'));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.objects.map((o) => [o.object.kind, o.object.metadata?.name, o.object.metadata?.namespace, o.source?.file])).toEqual([
      ['Deployment', 'guestbook-web', 'gb', 'guestbook/templates/deploy.yaml'],
      ['ConfigMap', 'plain', 'gb', 'guestbook/cm.yaml'],
    ]);
  });

  it('fails a cluster-scoped object under `namespace` as Fleet does, and names a missing overlay patch target', async () => {
    const root = await makeTree({
      'ns/fleet.yaml': 'namespace: x\n',
      'ns/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: r }\nrules: []\n',
      'ov/fleet.yaml': 'yaml: { overlays: [o] }\n',
      'ov/a.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n',
      'ov/overlays/o/b_patch.yaml': 'data: { x: "1" }\n',
    });
    const { environments } = await discoverEnvironments(root, { clusters: { clusters: [clusters.clusters[0]], groups: [] } });
    const ns = await renderEnvironment(root, byName(environments, 'ns@dev'));
    expect(ns).toMatchObject({ ok: false, error: { file: 'ns/role.yaml', message: expect.stringContaining('invalid cluster scoped object [name=r kind=ClusterRole apiVersion=rbac.authorization.k8s.io/v1] found, consider using "defaultNamespace", not "namespace"') } });
    const ov = await renderEnvironment(root, byName(environments, 'ov@dev'));
    expect(ov).toMatchObject({ ok: false, error: { file: 'ov/overlays/o/b_patch.yaml', message: expect.stringContaining('failed to find base file b.yaml to patch (overlay o)') } });
  });
});
