// Flux HelmReleases through planChange on real git repositories: a HelmRelease that a Kustomization applies
// is an environment rendered as helm-controller would (values, valuesFrom, targetNamespace, release name,
// post-renderers, origin labels), its chart's files and values sources are its inputs, and a chart from a
// Helm repository is fetched only from a source the base branch declares or the operator allows.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { chartVersionChanges } from '../../src/plan/helmrelease-sides.ts';
import { planChange } from '../../src/plan/plan.ts';
import { planJsonSchema, renderJson, renderMarkdown } from '../../src/report/index.ts';
import { serveChartRepo, type ServedRepo } from '../support/chart-repo.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const validate = new Ajv({ strict: true, allErrors: true }).compile(planJsonSchema);
const repos: GitRepoBuilder[] = [];
let dataDir: string;
let served: ServedRepo;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-hr-data-'));
  served = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }, { name: 'podinfo', version: '1.3.0' }]);
}, 120_000);

afterAll(async () => {
  await served?.close();
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

async function planOf(files: Record<string, string>, change: Record<string, string | null>, opts: { sources?: string[] } = {}): Promise<{ plan: PlanResult; markdown: string }> {
  const repo = await makeGitRepo();
  repos.push(repo);
  for (const [path, content] of Object.entries(files)) await repo.write(path, content);
  await repo.commit('base');
  for (const [path, content] of Object.entries(change)) {
    if (content === null) await repo.remove(path);
    else await repo.write(path, content);
  }
  await repo.commit('change');
  const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: opts.sources ?? [], dataDir } });
  const json = JSON.parse(renderJson(plan)) as PlanResult;
  expect(validate(json) ? [] : validate.errors).toEqual([]);
  return { plan, markdown: renderMarkdown(plan, { maxPartChars: 1_000_000 })[0] };
}

const fluxSystem = fluxSystemSync('clusters/staging');

const appsKustomization = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps/staging
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`;

const chart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'replicaCount: 1\nimage: nginx:1.25\ngreeting: hello\n',
  'charts/web/templates/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
  labels: {app: web}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: {{ .Values.image }}
          ports:
            - containerPort: 80
`,
  'charts/web/templates/config.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-config
  namespace: {{ .Release.Namespace }}
data:
  greeting: {{ .Values.greeting | quote }}
  token: {{ .Values.token | default "none" | quote }}
`,
};

const release = (extra = '') => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: web
  namespace: shop
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/web
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  valuesFrom:
    - kind: ConfigMap
      name: web-values
    - kind: Secret
      name: web-token
      valuesKey: token
      targetPath: token
  values:
    replicaCount: 2
${extra}`;

const inRepoFiles = {
  'clusters/staging/flux-system/gotk-sync.yaml': fluxSystem,
  'clusters/staging/apps.yaml': appsKustomization,
  'apps/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../base/web\n',
  'apps/base/web/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n  - values.yaml\n',
  'apps/base/web/release.yaml': release(),
  'apps/base/web/values.yaml': `apiVersion: v1
kind: ConfigMap
metadata: {name: web-values, namespace: shop}
data:
  values.yaml: |
    image: nginx:1.27
    greeting: from-configmap
---
apiVersion: v1
kind: Secret
metadata: {name: web-token, namespace: shop}
stringData:
  token: s3cr3t-token
`,
  ...chart,
};


describe('a HelmRelease whose chart is in this repository', () => {
  it('is an environment of its own, depending on the Kustomization that applies it, rendered with valuesFrom, values and the origin labels', async () => {
    const { plan } = await planOf(inRepoFiles, { 'charts/web/templates/deployment.yaml': chart['charts/web/templates/deployment.yaml'].replace('containerPort: 80', 'containerPort: 8080') });
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(web).toMatchObject({ source: 'flux', path: 'charts/web', cluster: 'staging', affected: true, reason: 'charts/web/templates/deployment.yaml changed' });
    expect(plan.environments.find((e) => e.name === 'staging/apps')).toMatchObject({ affected: false });
    // The template change is a change of the release's Deployment, nothing else.
    expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    expect(web.changes[0].diff).toContain('-            - containerPort: 80\n+            - containerPort: 8080');
    expect(web.changes[0].file).toBe('charts/web/templates/deployment.yaml');
    expect(plan.discovery?.some((n) => n.kind === 'HelmRelease' && n.name === 'web')).toBe(false);
  });

  it('shows value changes in the release and the HelmRelease object in its Kustomization; valuesFrom ConfigMaps are inputs', async () => {
    const { plan } = await planOf(inRepoFiles, {
      'apps/base/web/values.yaml': inRepoFiles['apps/base/web/values.yaml'].replace('greeting: from-configmap', 'greeting: changed-in-configmap'),
      'apps/base/web/release.yaml': release().replace('replicaCount: 2', 'replicaCount: 3'),
    });
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).sort()).toEqual(['update ConfigMap web-config', 'update Deployment web']);
    const byKind = Object.fromEntries(web.changes.map((c) => [c.kind, c.diff]));
    expect(byKind.Deployment).toContain('-  replicas: 2\n+  replicas: 3');
    expect(byKind.ConfigMap).toContain('-  greeting: from-configmap\n+  greeting: changed-in-configmap');
    const apps = plan.environments.find((e) => e.name === 'staging/apps')!;
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).sort()).toEqual(['update ConfigMap web-values', 'update HelmRelease web']);
  });

  it('renders the release name, namespace, targetPath value, post-renderers and origin labels as helm-controller does', async () => {
    const extra = `  targetNamespace: web-prod
  postRenderers:
    - kustomize:
        patches:
          - target: {kind: Deployment}
            patch: |
              - op: add
                path: /metadata/annotations
                value: {patched: "yes"}
        images:
          - name: nginx
            newTag: "1.28"
`;
    const { plan } = await planOf(inRepoFiles, { 'apps/base/web/release.yaml': release(extra) });
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    const created = web.changes.filter((c) => c.action === 'create').map((c) => `${c.kind} ${c.namespace}/${c.name}`).sort();
    // The default release name is [targetNamespace-]name; templates see the target namespace, and Helm puts
    // an object that names none (the Deployment) there too.
    expect(created).toEqual(['ConfigMap web-prod/web-prod-web-config', 'Deployment web-prod/web-prod-web']);
    const deployment = web.changes.find((c) => c.kind === 'Deployment' && c.action === 'create')!.diff;
    expect(deployment).toContain('+    patched: yes');
    expect(deployment).toContain('+        - image: nginx:1.28');
    expect(deployment).toContain('+    helm.toolkit.fluxcd.io/name: web');
    expect(deployment).toContain('+    helm.toolkit.fluxcd.io/namespace: shop');
    const config = web.changes.find((c) => c.kind === 'ConfigMap' && c.action === 'create')!.diff;
    expect(config).toContain('+  token: s3cr3t-token'); // valuesFrom Secret key through targetPath
    expect(config).toContain('+  greeting: from-configmap');
  });

  it('refuses a release name or target namespace that helm would read as an option, before helm runs', async () => {
    const { plan } = await planOf(inRepoFiles, { 'apps/base/web/release.yaml': release('  releaseName: "--post-renderer=/bin/sh"\n') });
    expect(plan.environments.find((e) => e.name === 'staging/web')?.render).toMatchObject({
      error: { side: 'head', kind: 'config', file: 'apps/base/web/release.yaml', field: 'spec.releaseName', message: expect.stringContaining('is not a valid Helm release name') },
    });
    const ns = await planOf(inRepoFiles, { 'apps/base/web/release.yaml': release('  targetNamespace: "--kubeconfig=/etc/passwd"\n') });
    expect(ns.plan.environments.find((e) => e.name === 'staging/web')?.render).toMatchObject({
      error: { side: 'head', kind: 'config', field: 'spec.targetNamespace', message: expect.stringContaining('is not a valid namespace') },
    });
  });

  it('refuses a chart path that leaves the repository and reads no file outside it', async () => {
    const { plan } = await planOf(inRepoFiles, { 'apps/base/web/release.yaml': release().replace('chart: ./charts/web', 'chart: ../../../../etc') });
    // The base renders it: the head says why it cannot, instead of reading as "every object deleted".
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(web.lifecycle).toBeUndefined();
    expect(web.render).toMatchObject({ error: { side: 'head', file: 'apps/base/web/release.yaml', message: 'chart path `../../../../etc` leaves the repository' } });
    expect(plan.discovery?.find((n) => n.kind === 'HelmRelease' && n.name === 'web')?.reason).toMatch(/chart path `\.\.\/\.\.\/\.\.\/\.\.\/etc` leaves the repository/);
  });
});

describe('a HelmRelease that installs elsewhere or keeps its release elsewhere', () => {
  it('with spec.kubeConfig (another cluster) is not previewed, saying why, and is diffed as an object in its Kustomization', async () => {
    const remote = release('  kubeConfig:\n    secretRef: {name: prod-kubeconfig}\n');
    const { plan } = await planOf({ ...inRepoFiles, 'apps/base/web/release.yaml': remote }, { 'apps/base/web/release.yaml': remote.replace('replicaCount: 2', 'replicaCount: 3') });
    expect(plan.environments.find((e) => e.name === 'staging/web')).toBeUndefined();
    expect(plan.environments.find((e) => e.name === 'staging/apps')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update HelmRelease web']);
    expect(plan.discovery?.find((n) => n.kind === 'HelmRelease' && n.name === 'web')).toMatchObject({
      status: 'not-previewed',
      reason: 'spec.kubeConfig: helm-controller installs this release on another cluster (the kubeconfig in Secret prod-kubeconfig), which bosun does not know; its object is diffed in staging/apps, what helm-controller would install is not previewed',
    });
  });

  it('with storageNamespace says that it moves only the release\'s Secret, and what changing it does', async () => {
    const { plan, markdown } = await planOf(inRepoFiles, { 'apps/base/web/release.yaml': release('  storageNamespace: helm-storage\n') });
    const note = plan.discovery?.find((n) => n.kind === 'Environment' && n.name === 'staging/web');
    expect(note?.reason).toBe('storageNamespace helm-storage: only where helm-controller keeps the release\'s Secret, no object changes with it; but a change of it (as of releaseName, targetNamespace or the chart\'s name) makes helm-controller uninstall the release and install it anew, which the diff does not show');
    expect(markdown).toContain('storageNamespace helm-storage: only where helm-controller keeps the release');
  });
});

describe('a HelmRelease whose values come from its Kustomization\'s postBuild.substituteFrom', () => {
  it('is affected when the ConfigMap the Kustomization substitutes from changes, and renders the new value', async () => {
    const files = {
      ...inRepoFiles,
      'clusters/staging/config.yaml': `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: config, namespace: flux-system}
spec:
  interval: 10m
  path: ./config
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`,
      'config/versions.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: versions, namespace: flux-system}\ndata:\n  web_tag: "1.25"\n',
      'clusters/staging/apps.yaml': appsKustomization + '  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: versions\n',
      'apps/base/web/release.yaml': release().replace('    replicaCount: 2\n', '    replicaCount: 2\n    image: nginx:${web_tag}\n'),
      'apps/base/web/values.yaml': inRepoFiles['apps/base/web/values.yaml'].replace('    image: nginx:1.27\n', ''),
    };
    const { plan } = await planOf(files, { 'config/versions.yaml': files['config/versions.yaml'].replace('"1.25"', '"1.27"') });
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(web.affected).toBe(true);
    expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    expect(web.changes[0].diff).toContain('-        - image: nginx:1.25\n+        - image: nginx:1.27');
  });
});

describe('a HelmRelease whose chart comes from a Helm repository', () => {
  const remoteFiles = (url: string, version: string) => ({
    'clusters/staging/flux-system/gotk-sync.yaml': fluxSystem,
    'clusters/staging/apps.yaml': appsKustomization,
    'apps/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - repository.yaml\n  - release.yaml\n',
    'apps/staging/repository.yaml': `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo, namespace: shop}\nspec:\n  interval: 1h\n  url: ${url}\n`,
    'apps/staging/release.yaml': `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "${version}"
      sourceRef: {kind: HelmRepository, name: podinfo}
  values:
    replicaCount: 2
`,
  });

  it('is fetched from the source the base branch declares: a 1.2.0 → 1.3.0 upgrade shows the rendered objects that change', async () => {
    const { plan, markdown } = await planOf(remoteFiles(served.url, '1.2.0'), { 'apps/staging/release.yaml': remoteFiles(served.url, '1.3.0')['apps/staging/release.yaml'] });
    const podinfo = plan.environments.find((e) => e.name === 'staging/podinfo')!;
    expect(podinfo).toMatchObject({ affected: true, cluster: 'staging' });
    expect(podinfo.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment podinfo']);
    expect(podinfo.changes[0].diff).toContain('-    chart: podinfo-1.2.0\n+    chart: podinfo-1.3.0');
    expect(podinfo.changes[0].file).toBe('apps/staging/release.yaml');
    expect(markdown).toContain('staging/podinfo');
  });

  it('is refused when the pull request introduces the source, with a clear message, and stays an object-level diff', async () => {
    const other = served.url.replace('127.0.0.1', 'localhost');
    const { plan } = await planOf(remoteFiles(served.url, '1.2.0'), remoteFiles(other, '1.3.0'));
    // The base renders the release, the head may not fetch its chart: an error saying why, not "every object deleted".
    expect(plan.environments.find((e) => e.name === 'staging/podinfo')?.render).toMatchObject({ error: { side: 'head', message: expect.stringContaining('chart podinfo 1.3.0 not fetched: source') } });
    const note = plan.discovery?.find((n) => n.kind === 'HelmRelease' && n.name === 'podinfo');
    expect(note).toMatchObject({ status: 'not-previewed', environments: ['staging/apps'] });
    expect(note?.reason).toContain(`chart podinfo 1.3.0 not fetched: source ${other} is not declared on the base branch (a pull request cannot introduce a chart source and have it fetched) and not allowed by the operator; allow it with BOSUN_CHART_SOURCES (the App) or --chart-source (the CLI), or declare it on the base branch first`);
    const apps = plan.environments.find((e) => e.name === 'staging/apps')!;
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).sort()).toEqual(['update HelmRelease podinfo', 'update HelmRepository podinfo']);
    // Nothing was asked of the source the pull request introduced.
    expect(served.hosts.filter((h) => h.startsWith('localhost'))).toEqual([]);
  });

  it('stays an object-level diff when neither side may fetch the chart, its note spelling out the chart version change', async () => {
    // The HelmRepository is not in this repository on either side: bosun does not know where to fetch from.
    const unknown = (version: string) => {
      const { 'apps/staging/repository.yaml': _r, ...files } = remoteFiles(served.url, version);
      return { ...files, 'apps/staging/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - release.yaml\n' };
    };
    const { plan } = await planOf(unknown('1.2.0'), { 'apps/staging/release.yaml': unknown('1.3.0')['apps/staging/release.yaml'] });
    expect(plan.environments.find((e) => e.name === 'staging/podinfo')).toBeUndefined();
    expect(plan.environments.find((e) => e.name === 'staging/apps')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update HelmRelease podinfo']);
    const note = plan.discovery?.find((n) => n.kind === 'HelmRelease' && n.name === 'podinfo');
    expect(note).toMatchObject({ status: 'not-previewed', environments: ['staging/apps'] });
    expect(note?.reason).toMatch(/^chart podinfo 1\.2\.0 → 1\.3\.0 not fetched: it comes from HelmRepository podinfo, which is not in this repository, so bosun does not know its URL; /);

    // Both sides' notes, as the plan holds them once both are discovered: the change from the base's version.
    const sides = await Promise.all([unknown('1.2.0'), unknown('1.3.0')].map(async (files) => {
      const dir = await mkdtemp(join(tmpdir(), 'bosun-hr-side-'));
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      try {
        return (await discoverEnvironments(dir, {})).notes;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }));
    const changed = chartVersionChanges(sides[0], sides[1]).find((n) => n.kind === 'HelmRelease' && n.name === 'podinfo');
    expect(changed?.reason).toMatch(/^chart podinfo 1\.2\.0 → 1\.3\.0 not fetched: it comes from HelmRepository podinfo, which is not in this repository, so bosun does not know its URL; /);
    // Nothing else changes, and a release whose version stays says no change.
    expect(chartVersionChanges(sides[1], sides[1]).map((n) => n.reason)).toEqual(sides[1].map((n) => n.reason));
  });

  it('is fetched from a source the operator allows even when the pull request introduces it', async () => {
    const other = served.url.replace('127.0.0.1', 'localhost');
    const { plan } = await planOf(remoteFiles(served.url, '1.2.0'), remoteFiles(other, '1.3.0'), { sources: [new URL(other).host] });
    const podinfo = plan.environments.find((e) => e.name === 'staging/podinfo')!;
    expect(podinfo.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment podinfo']);
  });
});

describe('the CRDs of a HelmRelease chart\'s crds/ folder, as helm-controller\'s install.crds / upgrade.crds apply them', () => {
  const crd = (column = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
${column}`;
  const column = '      additionalPrinterColumns:\n        - {name: Size, type: string, jsonPath: .spec.size}\n';
  const withCrd = { ...inRepoFiles, 'charts/web/crds/widgets.yaml': crd() };
  const crdOnly = (e: { sync?: { skipped: Array<{ kind: string; name: string; reason: string }> } } | undefined) => e?.sync?.skipped.filter((s) => s.kind === 'CustomResourceDefinition').map((s) => `${s.name}: ${s.reason}`) ?? [];

  it('on an upgrade (the base has the release) lists a changed CRD as not applied under the default upgrade.crds: Skip', async () => {
    const { plan, markdown } = await planOf(withCrd, { 'charts/web/crds/widgets.yaml': crd(column) });
    const web = plan.environments.find((e) => e.name === 'staging/web')!;
    // Not a change the cluster will see: only the Sync section lists it, with why.
    expect(web.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual([]);
    expect(crdOnly(web)).toEqual(['widgets.example.com: not applied by helm-controller on upgrade (upgrade.crds: Skip)']);
    expect(markdown).toContain('- not applied: CustomResourceDefinition `widgets.example.com`: not applied by helm-controller on upgrade (upgrade.crds: Skip)');
  });

  it('applies it on an upgrade with upgrade.crds: CreateReplace, and on an install under the default install.crds: Create', async () => {
    const replace = await planOf(withCrd, {
      'charts/web/crds/widgets.yaml': crd(column),
      'apps/base/web/release.yaml': release('  upgrade:\n    crds: CreateReplace\n'),
    });
    const upgraded = replace.plan.environments.find((e) => e.name === 'staging/web');
    expect(upgraded?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update CustomResourceDefinition widgets.example.com']);
    expect(crdOnly(upgraded)).toEqual([]);

    // A release the base does not have: helm-controller installs it, CRDs included.
    const { 'apps/base/web/kustomization.yaml': _k, ...withoutRelease } = withCrd;
    const fresh = await planOf({ ...withoutRelease, 'apps/base/web/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - values.yaml\n' }, {
      'apps/base/web/kustomization.yaml': withCrd['apps/base/web/kustomization.yaml'],
    });
    const installed = fresh.plan.environments.find((e) => e.name === 'staging/web');
    expect(installed?.changes.filter((c) => c.kind === 'CustomResourceDefinition').map((c) => c.action)).toEqual(['create']);
    expect(crdOnly(installed)).toEqual([]);
  });

  it('lists it as not applied on an install with install.crds: Skip', async () => {
    const { 'apps/base/web/kustomization.yaml': _k, ...withoutRelease } = withCrd;
    const { plan } = await planOf({ ...withoutRelease, 'apps/base/web/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - values.yaml\n' }, {
      'apps/base/web/kustomization.yaml': withCrd['apps/base/web/kustomization.yaml'],
      'apps/base/web/release.yaml': release('  install:\n    crds: Skip\n  upgrade:\n    crds: Create\n'),
    });
    expect(crdOnly(plan.environments.find((e) => e.name === 'staging/web'))).toEqual(['widgets.example.com: not applied by helm-controller on install (install.crds: Skip)']);
  });
});
