// Flux repositories through the whole plan, with real git and kubectl kustomize: what kustomize-controller
// would apply when the Kustomization reads an ExternalArtifact an ArtifactGenerator builds, when the
// GitRepository ignores files (.sourceignore, spec.ignore), when postBuild.substituteFrom takes values from
// a ConfigMap or Secret another Kustomization of the cluster applies, and in the bootstrap layout
// (gotk-components.yaml: Flux's own CRDs and controllers are an environment like the others).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { loadDesiredState, renderAndValidate, selectEnvironments, withTree } from '../../src/plan/desired-state.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repoUrl = 'https://github.com/acme/platform';

const gotkSync = (cluster: string) => `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m
  url: ${repoUrl}
  ref:
    branch: main
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m
  path: ./clusters/${cluster}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
`;

const ks = (name: string, spec: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${name}
  namespace: flux-system
spec:
  interval: 10m
  prune: true
${spec}`;

const configMap = (name: string, data: Record<string, string>, namespace = 'apps') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  namespace: ${namespace}
data:
${Object.entries(data).map(([k, v]) => `  ${k}: "${v}"`).join('\n')}
`;

/** A small gotk-components.yaml: one of Flux's CRDs and its controller, as `flux install --export` writes them. */
const gotkComponents = (version: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: flux-system
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gitrepositories.source.toolkit.fluxcd.io
spec:
  group: source.toolkit.fluxcd.io
  names:
    kind: GitRepository
    listKind: GitRepositoryList
    plural: gitrepositories
    singular: gitrepository
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              x-kubernetes-preserve-unknown-fields: true
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: source-controller
  namespace: flux-system
spec:
  selector:
    matchLabels:
      app: source-controller
  template:
    metadata:
      labels:
        app: source-controller
    spec:
      containers:
        - name: manager
          image: ghcr.io/fluxcd/source-controller:${version}
`;

let repo: GitRepoBuilder;
const shas = new Map<string, string>();

async function plan(from: string, to: string, baseBranch = 'main'): Promise<PlanResult> {
  return planChange({ repoDir: repo.dir, base: shas.get(from)!, head: shas.get(to)!, repoUrls: [repoUrl], baseBranch });
}

const envOf = (p: PlanResult, name: string) => p.environments.find((e) => e.name === name);
const changeKeys = (p: PlanResult, name: string) => (envOf(p, name)?.changes ?? []).map((c) => `${c.action} ${c.kind} ${c.namespace ? `${c.namespace}/` : ''}${c.name}`).sort();

beforeAll(async () => {
  repo = await makeGitRepo();
  // Bootstrap layout for cluster staging; an ArtifactGenerator splits the repository into two artifacts.
  await repo.write('clusters/staging/flux-system/gotk-components.yaml', gotkComponents('v1.6.0'));
  await repo.write('clusters/staging/flux-system/gotk-sync.yaml', gotkSync('staging'));
  await repo.write('clusters/staging/flux-system/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n');
  await repo.write('clusters/staging/cluster-vars.yaml', configMap('cluster-vars', { app_version: '1.0.0', domain: 'staging.example.org' }, 'flux-system'));
  await repo.write('clusters/staging/cluster-secrets.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  db_password: s3cr3t-value-1\n');
  await repo.write('clusters/staging/artifacts.yaml', `apiVersion: source.extensions.fluxcd.io/v1beta1
kind: ArtifactGenerator
metadata:
  name: platform
  namespace: flux-system
spec:
  sources:
    - alias: repo
      kind: GitRepository
      name: flux-system
  artifacts:
    - name: apps
      copy:
        - from: "@repo/apps/base/**"
          to: "@artifact/base/"
        - from: "@repo/apps/staging/**"
          to: "@artifact/staging/"
          exclude: ["*.md"]
`);
  await repo.write('clusters/staging/apps.yaml', ks('apps', `  path: ./staging
  sourceRef:
    kind: ExternalArtifact
    name: apps
  postBuild:
    substitute:
      cluster: staging
    substituteFrom:
      - kind: ConfigMap
        name: cluster-vars
      - kind: Secret
        name: cluster-secrets
      - kind: ConfigMap
        name: optional-vars
        optional: true
`));
  await repo.write('apps/base/kustomization.yaml', 'resources:\n  - settings.yaml\n');
  await repo.write('apps/base/settings.yaml', configMap('settings', { version: '${app_version}', host: 'web.${domain}', cluster: '${cluster}', password: '${db_password}' }));
  await repo.write('apps/staging/kustomization.yaml', 'resources:\n  - ../base\n  - extra.yaml\n');
  await repo.write('apps/staging/extra.yaml', configMap('extra', { color: 'blue' }));
  await repo.write('apps/staging/README.md', 'not copied\n');
  // A folder the artifact does not copy.
  await repo.write('apps/production/kustomization.yaml', 'resources:\n  - ../base\n');
  shas.set('base', await repo.commit('base'));

  await repo.write('clusters/staging/cluster-vars.yaml', configMap('cluster-vars', { app_version: '1.1.0', domain: 'staging.example.org' }, 'flux-system'));
  shas.set('bump', await repo.commit('app 1.1.0 through substituteFrom'));

  await repo.write('apps/staging/extra.yaml', configMap('extra', { color: 'green' }));
  shas.set('overlay', await repo.commit('an overlay change the artifact carries'));

  await repo.write('apps/production/kustomization.yaml', 'resources:\n  - ../base\n# production later\n');
  shas.set('outside', await repo.commit('a file no artifact copies'));

  await repo.write('clusters/staging/cluster-secrets.yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: cluster-secrets\n  namespace: flux-system\nstringData:\n  db_password: s3cr3t-value-2\n');
  shas.set('secret', await repo.commit('rotate the password'));

  await repo.write('clusters/staging/flux-system/gotk-components.yaml', gotkComponents('v1.7.0'));
  shas.set('flux-upgrade', await repo.commit('flux 2.7'));

  // .sourceignore leaves the staging overlay's extra file out of the GitRepository artifact (and so of the ExternalArtifact).
  await repo.write('.sourceignore', '# not deployed\napps/staging/extra.yaml\n');
  shas.set('ignore', await repo.commit('ignore extra.yaml'));
  await repo.write('apps/staging/kustomization.yaml', 'resources:\n  - ../base\n');
  shas.set('ignore-fixed', await repo.commit('the overlay no longer lists the ignored file'));
}, 120_000);

afterAll(async () => {
  if (repo) await rm(repo.dir, { recursive: true, force: true });
});

describe('Flux sources and substitutions through the plan', () => {
  it('an ExternalArtifact environment renders the artifact the ArtifactGenerator builds, its objects pointing at the repository files', async () => {
    const result = await withTree(repo.dir, shas.get('base'), async (dir) => {
      const [env] = await selectEnvironments(dir, { envs: ['staging/apps'], repoUrls: [repoUrl] });
      expect(env.fluxSource).toMatchObject({ label: expect.stringContaining('ExternalArtifact flux-system/apps (ArtifactGenerator flux-system/platform'), files: ['clusters/staging/artifacts.yaml', 'clusters/staging/flux-system/gotk-sync.yaml'] });
      return (await renderAndValidate(dir, [env]))[0];
    });
    expect(result.outcome.ok).toBe(true);
    if (!result.outcome.ok) return;
    expect(result.outcome.objects.map((o) => [o.object.metadata?.name, o.source?.file, o.source?.line]).sort()).toEqual([
      ['extra', 'apps/staging/extra.yaml', 1],
      ['settings', 'apps/base/settings.yaml', 1],
    ]);
    const settings = result.outcome.objects.find((o) => o.object.metadata?.name === 'settings')!.object as unknown as { data: Record<string, string> };
    // substituteFrom ConfigMap values, the inline substitute, and the Secret's value only as a marker.
    expect(settings.data).toMatchObject({ version: '1.0.0', host: 'web.staging.example.org', cluster: 'staging' });
    expect(settings.data.password).toMatch(/^\(secret flux-system\/cluster-secrets key db_password, value [0-9a-f]{10}\)$/);
    expect(JSON.stringify(result.outcome.objects)).not.toContain('s3cr3t');
  });

  it('apply substitutes the Secret value itself', async () => {
    const desired = await loadDesiredState({ repoDir: repo.dir, ref: shas.get('base')!, env: 'staging/apps', repoUrls: [repoUrl] });
    expect((desired.objects.find((o) => o.object.metadata?.name === 'settings')!.object as unknown as { data: Record<string, string> }).data.password).toBe('s3cr3t-value-1');
  });

  it('a substituteFrom ConfigMap change is a change of the environments that read it (the ConfigMap file is their input)', async () => {
    const p = await plan('base', 'bump');
    expect(envOf(p, 'staging/apps')).toMatchObject({ affected: true, reason: 'clusters/staging/cluster-vars.yaml changed' });
    expect(changeKeys(p, 'staging/apps')).toEqual(['update ConfigMap apps/settings']);
    expect(envOf(p, 'staging/apps')!.changes[0].diff).toContain('+  version: 1.1.0');
    // The ConfigMap's own environment shows its change too.
    expect(changeKeys(p, 'staging/flux-system')).toEqual(['update ConfigMap flux-system/cluster-vars']);
    // No "values from the cluster are not previewed" note any more.
    expect(p.discovery?.some((n) => n.reason.includes('substituteFrom') && n.status === 'not-previewed')).toBe(false);
  });

  it('a change in a folder the artifact copies is previewed; a folder it does not copy affects nothing', async () => {
    const overlay = await plan('bump', 'overlay');
    expect(changeKeys(overlay, 'staging/apps')).toEqual(['update ConfigMap apps/extra']);
    const outside = await plan('overlay', 'outside');
    expect(envOf(outside, 'staging/apps')).toMatchObject({ affected: false });
  });

  it('a rotated Secret reads as a changed marker, never the value', async () => {
    const p = await plan('outside', 'secret');
    expect(changeKeys(p, 'staging/apps')).toEqual(['update ConfigMap apps/settings']);
    const diff = envOf(p, 'staging/apps')!.changes[0].diff;
    expect(diff).toMatch(/- {2}password: \(secret flux-system\/cluster-secrets key db_password, value [0-9a-f]{10}\)/);
    expect(JSON.stringify(p)).not.toContain('s3cr3t');
  });

  it('the bootstrap flux-system Kustomization is an environment: Flux\'s own controllers are diffed and its CRDs validated', async () => {
    const p = await plan('secret', 'flux-upgrade');
    expect(changeKeys(p, 'staging/flux-system')).toEqual(['update Deployment flux-system/source-controller']);
    expect(envOf(p, 'staging/flux-system')!.validation.errors).toEqual([]);
    expect(envOf(p, 'staging/apps')).toMatchObject({ affected: false });
  });

  it('.sourceignore leaves a file out of the artifact as source-controller does: the overlay that lists it fails like Flux would, until it no longer does', async () => {
    const p = await plan('flux-upgrade', 'ignore');
    const apps = envOf(p, 'staging/apps')!;
    expect(apps.affected).toBe(true);
    expect('error' in apps.render && apps.render.error.message).toMatch(/extra\.yaml/);
    const fixed = await plan('flux-upgrade', 'ignore-fixed');
    expect(changeKeys(fixed, 'staging/apps')).toEqual(['delete ConfigMap apps/extra']);
    // The new .sourceignore is part of how the environment's files are assembled.
    expect(envOf(fixed, 'staging/apps')!.reason).toBe('definition in clusters/staging/apps.yaml changed');
  });

  it('a pull request into another branch does not preview the Kustomizations of main', async () => {
    const p = await plan('base', 'bump', 'release');
    expect(p.environments).toEqual([]);
    expect(p.discovery?.filter((n) => n.kind === 'Kustomization').map((n) => n.reason)).toEqual(expect.arrayContaining([
      expect.stringContaining('follows branch `main` of this repository, not `release`'),
    ]));
  });
});
