// What discovery reads in process (outside the render sandbox) from a pull request: a file the repository
// holds as a symlink to one outside is never read, whatever the render later refuses (defense in depth:
// the in-process reader is the layer the sandbox does not cover).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree } from '../discover/temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const canary = 'canary-outside-override';

describe('discovery never reads a file outside the repository', () => {
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'bosun-outside-'));
    await writeFile(join(outside, 'override.yaml'), `kustomize:\n  namePrefix: ${canary}-\n`);
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  for (const file of ['.argocd-source.yaml', '.argocd-source-web.yaml']) {
    it(`an Argo CD parameter override file ${file} that is a symlink to a file outside is not merged`, async () => {
      const root = await makeTree({
        'apps/web/kustomization.yaml': 'resources: [cm.yaml]\n',
        'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
        [`apps/web/${file}`]: { symlink: join(outside, 'override.yaml') },
        'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: argocd}\nspec:\n  source: {repoURL: ${repoUrl}, path: apps/web}\n  destination: {name: in-cluster, namespace: web}\n`,
      });
      const found = await discoverEnvironments(root, { repoUrls: [repoUrl] });
      expect(found.environments.map((e) => e.name)).toEqual(['web']);
      expect(JSON.stringify(found)).not.toContain(canary);
      // Said, not silent: the file is named (the render of the folder then fails on it, render/files.ts).
      expect(found.notes).toContainEqual(expect.objectContaining({ file: `apps/web/${file}`, reason: expect.stringMatching(/symlink that points outside the repository/) as unknown }));
    });
  }

  it('an ApplicationSet git files generator matching a symlink to a folder says so on the ApplicationSet, instead of failing discovery', async () => {
    const root = await makeTree({
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'envs/real/a.yaml': 'env: a\n',
      'envs/dir.yaml': { symlink: 'real' },
      'argocd/set.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: envs, namespace: argocd}\nspec:\n  goTemplate: true\n  generators:\n    - git: {repoURL: ${repoUrl}, revision: HEAD, files: [{path: envs/*.yaml}]}\n  template:\n    metadata: {name: 'web-{{ .path.filenameNormalized }}'}\n    spec:\n      project: default\n      source: {repoURL: ${repoUrl}, targetRevision: HEAD, path: charts/web}\n      destination: {server: https://kubernetes.default.svc, namespace: '{{ .env }}'}\n`,
    });
    const found = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(found.notes).toContainEqual(expect.objectContaining({ file: 'argocd/set.yaml', reason: expect.stringMatching(/envs\/dir\.yaml: is not a file/) as unknown }));
  });
});
