import { describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import { driftReport, isDrifted } from '../../src/drift/report.ts';
import type { IgnoreDifferenceRule } from '../../src/model/apply-options.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { configMap, deployment, environment, ns, rendered, suiteCleanup, testClient } from './helpers.ts';

const client = testClient();
const { setup } = suiteCleanup(client, 'ig');

describe('ignoreDifferences and IgnoreExtraneous against the test API server', () => {
  it('hides what an autoscaler changed from the apply preview and from drift, and only that', async () => {
    const { env, space } = setup();
    const objects = rendered(ns(space), deployment(space, 'web', 'nginx:1.27', 2));
    expect((await applyEnvironment({ client, env: environment(env), objects, wait: false })).ok).toBe(true);
    // What an HPA does: another field manager sets replicas.
    await client.request({
      method: 'PATCH', path: `/apis/apps/v1/namespaces/${space}/deployments/web`, query: { fieldManager: 'kube-hpa' },
      contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } },
    });
    const preview = async (rules?: IgnoreDifferenceRule[], objs = objects) => previewEnvironment({ client, env: { ...environment(env, { forceConflicts: true }), ...(rules ? { apply: { ignoreDifferences: rules } } : {}) }, objects: objs });

    const plain = await preview();
    const web = plain.objects.find((o) => o.name === 'web');
    expect(web?.action).toBe('update');
    expect(web?.diff).toContain('-  replicas: 5');
    expect(isDrifted(driftReport(plain))).toBe(true);

    for (const rules of [
      [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
      [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] }],
      [{ group: '*', kind: 'Deployment', managedFieldsManagers: ['kube-hpa'] }],
    ]) {
      const hidden = await preview(rules);
      expect(hidden.objects.find((o) => o.name === 'web')?.action, JSON.stringify(rules)).toBe('unchanged');
      expect(isDrifted(driftReport(hidden))).toBe(false);
    }

    // A real change in Git next to the ignored field still shows, without the ignored field.
    const changed = await preview([{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }], rendered(ns(space), deployment(space, 'web', 'nginx:1.28', 2)));
    const update = changed.objects.find((o) => o.name === 'web');
    expect(update).toMatchObject({ action: 'update', ignoredFields: true });
    expect(update?.diff).toContain('+        - image: nginx:1.28');
    expect(update?.diff).not.toContain('replicas');
  });

  it('prunes an extraneous object annotated IgnoreExtraneous but does not call it drift', async () => {
    const { env, space } = setup();
    const generated: KubeObject = { ...configMap(space, 'generated', { v: '1' }), metadata: { name: 'generated', namespace: space, annotations: { 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' } } };
    expect((await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), generated, configMap(space, 'plain', { v: '1' })), wait: false })).ok).toBe(true);
    const preview = await previewEnvironment({ client, env: environment(env), objects: rendered(ns(space)) });
    expect(preview.prunes.map((p) => p.name).sort()).toEqual(['generated', 'plain']);
    const drift = driftReport(preview);
    expect(drift.items.map((i) => `${i.kind} ${i.name}`)).toEqual(['extra plain']);
    expect(drift.notes).toContain(`ConfigMap ${space}/generated is no longer in Git but is not counted as drift (annotated argocd.argoproj.io/compare-options: IgnoreExtraneous)`);
  });
});
