import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { runningChildren } from '../../src/util/child-processes.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const files = {
  'clusters/prod/kustomization.yaml': 'resources: [cm.yaml]\n',
  'clusters/prod/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: prod\n',
};

describe('cancellation', () => {
  it('stops a render whose signal is aborted and says so', async () => {
    const root = await repo(files);
    const controller = new AbortController();
    const pending = renderEnvironment(root, environment({ name: 'prod', path: 'clusters/prod' }), { signal: controller.signal });
    controller.abort();
    const outcome = await pending;
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error.message).toMatch(/cancelled/);
  });
});

describe('timeouts', () => {
  it('stops a render that runs past its time limit, and nothing of it keeps running', async () => {
    // 100 million template iterations: seconds of CPU, almost no memory.
    const root = await repo({
      'charts/slow/Chart.yaml': 'apiVersion: v2\nname: slow\nversion: 0.1.0\n',
      'charts/slow/templates/cm.yaml': '{{- range until 10000 }}{{- range until 10000 }}{{- end }}{{- end }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: slow\n',
    });
    const outcome = await renderEnvironment(root, environment({ name: 'prod', path: 'charts/slow', render: 'helm' }), { timeoutMs: 1500 });
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'helm', file: 'charts/slow/Chart.yaml' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/helm for prod did not finish within 2 s/);
    expect(runningChildren()).toBe(0);
  });
});
