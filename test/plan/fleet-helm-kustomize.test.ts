// A Fleet bundle with a chart and a kustomization in kustomize.dir (rancher/fleet-examples
// single-cluster/helm-kustomize): the agent's Helm post-renderer runs kustomize over the chart's output
// (rancher/fleet internal/helmdeployer postrender.go, kustomize.Process). bosun does not model that yet, so a
// change to the overlay must not read as a green "no changes": the environment is not previewed, and the
// changed overlay file is one bosun cannot judge (plan exit code 3).
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
    spec: {containers: [{name: web, image: nginx:1.27}]}
`;
const patch = (replicas: number) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: ${replicas}}\n`;

const bundle = {
  'app/fleet.yaml': 'namespace: hk\nhelm:\n  releaseName: web\nkustomize:\n  dir: ./overlays/dev\n',
  'app/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'app/values.yaml': 'replicas: 1\n',
  'app/templates/deploy.yaml': deployment,
  'app/overlays/dev/kustomization.yaml': 'patchesStrategicMerge:\n- web.yaml\n',
  'app/overlays/dev/web.yaml': patch(2),
};

describe('a Fleet chart bundle whose kustomize.dir post-renders it', () => {
  it('is not previewed, and a change to the overlay is a file bosun cannot judge (never "no changes")', async () => {
    const plan = await planOf(bundle, { 'app/overlays/dev/web.yaml': patch(3) });
    const note = plan.discovery?.find((n) => n.status === 'not-previewed' && n.name === 'app@dev');
    expect(note?.reason).toContain('app/overlays/dev/kustomization.yaml post-renders the chart');
    expect(changedUncovered(plan).map((u) => u.file)).toEqual(['app/overlays/dev/web.yaml']);
  });

  it('is previewed as before without a kustomization in kustomize.dir', async () => {
    const plain = { ...bundle, 'app/fleet.yaml': 'namespace: hk\nhelm:\n  releaseName: web\n' };
    delete (plain as Record<string, string>)['app/overlays/dev/kustomization.yaml'];
    const plan = await planOf(plain, { 'app/values.yaml': 'replicas: 2\n' });
    expect(plan.discovery?.some((n) => n.status === 'not-previewed') ?? false).toBe(false);
    expect(plan.environments.find((e) => e.name === 'app@dev')?.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update Deployment web']);
  });
});
