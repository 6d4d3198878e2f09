import { describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { tempRepo } from '../git/temp-repo.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const flux = (path: string, extra: Partial<Parameters<typeof environment>[0]> = {}) =>
  environment({ name: `staging/${path.split('/').pop()}`, source: 'flux', path, definedIn: { file: 'clusters/staging/apps.yaml', line: 1 }, ...extra });

const configMap = (name: string, data: Record<string, string> = {}) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n${Object.entries(data).map(([k, v]) => `  ${k}: ${v}\n`).join('') || '  x: "1"\n'}`;

describe('Flux semantics', () => {
  it('generates the kustomization Flux would for a path without one: all YAML below it, nested kustomizations as units', async () => {
    const root = await repo({
      'apps/web/a.yaml': configMap('a'),
      'apps/web/deep/b.yml': `# leading comment\n${configMap('b')}`,
      'apps/web/deep/c.json': '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "json-is-not-included"}}',
      'apps/web/.github/workflows/ci.yaml': 'on: push\njobs: {}\n',
      'apps/web/cloudbuild.yaml': 'steps: []\n',
      'apps/web/sub/kustomization.yaml': 'namePrefix: sub-\nresources: [d.yaml]\n',
      'apps/web/sub/d.yaml': configMap('d'),
      'apps/web/sub/ignored-unless-listed.yaml': configMap('not-listed'),
    });
    const outcome = await renderEnvironment(root, flux('apps/web'));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => [o.object.metadata?.name, o.source?.file, o.source?.line])).toEqual([
      ['a', 'apps/web/a.yaml', 1],
      ['b', 'apps/web/deep/b.yml', 2],
      ['sub-d', 'apps/web/sub/d.yaml', 1], // prefixed by the nested kustomization, built from line 1
    ]);
  });

  it('applies targetNamespace, patches and postBuild substitution, leaving opted-out objects alone', async () => {
    const root = await repo({
      'apps/web/deploy.yaml': [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        '  name: web-${cluster_env}',
        'spec:',
        '  replicas: ${replicas:=1}',
        '  selector: {matchLabels: {app: web}}',
        '  template:',
        '    metadata: {labels: {app: web}}',
        '    spec:',
        '      containers:',
        '        - name: web',
        '          image: nginx:${tag:-latest}',
        '          args: ["--price=$${cost}"]',
        '',
      ].join('\n'),
      'apps/web/raw.yaml': [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: raw',
        '  annotations:',
        '    kustomize.toolkit.fluxcd.io/substitute: disabled',
        'data:',
        '  script: echo ${HOME}',
        '',
      ].join('\n'),
      'apps/web/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: reader\nrules: []\n',
    });
    const env = flux('apps/web', {
      namespace: 'web',
      substitute: { cluster_env: 'prod', replicas: '3' },
      kustomize: { patches: [{ patch: '- op: add\n  path: /metadata/labels\n  value: {patched: "yes"}', target: { kind: 'Deployment' } }] },
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const byKind = Object.fromEntries(outcome.objects.map((o) => [o.object.kind, o]));
    const deployment = byKind.Deployment.object as unknown as { metadata: Record<string, unknown>; spec: { replicas: unknown; template: { spec: { containers: Array<{ image: string; args: string[] }> } } } };
    expect(deployment.metadata).toMatchObject({ name: 'web-prod', namespace: 'web', labels: { patched: 'yes' } });
    expect(deployment.spec.replicas).toBe(3);
    expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:latest');
    expect(deployment.spec.template.spec.containers[0].args).toEqual(['--price=${cost}']);
    // Built from line 1; the Kustomization's patch applies to it (a finding on a field it set points there).
    expect(byKind.Deployment.source).toEqual({
      file: 'apps/web/deploy.yaml',
      line: 1,
      patches: [{ file: 'clusters/staging/apps.yaml', line: 1, inline: { text: expect.stringContaining('patched'), doc: 0 } }],
    });

    expect(byKind.ConfigMap.object.data).toEqual({ script: 'echo ${HOME}' });
    expect(byKind.ConfigMap.object.metadata?.namespace).toBe('web');
    expect(byKind.ConfigMap.source).toEqual({ file: 'apps/web/raw.yaml', line: 1 });

    // cluster-scoped and untouched by every step: the exact line
    expect(byKind.ClusterRole.source).toEqual({ file: 'apps/web/role.yaml', line: 1 });
  });

  it('adds targetNamespace to a path that has its own kustomization, without writing into the checkout', async () => {
    const r = await tempRepo({
      'apps/api/kustomization.yaml': 'resources: [cm.yaml]\n',
      'apps/api/cm.yaml': configMap('api'),
    });
    try {
      await r.commit('init');
      const outcome = await renderEnvironment(r.dir, flux('apps/api', { namespace: 'n' }));
      expect(outcome.ok && outcome.objects.map((o) => o.object.metadata)).toEqual([{ name: 'api', namespace: 'n' }]);
      expect(await git(['status', '--porcelain', '--ignored'], { cwd: r.dir })).toBe('');
    } finally {
      await r.cleanup();
    }
  });

  it('fails like Flux on YAML that is not a Kubernetes object, naming file and line', async () => {
    const root = await repo({
      'apps/web/a.yaml': configMap('a'),
      'apps/web/values.yaml': 'replicaCount: 2\n',
    });
    const outcome = await renderEnvironment(root, flux('apps/web'));
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'kustomize', file: 'apps/web/values.yaml', line: 1 } });
  });

  it('renders an empty path to no objects', async () => {
    const root = await repo({ 'apps/empty/README.md': 'nothing here\n' });
    expect(await renderEnvironment(root, flux('apps/empty'))).toEqual({ ok: true, objects: [] });
  });

  it('rejects invalid substitution variable names, pointing at the Flux Kustomization', async () => {
    const root = await repo({ 'apps/web/a.yaml': configMap('a') });
    const outcome = await renderEnvironment(root, flux('apps/web', { substitute: { 'bad-name': 'x' } }));
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'config', file: 'clusters/staging/apps.yaml', field: 'spec.postBuild.substitute' } });
  });
});

describe('Flux build errors', () => {
  it('quotes kustomize with repository paths when two files define the same object', async () => {
    const root = await repo({ 'apps/web/a.yaml': configMap('same'), 'apps/web/b.yaml': configMap('same') });
    const outcome = await renderEnvironment(root, flux('apps/web'));
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'kustomize', file: 'apps/web/b.yaml' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/already registered id/);
    expect(!outcome.ok && outcome.error.message).not.toMatch(/\.\.\/|bosun-/);
  });
});
