import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.ts';
import { detectRenderKind, discoverEnvironments, environmentForPath } from '../../src/discover/index.ts';
import { BosunError } from '../../src/model/errors.ts';
import { makeTree, yaml } from './temp-tree.ts';

const fluxApps = yaml`
  apiVersion: kustomize.toolkit.fluxcd.io/v1
  kind: Kustomization
  metadata:
    name: apps
    namespace: flux-system
  spec:
    path: ./apps/staging
    prune: true
    sourceRef:
      kind: GitRepository
      name: flux-system
`;

const argoApp = yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: Application
  metadata:
    name: guestbook
  spec:
    source:
      repoURL: https://github.com/acme/fleet
      path: apps/guestbook
    destination:
      name: dev
`;

describe('discovery order', () => {
  it('uses only .bosun.yaml environments when the file lists them', async () => {
    const root = await makeTree({
      '.bosun.yaml': 'version: 1\nenvironments:\n  - name: only\n    path: apps/staging\n',
      'clusters/staging/apps.yaml': fluxApps,
      'clusters/production/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: p}\n',
    });
    const { environments } = await discoverEnvironments(root);
    expect(environments.map((e) => [e.name, e.source, e.definedIn])).toEqual([['only', 'config', { file: '.bosun.yaml', line: 3 }]]);
  });

  it('fails discovery on an invalid .bosun.yaml rather than guessing', async () => {
    const root = await makeTree({ '.bosun.yaml': 'version: 1\nenvironments:\n  - name: x\n    path: a\n    prnue: true\n', 'clusters/a/x.yaml': 'a: 1\n' });
    const error = await discoverEnvironments(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).toProblem()).toMatchObject({ kind: 'config', line: 5, field: 'environments[0].prnue' });
  });

  it('combines Flux Kustomizations and Argo CD Applications when both exist', async () => {
    const root = await makeTree({
      'clusters/staging/apps.yaml': fluxApps,
      'argocd/guestbook.yaml': argoApp,
      'apps/guestbook/deploy.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: g}\n',
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: ['https://github.com/acme/fleet.git'] });
    expect(environments.map((e) => [e.name, e.source])).toEqual([['guestbook', 'argocd'], ['staging/apps', 'flux']]);
  });

  it('falls back to one environment per clusters/<name>/ folder', async () => {
    const root = await makeTree({
      'clusters/staging/kustomization.yaml': 'resources: []\n',
      'clusters/production/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: p}\n',
      'clusters/README.md': '# clusters\n',
    });
    const { environments } = await discoverEnvironments(root);
    expect(environments.map((e) => ({ name: e.name, path: e.path, cluster: e.cluster, render: e.render, source: e.source }))).toEqual([
      { name: 'production', path: 'clusters/production', cluster: 'production', render: 'auto', source: 'directory' },
      { name: 'staging', path: 'clusters/staging', cluster: 'staging', render: 'auto', source: 'directory' },
    ]);
  });

  it('says so when it finds nothing', async () => {
    const root = await makeTree({ 'README.md': 'hello\n' });
    const { environments, notes } = await discoverEnvironments(root);
    expect(environments).toEqual([]);
    expect(notes.at(-1)).toMatchObject({ status: 'info', kind: 'Repository', reason: expect.stringContaining('no environments found: bosun looked for environments in .bosun.yaml; Flux Kustomizations and Argo CD Applications') });
  });
});

describe('explicit paths and render kinds', () => {
  it('makes an ad-hoc environment for a folder, with value files relative to the chart', async () => {
    const root = await makeTree({ 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n', 'charts/web/values-prod.yaml': 'a: 1\n' });
    expect(environmentForPath(root, './charts/web/', ['values-prod.yaml'])).toMatchObject({
      name: 'charts/web', source: 'path', path: 'charts/web', render: 'auto', helm: { valueFiles: ['values-prod.yaml'] },
    });
  });

  it('refuses an explicit path or value file outside the repository', async () => {
    const root = await makeTree({ 'charts/web/Chart.yaml': 'name: web\n' });
    expect(() => environmentForPath(root, '../other')).toThrow(BosunError);
    expect(() => environmentForPath(root, 'charts/web', ['../../../etc/passwd'])).toThrow(/escapes the repository/);
  });

  it('detects kustomize, helm and plain folders', async () => {
    const root = await makeTree({
      'k1/kustomization.yaml': 'resources: []\n',
      'k2/kustomization.yml': 'resources: []\n',
      'k3/Kustomization': 'resources: []\n',
      'chart/Chart.yaml': 'name: c\n',
      'plain/cm.yaml': 'a: 1\n',
    });
    expect(['k1', 'k2', 'k3', 'chart', 'plain'].map((d) => detectRenderKind(join(root, d)))).toEqual(['kustomize', 'kustomize', 'kustomize', 'helm', 'plain']);
  });
});
