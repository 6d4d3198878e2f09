// A Fleet bundle with a chart and a kustomization in kustomize.dir (rancher/fleet-examples
// single-cluster/helm-kustomize): the agent's Helm post-renderer runs kustomize over the chart's output
// (rancher/fleet internal/helmdeployer postrender.go, kustomize.Process): the rendered manifests become
// `<kustomize.dir>/fleet-manifests.yaml`, prepended to the kustomization's resources, and what kustomize
// builds is what the agent installs. bosun previews exactly that, with the real helm and kustomize.
import { describe, expect, it } from 'vitest';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';

const planOf = twoCommitPlanner({ clusters: { clusters: [{ name: 'dev', labels: {} }] } });

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: {{ .Values.replicas }}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:{{ .Values.tag }}"}]}
`;
const patch = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: ${replicas}}\n`;

const bundle = {
  'app/fleet.yaml': 'namespace: hk\nhelm:\n  releaseName: web\nkustomize:\n  dir: ./overlays/dev\n',
  'app/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'app/values.yaml': 'replicas: 1\ntag: "1.27"\n',
  'app/templates/deploy.yaml': deployment,
  'app/overlays/dev/kustomization.yaml': '# the chart is prepended by the Fleet agent\npatchesStrategicMerge:\n- web.yaml\n',
  'app/overlays/dev/web.yaml': patch(2),
};

const deploymentDiff = (plan: Awaited<ReturnType<typeof planOf>>) =>
  plan.environments.find((e) => e.name === 'app@dev')?.changes.find((c) => c.kind === 'Deployment' && c.name === 'web');

const renderError = (env: Awaited<ReturnType<typeof planOf>>['environments'][number] | undefined) => (env?.render && 'error' in env.render ? env.render.error : undefined);

describe('a Fleet chart bundle whose kustomize.dir post-renders it', () => {
  it('previews the overlay change as the agent deploys it (post-rendered chart, forced namespace)', async () => {
    const plan = await planOf(bundle, { 'app/overlays/dev/web.yaml': patch(3) });
    expect(plan.discovery?.some((n) => n.status === 'not-previewed') ?? false).toBe(false);
    expect(changedUncovered(plan)).toEqual([]);
    const env = plan.environments.find((e) => e.name === 'app@dev');
    expect(env?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    const change = deploymentDiff(plan);
    expect(change?.namespace).toBe('hk');
    expect(change?.diff).toMatch(/^-\s+replicas: 2$/m);
    expect(change?.diff).toMatch(/^\+\s+replicas: 3$/m);
  });

  it('shows a values change the overlay overrides as no change, and one it does not as a change', async () => {
    const pinned = await planOf(bundle, { 'app/values.yaml': 'replicas: 5\ntag: "1.27"\n' });
    expect(pinned.environments.find((e) => e.name === 'app@dev')?.changes ?? []).toEqual([]);
    const bumped = await planOf(bundle, { 'app/values.yaml': 'replicas: 5\ntag: "1.28"\n' });
    const change = deploymentDiff(bumped);
    expect(change?.action).toBe('update');
    expect(change?.diff).toMatch(/^\+.*nginx:1\.28/m);
    expect(change?.diff).not.toMatch(/replicas/);
  });

  it('does not list the chart twice when the kustomization names it, and applies the kustomization to it', async () => {
    const named = { ...bundle, 'app/overlays/dev/kustomization.yaml': 'resources:\n- fleet-manifests.yaml\npatchesStrategicMerge:\n- web.yaml\n' };
    const plan = await planOf(named, { 'app/overlays/dev/kustomization.yaml': 'resources:\n- fleet-manifests.yaml\ncommonLabels: {stage: dev}\npatchesStrategicMerge:\n- web.yaml\n' });
    const env = plan.environments.find((e) => e.name === 'app@dev');
    expect(renderError(env)).toBeUndefined();
    expect(env?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
    expect(deploymentDiff(plan)?.diff).toMatch(/^\+\s+stage: dev$/m);
  });

  it('refuses a remote resource in the post-render kustomization: nothing fetched, not previewed (exit 3), the note at its file and field', async () => {
    const plan = await planOf(bundle, { 'app/overlays/dev/kustomization.yaml': 'resources:\n- https://example.com/extra.yaml\npatchesStrategicMerge:\n- web.yaml\n' });
    const note = plan.discovery?.find((n) => n.status === 'not-previewed' && n.name === 'app@dev');
    expect(note).toMatchObject({ file: 'app/overlays/dev/kustomization.yaml', line: 2 });
    expect(note?.reason).toMatch(/field `resources\[0\]`: .*remote references are not followed/);
    expect(plan.environments.find((e) => e.name === 'app@dev')?.changes).toEqual([]);
  });

  it('is previewed as before without a kustomization in kustomize.dir', async () => {
    const plain = { ...bundle, 'app/fleet.yaml': 'namespace: hk\nhelm:\n  releaseName: web\n' };
    delete (plain as Record<string, string>)['app/overlays/dev/kustomization.yaml'];
    const plan = await planOf(plain, { 'app/values.yaml': 'replicas: 2\ntag: "1.27"\n' });
    expect(plan.discovery?.some((n) => n.status === 'not-previewed') ?? false).toBe(false);
    expect(plan.environments.find((e) => e.name === 'app@dev')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
  });
});
