import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { environment } from './environment.ts';
import { chartFiles, useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const base = {
  'apps/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n',
  'apps/base/deployment.yaml': [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  name: web',
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    metadata:',
    '      labels: {app: web}',
    '    spec:',
    '      containers:',
    '        - name: web',
    '          image: nginx:1.25',
    '',
  ].join('\n'),
  'apps/base/service.yaml': [
    '# the web service',
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    'spec:',
    '  selector: {app: web}',
    '  ports:',
    '    - port: 80',
    '      protocol: TCP',
    '',
  ].join('\n'),
};

describe('kustomize renderer', () => {
  it('builds an overlay with patches and a configMapGenerator; each object keeps its source line, the patches that apply and its generator', async () => {
    const root = await repo({
      ...base,
      'clusters/staging/kustomization.yaml': [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '  - ../../apps/base',
        'patches:',
        '  - target: {kind: Deployment, name: web}',
        '    patch: |',
        '      - op: replace',
        '        path: /spec/replicas',
        '        value: 3',
        'configMapGenerator:',
        '  - name: web-settings',
        '    literals: [MODE=staging]',
        '',
      ].join('\n'),
    });
    const outcome = await renderEnvironment(root, environment({ name: 'staging', path: 'clusters/staging' }));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const byKind = Object.fromEntries(outcome.objects.map((o) => [o.object.kind, o]));
    expect((byKind.Deployment.object.spec as { replicas: number }).replicas).toBe(3);
    // Patched, so not the document as written, but built from it: its line, and the inline patch (a `|` block from line 8).
    expect(byKind.Deployment.source).toEqual({
      file: 'apps/base/deployment.yaml',
      line: 1,
      patches: [{ file: 'clusters/staging/kustomization.yaml', line: 6, inline: { text: expect.stringContaining('op: replace'), doc: 0, firstLine: 8 } }],
    });
    expect(byKind.Service.source).toEqual({ file: 'apps/base/service.yaml', line: 2 });
    expect(byKind.ConfigMap.object.metadata?.name).toMatch(/^web-settings-[2456789bcdfghkmt]{10}$/);
    expect(byKind.ConfigMap.object.data).toEqual({ MODE: 'staging' });
    expect(byKind.ConfigMap.source).toEqual({ file: 'clusters/staging/kustomization.yaml', line: 12, generator: 'ConfigMapGenerator' });
  });

  it('applies Argo CD kustomize options (prefix, labels, images, namespace) without touching the repository', async () => {
    const root = await repo({ ...base, 'apps/base/kustomization.yaml': 'resources: [deployment.yaml, service.yaml]\n' });
    const env = environment({
      name: 'web',
      source: 'argocd',
      path: 'apps/base',
      kustomize: { namePrefix: 'prod-', commonLabels: { team: 'web' }, images: ['nginx=registry.example.com/nginx:1.27'], namespace: 'web-prod' },
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const deployment = outcome.objects.find((o) => o.object.kind === 'Deployment')!;
    expect(deployment.object.metadata).toMatchObject({ name: 'prod-web', namespace: 'web-prod', labels: { team: 'web' } });
    expect(JSON.stringify(deployment.object)).toContain('registry.example.com/nginx:1.27');
    expect(deployment.source).toEqual({ file: 'apps/base/deployment.yaml', line: 1 });
  });

  it('inflates helmCharts from a vendored local chart under helmGlobals.chartHome', async () => {
    const root = await repo({
      ...chartFiles('vendor/charts/web'),
      'clusters/prod/kustomization.yaml': [
        'namespace: web',
        'helmGlobals:',
        '  chartHome: ../../vendor/charts',
        'helmCharts:',
        '  - name: web',
        '    releaseName: front',
        '    valuesInline:',
        '      replicas: 4',
        '',
      ].join('\n'),
    });
    const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const deployment = outcome.objects.find((o) => o.object.kind === 'Deployment')!;
    expect(deployment.object.metadata).toMatchObject({ name: 'front', namespace: 'web' });
    expect((deployment.object.spec as { replicas: number }).replicas).toBe(4);
    expect(deployment.source).toEqual({ file: 'clusters/prod/kustomization.yaml', generator: 'HelmChartInflationGenerator' });
  });

  it('refuses a helmCharts entry that would be pulled from a remote repository', async () => {
    const root = await repo({
      'clusters/prod/kustomization.yaml': 'helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n    version: 1.0.0\n',
    });
    const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }));
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'kustomize', file: 'clusters/prod/kustomization.yaml', line: 2 } });
    expect(!outcome.ok && outcome.error.message).toMatch(/not vendored/);
  });

  it('refuses a kustomization that reads files outside the repository, naming the field and line', async () => {
    const root = await repo({
      'clusters/prod/kustomization.yaml': 'resources: []\nconfigMapGenerator:\n  - name: leak\n    files:\n      - passwd=../../../../../../etc/passwd\n',
    });
    const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }));
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'path', file: 'clusters/prod/kustomization.yaml', line: 5, field: 'configMapGenerator[0].files[0]' },
    });
  });

  it('quotes kustomize errors with repository paths, and points at the file and line of a YAML error', async () => {
    const root = await repo({
      'clusters/prod/kustomization.yaml': 'resources:\n  - app.yaml\n',
      'clusters/prod/app.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: b: c\n',
    });
    const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }));
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'render', tool: 'kustomize', file: 'clusters/prod/app.yaml', line: 6 } });
    if (outcome.ok) return;
    expect(outcome.error.message).toMatch(/^kustomize build of clusters\/prod failed: /);
    expect(outcome.error.message).not.toContain(root);

    // long paths survive secret scrubbing (they look like base64 runs to a naive scrubber)
    const long = 'clusters/productionenvironment/customerfacingapplications';
    const missing = await repo({ [`${long}/kustomization.yaml`]: 'resources:\n  - nowhere.yaml\n' });
    const second = await renderEnvironment(missing, environment({ name: 'prod', path: long }));
    expect(second).toMatchObject({ ok: false, error: { tool: 'kustomize', file: `${long}/kustomization.yaml` } });
    expect(!second.ok && second.error.message).toContain(`${long}/nowhere.yaml`);
  });

  it('reports a kustomization with broken YAML at its line', async () => {
    const root = await repo({ 'clusters/prod/kustomization.yaml': 'resources:\n  - a.yaml\n - b.yaml\n' });
    const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod', render: 'kustomize' }));
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'yaml', file: 'clusters/prod/kustomization.yaml', line: 3 } });
  });
});
