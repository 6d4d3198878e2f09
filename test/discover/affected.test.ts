import { describe, expect, it } from 'vitest';
import { collectInputs, decideAffected, type EnvInputs, type InputsCache } from '../../src/discover/index.ts';
import { environmentDefaults, type Environment } from '../../src/model/environment.ts';
import { makeTree } from './temp-tree.ts';

function env(name: string, path: string, extra: Partial<Environment> = {}): Environment {
  return { ...environmentDefaults, name, source: 'flux', path, dependsOn: [], requires: [], definedIn: { file: `clusters/${name}.yaml`, line: 1 }, ...extra };
}

const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n';

async function twoOverlays(): Promise<string> {
  return makeTree({
    'apps/base/kustomization.yaml': 'resources: [deployment.yaml]\npatches:\n  - path: patches/resources.yaml\n',
    'apps/base/deployment.yaml': deployment,
    'apps/base/patches/resources.yaml': deployment,
    'apps/staging/kustomization.yaml': 'resources: [../base]\n',
    'apps/production/kustomization.yaml': 'resources: [../base]\npatches:\n  - path: replicas.yaml\n',
    'apps/production/replicas.yaml': deployment,
    'apps/remote/kustomization.yaml': 'resources:\n  - github.com/acme/shared-manifests/web?ref=v1.2.0\n',
    'docs/README.md': 'docs\n',
  });
}

async function decide(root: string, envs: Environment[], changedFiles: string[]) {
  const cache: InputsCache = new Map();
  const result: Record<string, ReturnType<typeof decideAffected>> = {};
  for (const e of envs) {
    const inputs = await collectInputs(root, e, cache);
    result[e.name] = decideAffected({ base: e, head: e, baseInputs: inputs, headInputs: inputs, changedFiles });
  }
  return result;
}

describe('decideAffected', () => {
  const staging = env('staging', 'apps/staging');
  const production = env('production', 'apps/production');

  it('marks both overlays affected when a patch in their shared base changes', async () => {
    const root = await twoOverlays();
    const decisions = await decide(root, [staging, production], ['apps/base/patches/resources.yaml']);
    expect(decisions.staging).toEqual({ affected: true, reason: 'apps/base/patches/resources.yaml changed' });
    expect(decisions.production).toEqual({ affected: true, reason: 'apps/base/patches/resources.yaml changed' });
  });

  it('affects only the overlay whose own file changed, and counts further changed inputs', async () => {
    const root = await twoOverlays();
    const decisions = await decide(root, [staging, production], ['apps/production/replicas.yaml', 'apps/production/kustomization.yaml', 'docs/README.md']);
    expect(decisions.production).toEqual({ affected: true, reason: 'apps/production/kustomization.yaml changed (+1 more)' });
    expect(decisions.staging.affected).toBe(false);
  });

  it('skips an environment when an unrelated file changes, saying how many inputs it checked', async () => {
    const root = await twoOverlays();
    const decisions = await decide(root, [staging], ['docs/README.md', 'apps/base/unused.txt']);
    // definition file + 3 kustomization names × 2 folders + deployment + patch
    expect(decisions.staging).toEqual({ affected: false, reason: 'skipped: none of its 9 inputs changed' });
  });

  it('keeps a remote base out of the inputs: the environment is affected only when a local input (its kustomization) changes', async () => {
    // Argo CD and Flux fetch a remote base (argocd-autopilot's bootstrap/argo-cd builds from one); the renderer
    // refuses it (test/render/remote-references), but affected detection must not: refusing it here rendered,
    // and failed, that environment on every pull request.
    const root = await twoOverlays();
    const remote = env('remote', 'apps/remote');
    expect((await decide(root, [remote], ['docs/README.md'])).remote).toEqual({ affected: false, reason: 'skipped: none of its 4 inputs changed' });
    expect((await decide(root, [remote], ['apps/remote/kustomization.yaml'])).remote).toEqual({ affected: true, reason: 'apps/remote/kustomization.yaml changed' });
    // Without inputs (analysis failed elsewhere) an environment is still rendered, never skipped.
    expect(decideAffected({ base: remote, head: remote, changedFiles: ['docs/README.md'] }).affected).toBe(true);
  });

  it('counts a change to the file that defines the environment', async () => {
    const root = await twoOverlays();
    const decisions = await decide(root, [staging], ['clusters/staging.yaml']);
    expect(decisions.staging).toEqual({ affected: true, reason: 'clusters/staging.yaml changed' });
  });

  it('reports added and removed environments with their lifecycle', () => {
    const inputs: EnvInputs = { files: [], dirs: ['apps/staging'] };
    expect(decideAffected({ head: staging, headInputs: inputs, changedFiles: [] })).toEqual({
      affected: true, reason: 'new environment (defined in clusters/staging.yaml)', lifecycle: 'added',
    });
    expect(decideAffected({ base: staging, baseInputs: inputs, changedFiles: [] })).toMatchObject({ affected: true, lifecycle: 'removed' });
  });

  it('treats a changed definition as affected even when no file input changed', () => {
    const inputs: EnvInputs = { files: [], dirs: ['apps/staging'] };
    const moved = { ...staging, definedIn: { file: 'clusters/staging.yaml', line: 40 } };
    expect(decideAffected({ base: staging, head: moved, baseInputs: inputs, headInputs: inputs, changedFiles: [] }).affected).toBe(false);
    const retargeted = { ...staging, namespace: 'web' };
    expect(decideAffected({ base: staging, head: retargeted, baseInputs: inputs, headInputs: inputs, changedFiles: [] })).toEqual({
      affected: true, reason: 'definition in clusters/staging.yaml changed',
    });
  });

  it('renders when the inputs of either side are unknown', () => {
    expect(decideAffected({ base: staging, head: staging, headInputs: { files: [], dirs: [] }, changedFiles: [] })).toEqual({
      affected: true, reason: 'rendered because its inputs could not be determined',
    });
  });

  it('uses the base inputs too: a file only the base read still makes the change relevant', () => {
    const baseInputs: EnvInputs = { files: ['apps/old-patch.yaml'], dirs: [] };
    const headInputs: EnvInputs = { files: ['apps/new-patch.yaml'], dirs: [] };
    expect(decideAffected({ base: staging, head: staging, baseInputs, headInputs, changedFiles: ['apps/old-patch.yaml'] }).affected).toBe(true);
  });
});
