// Flux postBuild substitution through planChange, with the grammar of kustomize-controller's envsubst
// (fluxcd/pkg/envsubst): forms it evaluates are previewed with their values, and a `${…}` it cannot parse
// is a render error at the object's file — kustomize-controller fails the whole Kustomization on it, so the
// plan must not be green.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { fluxSystemSync } from '../../testkit/flux-sync.ts';

const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const deployment = (image: string, annotation: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    example.com/note: "${annotation}"
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: ${image}
`;

async function planOf(before: string, after: string): Promise<PlanResult> {
  const repo = await makeGitRepo();
  repos.push(repo);
  await repo.write('clusters/prod/flux-system/gotk-sync.yaml', fluxSystemSync('clusters/prod'));
  await repo.write('clusters/prod/apps.yaml', `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: apps, namespace: flux-system}
spec:
  interval: 10m
  path: ./apps
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
  postBuild:
    substitute:
      registry: ghcr.io/acme
      tag: v1.2.3
`);
  await repo.write('apps/web.yaml', before);
  await repo.commit('base');
  await repo.write('apps/web.yaml', after);
  await repo.commit('change');
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
}

describe('Flux postBuild substitution forms', () => {
  it('evaluates the replace, trim and :+ forms as Flux does, so their change is previewed with values', async () => {
    const plan = await planOf(
      deployment('${registry}/web:${tag}', 'plain'),
      deployment('${registry/ghcr.io/mirror.local}/web:${tag#v}', 'tag ${tag:+set}'),
    );
    const apps = plan.environments.find((e) => e.name === 'prod/apps')!;
    expect('error' in apps.render).toBe(false);
    expect(apps.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    const diff = apps.changes[0].diff ?? '';
    expect(diff).toMatch(/\n-.*image: ghcr\.io\/acme\/web:v1\.2\.3\n\+.*image: mirror\.local\/acme\/web:1\.2\.3\n/);
    expect(diff).toContain('+    example.com/note: tag v1.2.3');
  });

  it('fails the render at the object\'s file on a ${…} Flux cannot parse (a dash in the name), never a green plan', async () => {
    const plan = await planOf(deployment('${registry}/web:${tag}', 'plain'), deployment('${registry}/web:${image-tag}', 'plain'));
    const apps = plan.environments.find((e) => e.name === 'prod/apps')!;
    expect(apps.render).toMatchObject({ error: { kind: 'render', file: 'apps/web.yaml' } });
    const message = 'error' in apps.render ? apps.render.error.message : '';
    expect(message).toContain('`${image-tag}`');
    expect(message).toContain('kustomize.toolkit.fluxcd.io/substitute: disabled');
  });

  // kustomize-controller's default (the StrictPostBuildSubstitutions feature gate is opt-in,
  // internal/features/features.go) substitutes an unset variable as the empty string; with the gate on,
  // one without a default fails the Kustomization ("variable not set (strict mode)", fluxcd/pkg
  // kustomize/kustomize_varsub.go). bosun previews the default and says which variables are unset.
  it('previews an unset variable as empty, as Flux does by default, with a warning naming it and the strict mode that would fail', async () => {
    const plan = await planOf(deployment('${registry}/web:${tag}', 'plain'), deployment('${registry}/web:${tag}', '${region}-${zone:=a}'));
    const apps = plan.environments.find((e) => e.name === 'prod/apps')!;
    expect(apps.changes[0]?.diff ?? '').toContain('+    example.com/note: -a');
    const warnings = apps.validation.warnings.filter((w) => w.message.includes('region'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ file: 'apps/web.yaml', path: '/spec/postBuild/substitute' });
    expect(warnings[0].message).toContain('StrictPostBuildSubstitutions');
    expect(warnings[0].message).not.toContain('zone');
  });
});
