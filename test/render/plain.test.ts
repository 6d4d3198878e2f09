import { symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { tempDir, writeFiles } from '../git/temp-repo.ts';
import { rm } from 'node:fs/promises';
import { environment } from './environment.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function repoWith(files: Parameters<typeof writeFiles>[1]): Promise<string> {
  const dir = await tempDir();
  dirs.push(dir);
  await writeFiles(dir, files);
  return dir;
}

const env = environment({ name: 'staging', path: 'clusters/staging', render: 'plain' });

describe('plain YAML renderer', () => {
  it('renders every YAML and JSON file below the folder, in path order, each object with its file and first-key line', async () => {
    const root = await repoWith({
      'clusters/staging/b-apps/web.yaml': [
        '# web tier',
        '---',
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web',
        '---',
        '',
        '---',
        '# only a comment',
        '---',
        '',
        'apiVersion: v1',
        'kind: Service',
        'metadata: {name: web}',
        '',
      ].join('\n'),
      'clusters/staging/a-namespace.yml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: web\n',
      'clusters/staging/c-list.json': JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } },
          { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' } },
        ],
      }, null, 2),
      'clusters/staging/README.md': 'not yaml: [',
      'clusters/production/other.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n',
    });

    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => [o.object.kind, o.object.metadata?.name, o.source?.file, o.source?.line])).toEqual([
      ['Namespace', 'web', 'clusters/staging/a-namespace.yml', 1],
      ['Deployment', 'web', 'clusters/staging/b-apps/web.yaml', 3],
      ['Service', 'web', 'clusters/staging/b-apps/web.yaml', 13],
      ['ConfigMap', 'one', 'clusters/staging/c-list.json', 6],
      ['ConfigMap', 'two', 'clusters/staging/c-list.json', 13],
    ]);
  });

  it('gives the same objects in the same order on every render', async () => {
    const files: Record<string, string> = {};
    for (const n of ['z', 'a', 'm', 'b/c', 'b/a']) files[`clusters/staging/${n}.yaml`] = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${n.replace('/', '-')}\n`;
    const root = await repoWith(files);
    const first = await renderEnvironment(root, env);
    const second = await renderEnvironment(root, env);
    expect(second).toEqual(first);
    expect(first.ok && first.objects.map((o) => o.object.metadata?.name)).toEqual(['a', 'b-a', 'b-c', 'm', 'z']);
  });

  it('reports malformed YAML as a yaml error with file and line', async () => {
    const root = await repoWith({
      'clusters/staging/ok.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n',
      'clusters/staging/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: 1\n  b: two: three\n',
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'yaml', tool: 'yaml', file: 'clusters/staging/broken.yaml', line: 7 } });
  });

  it('refuses a document without kind, naming file and line', async () => {
    const root = await repoWith({
      'clusters/staging/values.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n---\nreplicas: 3\nimage: nginx\n',
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome).toMatchObject({ ok: false, error: { file: 'clusters/staging/values.yaml', line: 6 } });
    expect(!outcome.ok && outcome.error.message).toMatch(/no "kind"/);
  });

  it('refuses a file over 10 MB without reading it, naming the file', async () => {
    const root = await repoWith({ 'clusters/staging/ok.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ok\n' });
    await writeFile(join(root, 'clusters/staging/dump.yaml'), `# ${'x'.repeat(10 * 1024 * 1024)}\n`);
    const outcome = await renderEnvironment(root, env);
    expect(outcome).toMatchObject({ ok: false, error: { file: 'clusters/staging/dump.yaml' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/10 MB/);
  });

  it('follows symlinks inside the repository and refuses one that points outside', async () => {
    const outside = await repoWith({ 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen\n' });
    const root = await repoWith({
      'shared/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shared\n',
      'clusters/staging/ns.yaml': { symlink: '../../shared/ns.yaml' },
    });
    const inside = await renderEnvironment(root, env);
    expect(inside.ok && inside.objects.map((o) => [o.object.metadata?.name, o.source?.file])).toEqual([['shared', 'clusters/staging/ns.yaml']]);

    await symlink(join(outside, 'secret.yaml'), join(root, 'clusters/staging/z-secret.yaml'));
    const escaped = await renderEnvironment(root, env);
    expect(escaped).toMatchObject({ ok: false, error: { kind: 'path', file: 'clusters/staging/z-secret.yaml' } });
    expect(!escaped.ok && escaped.error.message).toMatch(/outside the repository/);
  });

  it('reports a missing environment folder and a path that escapes the repository', async () => {
    const root = await repoWith({ 'clusters/staging/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n' });
    expect(await renderEnvironment(root, { ...env, path: 'clusters/nope' })).toMatchObject({ ok: false, error: { kind: 'path' } });
    expect(await renderEnvironment(root, { ...env, path: '../..' })).toMatchObject({ ok: false, error: { kind: 'path', field: 'path' } });
  });
  it('never treats a kustomization file as an object: Flux bootstrap folders, every kustomization file name, kustomize Components', async () => {
    // The plain fallback of a cluster folder whose flux-system/ bootstrap folder holds gotk-components.yaml,
    // gotk-sync.yaml and a kustomization.yaml (flux bootstrap's layout), plus the other names kustomize reads.
    const root = await repoWith({
      'clusters/staging/flux-system/gotk-components.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n',
      'clusters/staging/flux-system/gotk-sync.yaml': [
        'apiVersion: kustomize.toolkit.fluxcd.io/v1',
        'kind: Kustomization',
        'metadata: {name: flux-system, namespace: flux-system}',
        'spec: {interval: 10m, path: ./clusters/staging, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}',
        '',
      ].join('\n'),
      'clusters/staging/flux-system/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-components.yaml\n  - gotk-sync.yaml\n',
      // Without apiVersion/kind, as many are written: not an object either, and no "not a Kubernetes object" error.
      'clusters/staging/apps/kustomization.yml': 'resources:\n  - web.yaml\n',
      'clusters/staging/apps/web.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'clusters/staging/legacy/Kustomization': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n',
      'clusters/staging/components/extra.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches: []\n',
    });
    const outcome = await renderEnvironment(root, { ...env, render: 'auto' });
    expect(outcome.ok && outcome.objects.map((o) => `${o.object.apiVersion} ${o.object.kind} ${o.object.metadata?.name} (${o.source?.file})`)).toEqual([
      'v1 ConfigMap web (clusters/staging/apps/web.yaml)',
      'v1 Namespace flux-system (clusters/staging/flux-system/gotk-components.yaml)',
      // A Flux Kustomization is an object of the cluster (kustomize-controller's), unlike kustomize's own file.
      'kustomize.toolkit.fluxcd.io/v1 Kustomization flux-system (clusters/staging/flux-system/gotk-sync.yaml)',
    ]);
  });
});
