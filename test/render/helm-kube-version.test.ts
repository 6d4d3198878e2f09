import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

// The pattern charts use to pick an API version by the cluster they are installed on.
const chart = {
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/templates/pdb.yaml': [
    '{{- if semverCompare ">=1.21-0" .Capabilities.KubeVersion.Version }}',
    'apiVersion: policy/v1',
    '{{- else }}',
    'apiVersion: policy/v1beta1',
    '{{- end }}',
    'kind: PodDisruptionBudget',
    'metadata:',
    '  name: web',
    '  annotations:',
    '    kube-version: {{ .Capabilities.KubeVersion.Version | quote }}',
    'spec:',
    '  minAvailable: 1',
    '  selector: {matchLabels: {app: web}}',
    '',
  ].join('\n'),
};

async function pdb(root: string, kubernetesVersion?: string): Promise<{ apiVersion: string; version?: string }> {
  const outcome = await renderEnvironment(root, environment({ name: 'web', path: 'charts/web', ...(kubernetesVersion ? { kubernetesVersion } : {}) }));
  if (!outcome.ok) throw new Error(outcome.error.message);
  const o = outcome.objects[0].object;
  return { apiVersion: o.apiVersion, version: o.metadata?.annotations?.['kube-version'] };
}

describe('a .bosun.yaml Helm chart and its environment\'s kubernetesVersion', () => {
  it('renders for that version (.Capabilities.KubeVersion), as helm install against that cluster would', async () => {
    const root = await repo(chart);
    expect(await pdb(root, '1.20')).toEqual({ apiVersion: 'policy/v1beta1', version: 'v1.20.0' });
    expect(await pdb(root, '1.30')).toEqual({ apiVersion: 'policy/v1', version: 'v1.30.0' });
  });

  it('a change of kubernetesVersion in .bosun.yaml shows the objects it changes (no render reused from the old version)', async () => {
    const repo = await makeGitRepo();
    const dataDir = await mkdtemp(join(tmpdir(), 'bosun-kube-version-'));
    try {
      const config = (v: string) => `version: 1\nenvironments:\n  - name: web\n    path: charts/web\n    cluster: dev\n    kubernetesVersion: "${v}"\n`;
      for (const [path, content] of Object.entries({ ...chart, '.bosun.yaml': config('1.20') })) await repo.write(path, content);
      await repo.commit('base');
      await repo.write('.bosun.yaml', config('1.30'));
      await repo.commit('upgrade');
      const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } });
      const web = plan.environments.find((e) => e.name === 'web')!;
      expect(web.changes.map((c) => `${c.action} ${c.apiVersion} ${c.kind}`)).toEqual(['update policy/v1 PodDisruptionBudget']);
      expect(web.changes[0].diff).toMatch(/\n-apiVersion: policy\/v1beta1\n\+apiVersion: policy\/v1\n/);
    } finally {
      await Promise.all([rm(repo.dir, { recursive: true, force: true }), rm(dataDir, { recursive: true, force: true })]);
    }
  });
});
