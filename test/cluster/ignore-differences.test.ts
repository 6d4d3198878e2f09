import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import { driftReport, isDrifted } from '../../src/drift/report.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { IgnoreDifferenceRule } from '../../src/model/apply-options.ts';
import type { Environment } from '../../src/model/environment.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { tempDir, writeFiles } from '../git/temp-repo.ts';
import { configMap, deployment, environment, ns, rendered, suiteCleanup, testClient, unique } from './helpers.ts';

const client = testClient();
const { setup, track } = suiteCleanup(client, 'ig');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

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

describe('Fleet diff.comparePatches against the test API server', () => {
  // A bundle whose fleet.yaml tells Fleet to ignore what an autoscaler and a controller change: the replicas
  // of its Deployment (an operation) and one key of its ConfigMap (a JSON pointer).
  async function bundle(space: string): Promise<{ env: Environment; objects: RenderedObject[] }> {
    const dir = await tempDir('bosun-fleet-compare-');
    dirs.push(dir);
    const folder = unique('web');
    await writeFiles(dir, {
      [`${folder}/fleet.yaml`]: `defaultNamespace: ${space}
diff:
  comparePatches:
    - apiVersion: apps/v1
      kind: Deployment
      name: web
      namespace: ${space}
      operations:
        - {op: remove, path: /spec/replicas}
    - apiVersion: v1
      kind: ConfigMap
      name: settings
      jsonPointers: [/data/tuned]
`,
      [`${folder}/objects.yaml`]: [ns(space), deployment(space, 'web', 'nginx:1.27', 2), configMap(space, 'settings', { mode: 'a', tuned: 'by-git' })].map((o) => JSON.stringify(o)).join('\n---\n'),
    });
    const found = await discoverEnvironments(dir, { clusters: { clusters: [{ name: 'c1', labels: {} }] } });
    const env = found.environments.find((e) => e.name === `${folder}@c1`)!;
    const outcome = await renderEnvironment(dir, env);
    if (!outcome.ok) throw new Error(outcome.error.message);
    return { env: { ...env, healthTimeoutSeconds: 30 }, objects: outcome.objects };
  }

  it('leaves the fields a comparePatch names out of the apply preview and of drift, and only those', async () => {
    const { space } = setup();
    const { env, objects } = await bundle(space);
    track(env.name);
    expect(env.apply?.ignoreDifferences).toBeDefined();
    expect((await applyEnvironment({ client, env, objects, wait: false })).ok).toBe(true);
    // An autoscaler scales the Deployment, a controller tunes the ConfigMap.
    await client.request({
      method: 'PATCH', path: `/apis/apps/v1/namespaces/${space}/deployments/web`, query: { fieldManager: 'kube-hpa' },
      contentType: 'application/merge-patch+json', body: { spec: { replicas: 5 } },
    });
    await client.request({
      method: 'PATCH', path: `/api/v1/namespaces/${space}/configmaps/settings`, query: { fieldManager: 'tuner' },
      contentType: 'application/merge-patch+json', body: { data: { tuned: 'by-controller' } },
    });
    // As the drift check previews it (forceConflicts: Git wins).
    const preview = async (settings: Environment, objs = objects) => previewEnvironment({ client, env: { ...settings, forceConflicts: true }, objects: objs });

    const ignored = await preview(env);
    expect(ignored.objects.filter((o) => o.kind !== 'Namespace').map((o) => `${o.kind} ${o.name} ${o.action}`).sort()).toEqual(['ConfigMap settings unchanged', 'Deployment web unchanged']);
    expect(isDrifted(driftReport(ignored))).toBe(false);

    // Without the comparePatches both read as drift: the rules are what hides them.
    const { apply: _apply, ...plain } = env;
    const compared = await preview(plain);
    expect(compared.objects.find((o) => o.name === 'web')?.diff).toContain('-  replicas: 5');
    expect(compared.objects.find((o) => o.name === 'settings')?.diff).toContain('-  tuned: by-controller');
    expect(isDrifted(driftReport(compared))).toBe(true);

    // A change in Git next to an ignored field still shows, without the ignored field.
    const bumped = objects.map((o) => (o.object.kind === 'Deployment' ? { ...o, object: deployment(space, 'web', 'nginx:1.28', 2) } : o));
    const update = (await preview(env, bumped)).objects.find((o) => o.name === 'web');
    expect(update).toMatchObject({ action: 'update', ignoredFields: true });
    expect(update?.diff).toContain('+        - image: nginx:1.28');
    expect(update?.diff).not.toContain('replicas');
  });
});
