import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { environment } from './environment.ts';
import { chartFiles, useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const helmEnv = (extra: Partial<Parameters<typeof environment>[0]> = {}) =>
  environment({ name: 'web', source: 'argocd', path: 'charts/web', namespace: 'frontend', definedIn: { file: 'argocd/web.yaml', line: 3 }, ...extra });

describe('helm renderer', () => {
  it('renders a chart with value files relative to the chart folder and inline values last, pointing each object at its template', async () => {
    const root = await repo({
      ...chartFiles('charts/web'),
      'charts/web/values-prod.yaml': 'replicas: 5\ngreeting: from-file\n',
      'envs/prod/extra-values.yaml': 'image: nginx:1.27\n',
    });
    const env = helmEnv({ helm: { releaseName: 'front', valueFiles: ['values-prod.yaml', '../../envs/prod/extra-values.yaml'], values: { greeting: 'n' } } });
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => [o.object.kind, o.object.metadata?.name, o.source])).toEqual([
      ['CustomResourceDefinition', 'widgets.example.com', { file: 'charts/web/crds/widgets.yaml' }],
      ['ConfigMap', 'front-config', { file: 'charts/web/templates/config.yaml' }],
      ['ConfigMap', 'front-second', { file: 'charts/web/templates/config.yaml' }],
      ['Deployment', 'front', { file: 'charts/web/templates/deployment.yaml' }],
    ]);
    const deployment = outcome.objects.find((o) => o.object.kind === 'Deployment')!.object as unknown as {
      metadata: { namespace: string };
      spec: { replicas: number; template: { spec: { containers: Array<{ image: string }> } } };
    };
    expect(deployment.metadata.namespace).toBe('frontend');
    expect(deployment.spec.replicas).toBe(5);
    expect(deployment.spec.template.spec.containers[0].image).toBe('nginx:1.27');
    // inline values win, and stay strings (no YAML 1.1 "n" → false)
    expect(outcome.objects.find((o) => o.object.metadata?.name === 'front-config')!.object.data).toEqual({ greeting: 'n' });
  });

  it('uses the environment name as release name, made into a valid one', async () => {
    const root = await repo(chartFiles('charts/web'));
    const outcome = await renderEnvironment(root, helmEnv({ name: 'Staging/Web_App' }));
    expect(outcome.ok && outcome.objects.find((o) => o.object.kind === 'Deployment')?.object.metadata?.name).toBe('staging-web-app');
  });

  it('quotes a template error with the template file and line', async () => {
    const root = await repo({
      ...chartFiles('charts/web'),
      'charts/web/templates/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.missing.deeper }}\n',
    });
    const outcome = await renderEnvironment(root, helmEnv());
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'render', tool: 'helm', file: 'charts/web/templates/broken.yaml', line: 4 } });
    expect(!outcome.ok && outcome.error.message).toMatch(/^helm template of charts\/web failed: .*nil pointer/);
    expect(!outcome.ok && outcome.error.message).not.toMatch(/--debug/);
  });

  it('scrubs secrets that a failing template echoes on stderr', async () => {
    const root = await repo({
      ...chartFiles('charts/web'),
      'charts/web/templates/guard.yaml': '{{ if .Values.dbPassword }}{{ fail (printf "refusing to render: password=%s" .Values.dbPassword) }}{{ end }}\n',
    });
    const outcome = await renderEnvironment(root, helmEnv({ helm: { valueFiles: [], values: { dbPassword: 'S3cr3t-Hunter2' } } }));
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'helm', file: 'charts/web/templates/guard.yaml' } });
    expect(!outcome.ok && outcome.error.message).toContain('refusing to render');
    expect(!outcome.ok && outcome.error.message).not.toContain('S3cr3t-Hunter2');
  });

  it('leaves a chart whose dependencies are not vendored not previewed when there is no chart fetcher to build them with', async () => {
    const root = await repo({
      ...chartFiles('charts/web'),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 18.0.0\n    repository: https://charts.example.com\n',
    });
    const outcome = await renderEnvironment(root, helmEnv());
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'helm', file: 'charts/web/Chart.yaml', field: 'dependencies', notPreviewed: true } });
    expect(!outcome.ok && outcome.error.message).toBe('chart dependency "redis" 18.0.0 from https://charts.example.com not fetched: bosun runs without a chart fetcher here');
  });

  it('renders vendored dependencies and points their objects at the subchart templates', async () => {
    const root = await repo({
      ...chartFiles('charts/web'),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: cache\n    version: 0.1.0\n',
      'charts/web/charts/cache/Chart.yaml': 'apiVersion: v2\nname: cache\nversion: 0.1.0\n',
      'charts/web/charts/cache/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\n',
    });
    const outcome = await renderEnvironment(root, helmEnv());
    expect(outcome.ok && outcome.objects.find((o) => o.object.metadata?.name === 'cache')?.source).toEqual({ file: 'charts/web/charts/cache/templates/cm.yaml' });
  });

  it('refuses a value file outside the repository or missing', async () => {
    const root = await repo(chartFiles('charts/web'));
    const escaped = await renderEnvironment(root, helmEnv({ helm: { valueFiles: ['../../../../etc/passwd'] } }));
    expect(escaped).toMatchObject({ ok: false, error: { kind: 'path', file: 'argocd/web.yaml', field: 'helm.valueFiles[0]' } });
    const missing = await renderEnvironment(root, helmEnv({ helm: { valueFiles: ['values-nope.yaml'] } }));
    expect(missing).toMatchObject({ ok: false, error: { tool: 'helm', field: 'helm.valueFiles[0]' } });
    expect(!missing.ok && missing.error.message).toMatch(/values-nope.yaml/);
  });
});
