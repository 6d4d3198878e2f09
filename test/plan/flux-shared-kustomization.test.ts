// One Flux Kustomization file that two clusters apply — the shared clusters/base/ (or infrastructure/flux/)
// folder that clusters/staging/kustomization.yaml and clusters/production/kustomization.yaml both list. Each
// cluster's kustomize-controller applies its own copy of the object and reconciles it there: two deployments,
// on two clusters. bosun plans one environment per cluster that applies it (`staging/infra`,
// `production/infra`), never one `base/infra` on a cluster called `base` that no registry has.
import { describe, expect, it } from 'vitest';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';

const planOf = twoCommitPlanner();

const clusterKustomization = (shared: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - flux-system/gotk-sync.yaml
  - ${shared}
`;

const infra = fluxKustomization('infra', './infrastructure', '  targetNamespace: infra\n');

const configMap = (level: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {level: ${level}}
`;

function layout(sharedDir: string): Record<string, string> {
  const files: Record<string, string> = {
    [`${sharedDir}/kustomization.yaml`]: 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - infra.yaml\n',
    [`${sharedDir}/infra.yaml`]: infra,
    'infrastructure/settings.yaml': configMap('info'),
  };
  for (const cluster of ['staging', 'production']) {
    files[`clusters/${cluster}/flux-system/gotk-sync.yaml`] = fluxSystemSync(`clusters/${cluster}`);
    files[`clusters/${cluster}/kustomization.yaml`] = clusterKustomization(`../../${sharedDir}`.replace('../../clusters/', '../'));
  }
  return files;
}

// Each cluster's overlay patches its copy (postBuild.substitute): the multi-cluster layout of
// fluxcd/flux2-kustomize-helm-example style repositories with a shared clusters/base.
function patchedLayout(): Record<string, string> {
  const files = layout('clusters/base');
  files['clusters/base/infra.yaml'] = infra.replace('  targetNamespace: infra\n', '  targetNamespace: infra\n  postBuild:\n    substitute: {level: info}\n');
  files['infrastructure/settings.yaml'] = configMap('"${level}"');
  for (const [cluster, level] of [['staging', 'debug'], ['production', 'warn']]) {
    files[`clusters/${cluster}/kustomization.yaml`] = `${clusterKustomization('../base')}patches:
  - target: {kind: Kustomization, name: infra}
    patch: |
      - op: replace
        path: /spec/postBuild/substitute/level
        value: ${level}
`;
  }
  return files;
}

describe('a Flux Kustomization file that two clusters apply', () => {
  it('is built per cluster from the object as that cluster\'s overlay patches it', async () => {
    const plan = await planOf(patchedLayout(), { 'infrastructure/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {level: "${level}", tier: web}\n' });
    const infraEnvs = plan.environments.filter((e) => e.name.endsWith('/infra'));
    expect(infraEnvs.map((e) => `${e.name} on ${e.cluster}`).sort()).toEqual(['production/infra on production', 'staging/infra on staging']);
    const diffOf = (name: string) => infraEnvs.find((e) => e.name === name)?.changes[0]?.diff ?? '';
    expect(diffOf('staging/infra')).toContain(' level: debug');
    expect(diffOf('production/infra')).toContain(' level: warn');
    expect(plan.discovery?.filter((n) => n.status === 'not-previewed') ?? []).toEqual([]);
  });

  for (const sharedDir of ['clusters/base', 'infrastructure/flux']) {
    it(`is one environment per cluster (${sharedDir}/infra.yaml), each planned on its own cluster`, async () => {
      const plan = await planOf(layout(sharedDir), { 'infrastructure/settings.yaml': configMap('debug') });
      const infraEnvs = plan.environments.filter((e) => e.name.endsWith('/infra') || e.name === 'infra');
      expect(infraEnvs.map((e) => `${e.name} on ${e.cluster}`).sort()).toEqual(['production/infra on production', 'staging/infra on staging']);
      for (const env of infraEnvs) {
        expect(env.affected).toBe(true);
        expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['update ConfigMap infra/settings']);
      }
    });
  }
});
