// A Flux Kustomization whose path has no kustomization file: kustomize-controller generates one (fluxcd/pkg
// kustomize/kustomize_generator.go, scanManifests) listing every .yaml/.yml below the path. Each file is
// decoded with kustomize's resource factory (SliceFromBytes → dropBadNodes → GetValidatedMetadata), so a
// YAML file that is no Kubernetes object — a values.yaml, a kustomize config — fails the whole
// Kustomization ("failed to decode Kubernetes YAML from …: missing Resource metadata"). What never reaches
// kustomize-controller does not count: source-controller leaves out its default exclusions (.sops.yaml,
// .github/, CI files; fluxcd/pkg sourceignore) when it archives the GitRepository. bosun renders the same:
// those files are ignored, and any other non-object YAML is a render error at the file, never a green plan.
import { describe, expect, it } from 'vitest';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';

const files: Record<string, string> = {
  'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
  'clusters/staging/infra.yaml': fluxKustomization('infra', './infrastructure'),
  'infrastructure/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: infra}\ndata: {level: info}\n',
};

const planTwo = twoCommitPlanner();
const planOf = (change: Record<string, string>) => planTwo(files, change);

describe('the kustomization Flux generates for a plain folder', () => {
  it('leaves out what source-controller excludes (.sops.yaml, .github/ workflows) and previews the rest', async () => {
    const plan = await planOf({
      'infrastructure/.sops.yaml': 'creation_rules:\n  - path_regex: .*\\.yaml\n    age: age1example\n',
      'infrastructure/.github/workflows/ci.yml': 'on: push\njobs: {}\n',
      'infrastructure/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: infra}\ndata: {level: debug}\n',
    });
    const infra = plan.environments.find((e) => e.name === 'staging/infra')!;
    expect(infra.render).toEqual({ objects: 1, baseObjects: 1 });
    expect(infra.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap settings']);
  });

  it('fails on a YAML file that is no Kubernetes object (a values.yaml), at that file, as kustomize-controller fails the Kustomization', async () => {
    const plan = await planOf({ 'infrastructure/values.yaml': 'replicaCount: 2\n' });
    const infra = plan.environments.find((e) => e.name === 'staging/infra')!;
    expect(infra.render).toMatchObject({ error: { kind: 'render', file: 'infrastructure/values.yaml', line: 1, side: 'head' } });
    expect('error' in infra.render ? infra.render.error.message : '').toContain('failed to decode Kubernetes YAML');
  });
});
