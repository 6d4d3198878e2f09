// A Fleet bundle chart's crds/ as the Fleet agent's Helm handles them (model/helm-crds.ts fleetChartCrds,
// render/fleet-crds.ts): created on the bundle's install, never upgraded nor deleted — so a change to one on a
// bundle that exists is no change the cluster will see, and a CRD the chart drops stays. A CRD the agent's
// post-renderer gets is annotated helm.sh/resource-policy: keep unless fleet.yaml says deleteCRDResources.
// Real git repositories and the real helm binary.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const crd = (kind: string, column?: string) => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${kind.toLowerCase()}s.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: ${kind}, plural: ${kind.toLowerCase()}s, singular: ${kind.toLowerCase()}}
  versions:
    - name: v1
      served: true
      storage: true
      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
${column ? `      additionalPrinterColumns: [{name: ${column}, type: string, jsonPath: .spec.size}]\n` : ''}`;

const clusters = { clusters: [{ name: 'dev', labels: {} }] };

async function chartFiles(repo: GitRepoBuilder): Promise<void> {
  await repo.write('web/fleet.yaml', 'defaultNamespace: shop\nhelm: {releaseName: web}\n');
  await repo.write('web/Chart.yaml', 'apiVersion: v2\nname: web\nversion: 0.1.0\n');
  await repo.write('web/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {v: "1"}\n');
}

describe('a Fleet bundle chart\'s crds/', () => {
  it('on the bundle\'s install the crds/ CRD is created; once the bundle exists a change to it is not applied, said in the Sync section', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    await repo.write('README.md', 'no bundle yet\n');
    await repo.commit('no bundle yet');
    await chartFiles(repo);
    await repo.write('web/crds/widgets.yaml', crd('Widget'));
    await repo.commit('the bundle');
    const install = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters });
    const added = install.environments.find((e) => e.name === 'web@dev');
    expect(added?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`).sort()).toEqual(['create ConfigMap web', 'create CustomResourceDefinition widgets.example.com']);
    expect(added?.sync?.skipped ?? []).toEqual([]);

    await repo.write('web/crds/widgets.yaml', crd('Widget', 'Size'));
    await repo.write('web/templates/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {v: "2"}\n');
    await repo.commit('change the CRD');
    const upgrade = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters });
    const env = upgrade.environments.find((e) => e.name === 'web@dev');
    expect(env?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap web']);
    expect(env?.sync?.skipped.map((s) => `${s.kind} ${s.name} (${s.file}): ${s.reason}`)).toEqual([
      'CustomResourceDefinition widgets.example.com (web/crds/widgets.yaml): Helm does not upgrade a chart\'s crds/ (the Fleet agent deploys this existing bundle with helm upgrade, which has no CRD step)',
    ]);
  }, 120_000);

  it('a crds/ CRD the chart drops is kept; a template CRD carries keep unless deleteCRDResources', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    await chartFiles(repo);
    await repo.write('web/crds/widgets.yaml', crd('Widget'));
    await repo.write('web/templates/gadgets.yaml', crd('Gadget'));
    await repo.commit('base');
    await repo.remove('web/crds');
    await repo.remove('web/templates/gadgets.yaml');
    await repo.commit('drop both CRDs');
    const dropped = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters });
    const env = dropped.environments.find((e) => e.name === 'web@dev');
    expect(env?.changes).toEqual([]);
    expect(env?.sync?.kept?.map((k) => `${k.name}: ${k.reason}`).sort()).toEqual([
      'gadgets.example.com: annotated helm.sh/resource-policy: keep: the Helm upgrade leaves it although the bundle no longer renders it',
      'widgets.example.com: a CRD of the chart\'s crds/ folder: the Fleet agent\'s Helm never deletes one (not part of the release), the upgrade leaves it',
    ]);

    // deleteCRDResources: the post-renderer adds no keep, so the upgrade deletes the template's CRD; crds/ still stays.
    await repo.write('web/fleet.yaml', 'defaultNamespace: shop\ndeleteCRDResources: true\nhelm: {releaseName: web}\n');
    await repo.write('web/crds/widgets.yaml', crd('Widget'));
    await repo.write('web/templates/gadgets.yaml', crd('Gadget'));
    await repo.commit('deleteCRDResources');
    await repo.remove('web/crds');
    await repo.remove('web/templates/gadgets.yaml');
    await repo.commit('drop both again');
    const deleting = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters });
    const again = deleting.environments.find((e) => e.name === 'web@dev');
    expect(again?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['delete CustomResourceDefinition gadgets.example.com']);
    expect(again?.sync?.kept?.map((k) => k.name)).toEqual(['widgets.example.com']);
  }, 120_000);

  it('keeps a raw YAML bundle\'s CRD (the post-renderer\'s keep) when the bundle is removed, and says deleteCRDResources in a target customization is ignored', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    await repo.write('README.md', 'no bundle yet\n');
    await repo.commit('no bundle yet');
    await repo.write('raw/fleet.yaml', 'defaultNamespace: shop\ntargetCustomizations:\n  - name: dev\n    clusterName: dev\n    deleteCRDResources: true\n');
    await repo.write('raw/widgets.yaml', crd('Widget'));
    await repo.write('raw/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: raw}\n');
    await repo.commit('the bundle');
    const added = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters });
    expect(added.discovery?.map((n) => n.reason) ?? []).toContain('targetCustomizations[0].deleteCRDResources: ignored by Fleet in a target customization (its options Merge keeps the bundle\'s own deleteCRDResources)');
    await repo.remove('raw');
    await repo.commit('remove the bundle');
    const removed = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters });
    const env = removed.environments.find((e) => e.name === 'raw@dev');
    expect(env?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['delete ConfigMap raw']);
    expect(env?.sync?.kept?.map((k) => `${k.name}: ${k.reason}`)).toEqual([
      'widgets.example.com: annotated helm.sh/resource-policy: keep: the Fleet agent\'s Helm uninstall of the bundle leaves it',
    ]);
  }, 120_000);
});
