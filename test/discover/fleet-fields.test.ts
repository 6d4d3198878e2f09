// Fields of Rancher Fleet that docs/gitops-sources.md lists as honoured and no other test exercised
// (issue #13 audit): fleet.yaml `overrideTargets` (replaces the GitRepo's targets: rancher/fleet
// internal/bundlereader/read.go `bundleFromDir`), the GitRepo's `targetNamespace`, `paused` and
// `keepResources` (passed to every bundle by `fleet apply`: read.go Options), `.fleetignore`
// (internal/bundlereader/loaddirectory.go ignoreTree) and `helm.templateValues`. Real folders, discovery
// and the Fleet renderer.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeTree } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/apps';
const clusters = {
  clusters: [
    { name: 'dev', labels: { env: 'dev' } },
    { name: 'prod', labels: { env: 'prod' } },
  ],
  groups: [],
};
const gitRepo = (extra: string) => `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: {name: apps, namespace: fleet-default}\nspec:\n  repo: ${repoUrl}\n  branch: main\n  paths: [bundles]\n  targets:\n    - clusterName: prod\n${extra}`;
const cm = (name: string, namespace?: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}${namespace ? `, namespace: ${namespace}` : ''}}\n`;

async function discover(root: string): Promise<Environment[]> {
  return (await discoverEnvironments(root, { clusters, repoUrls: [repoUrl], branch: 'main' })).environments;
}

async function rendered(root: string, env: Environment): Promise<string[]> {
  const out = await renderEnvironment(root, env);
  if (!out.ok) throw new Error(out.error.message);
  return out.objects.map((o) => `${o.object.kind}/${o.object.metadata?.namespace ?? ''}/${o.object.metadata?.name ?? ''}`).sort();
}

describe('Fleet fields the docs list as honoured', () => {
  it('overrideTargets replaces the GitRepo\'s targets for that bundle only', async () => {
    const root = await makeTree({
      'fleet/gitrepo.yaml': gitRepo(''),
      'bundles/web/fleet.yaml': 'overrideTargets:\n  - clusterSelector: {matchLabels: {env: dev}}\n',
      'bundles/web/cm.yaml': cm('web'),
      'bundles/db/fleet.yaml': 'defaultNamespace: db\n',
      'bundles/db/cm.yaml': cm('db'),
    });
    expect((await discover(root)).map((e) => e.name).sort()).toEqual(['apps-bundles-db@prod', 'apps-bundles-web@dev']);
  });

  it('the GitRepo\'s targetNamespace forces every object\'s namespace; its paused and keepResources reach every bundle', async () => {
    const root = await makeTree({
      'fleet/gitrepo.yaml': gitRepo('  targetNamespace: forced\n  paused: true\n  keepResources: true\n'),
      'bundles/web/fleet.yaml': 'defaultNamespace: web\n',
      'bundles/web/cm.yaml': `${cm('a')}---\n${cm('b', 'elsewhere')}`,
    });
    const [env] = await discover(root);
    expect(env).toMatchObject({ name: 'apps-bundles-web@prod', namespace: 'forced', autoApply: false, prune: true, keepObjectsOnRemoval: expect.stringContaining('keepResources') });
    expect(await rendered(root, env)).toEqual(['ConfigMap/forced/a', 'ConfigMap/forced/b']);
  });

  it('leaves out what .fleetignore names: files by glob, folders by name/*, in its folder and below, never in a sibling', async () => {
    const root = await makeTree({
      'bundles/web/fleet.yaml': 'defaultNamespace: web\n',
      'bundles/web/.fleetignore': '# not deployed\n*.draft.yaml\ntests/*\n',
      'bundles/web/cm.yaml': cm('kept'),
      'bundles/web/cm.draft.yaml': cm('draft'),
      'bundles/web/tests/cm.yaml': cm('test-only'),
      'bundles/web/sub/.fleetignore': 'local.yaml\n',
      'bundles/web/sub/local.yaml': cm('sub-local'),
      'bundles/web/sub/cm.draft.yaml': cm('sub-draft'),
      'bundles/web/sub/cm.yaml': cm('sub-kept'),
      'bundles/web/other/local.yaml': cm('other-local'),
    });
    const env = (await discoverEnvironments(root, { clusters })).environments.find((e) => e.name === 'bundles/web@dev')!;
    expect(await rendered(root, env)).toEqual(['ConfigMap/web/kept', 'ConfigMap/web/other-local', 'ConfigMap/web/sub-kept']);
  });

  it('leaves a values file out of the bundle by its path and by its base name at the top, as Fleet does since rancher/fleet#3956', async () => {
    const root = await makeTree({
      'shared/web.yaml': 'greeting: shared\n',
      'bundles/web/fleet.yaml': 'defaultNamespace: web\nhelm:\n  chart: ./\n  valuesFiles: [../../shared/web.yaml]\n',
      // Same base name as the values file: Fleet's bundle does not hold it, so it is not deployed.
      'bundles/web/web.yaml': cm('web'),
      'bundles/web/sub/web.yaml': cm('sub'),
      'bundles/web/other.yaml': cm('other'),
    });
    const env = (await discoverEnvironments(root, { clusters })).environments.find((e) => e.name === 'bundles/web@dev')!;
    expect(await rendered(root, env)).toEqual(['ConfigMap/web/other', 'ConfigMap/web/sub']);
  });

  it('says namespaceLabels and namespaceAnnotations are not modelled instead of dropping them silently', async () => {
    const root = await makeTree({
      'bundles/web/fleet.yaml': 'defaultNamespace: web\nnamespaceLabels: {team: web}\ntargetCustomizations:\n  - clusterName: prod\n    namespaceAnnotations: {owner: ops}\n',
      'bundles/web/cm.yaml': cm('web'),
    });
    const { notes } = await discoverEnvironments(root, { clusters });
    expect(notes.filter((n) => n.reason.includes('not modelled — bosun neither previews nor applies them')).map((n) => [n.name, n.reason.split(':')[0]])).toEqual([
      ['bundles/web@dev', 'namespaceLabels'],
      ['bundles/web@prod', 'namespaceLabels and namespaceAnnotations'],
    ]);
  });

  it('helm.templateValues are templated per cluster and set over the values', async () => {
    const root = await makeTree({
      'bundles/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'bundles/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata:\n  where: {{ .Values.where | quote }}\n',
      'bundles/web/fleet.yaml': 'defaultNamespace: web\nhelm:\n  releaseName: web\n  values: {where: nowhere}\n  templateValues:\n    where: "${ .ClusterName }-${ .ClusterLabels.env }"\n',
    });
    const envs = (await discoverEnvironments(root, { clusters })).environments;
    for (const name of ['dev', 'prod']) {
      const out = await renderEnvironment(root, envs.find((e) => e.name === `bundles/web@${name}`)!);
      expect(out.ok && out.objects.map((o) => o.object.data)).toEqual([{ where: `${name}-${name}` }]);
    }
  });
});
