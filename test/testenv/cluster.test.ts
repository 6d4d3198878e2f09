import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { parse } from 'yaml';
import { describe, expect, inject, it } from 'vitest';
import { get } from '../../testkit/testenv/http.ts';
import { testCluster, testKubeconfig } from '../../testkit/testenv/inject.ts';
import { eventually } from './helpers.ts';

const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

function kubeConfig(path = testKubeconfig()): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}


describe('the test Kubernetes cluster', () => {
  it('is reachable with the provided kubeconfig, verifying the server against its CA', async () => {
    const path = testKubeconfig();
    expect(process.env.BOSUN_TEST_KUBECONFIG).toBe(path);
    expect(inject('kubeconfig')).toBe(path);
    const config = parse(readFileSync(path, 'utf8')) as { clusters: Array<{ cluster: Record<string, unknown> }> };
    expect(config.clusters[0].cluster['insecure-skip-tls-verify']).toBeUndefined();
    expect(config.clusters[0].cluster['certificate-authority']).toBe(testCluster().caFile);

    const version = await fetchVersion(testCluster().server, testCluster().caFile!);
    expect(version.gitVersion).toBe('v1.20.2');
  });

  it('creates a namespace and a ConfigMap in it, and reads the ConfigMap back', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const namespace = unique('testenv-cm');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'settings' }, data: { colour: 'blue' } } });

    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace });
    expect(read.data).toEqual({ colour: 'blue' });
    await core.deleteNamespace({ name: namespace });
  });

  it('the default namespace exists from the start', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const ns = await core.readNamespace({ name: 'default' });
    expect(ns.status?.phase).toBe('Active');
  });

  it('finishes deleting a namespace together with its contents (the controller-manager runs)', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const namespace = unique('testenv-del');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'doomed' }, data: { a: '1' } } });

    await core.deleteNamespace({ name: namespace });
    await eventually(`namespace ${namespace} is gone`, async () => (await statusOf(core.readNamespace({ name: namespace }))) === 404);
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'doomed', namespace }))).toBe(404);
  });

  it('garbage-collects dependents when their owner is deleted', async () => {
    const core = kubeConfig().makeApiClient(CoreV1Api);
    const namespace = unique('testenv-gc');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'owner' } } });
    await core.createNamespacedConfigMap({
      namespace,
      body: {
        metadata: {
          name: 'dependent',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }],
        },
      },
    });

    await core.deleteNamespacedConfigMap({ name: 'owner', namespace });
    await eventually('the dependent ConfigMap is collected', async () => (await statusOf(core.readNamespacedConfigMap({ name: 'dependent', namespace }))) === 404);
    await core.deleteNamespace({ name: namespace });
  });

  it('server-side apply with dryRun=All answers with the object but stores nothing', async () => {
    const kc = kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const namespace = unique('testenv-ssa');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const desired: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'planned', namespace }, data: { replicas: '3' } };

    const preview = await objects.patch(desired, undefined, 'All', 'bosun', false, PatchStrategy.ServerSideApply);
    expect((preview as V1ConfigMap).data).toEqual({ replicas: '3' });
    expect(preview.metadata?.managedFields?.map((f) => f.manager)).toContain('bosun');
    expect(await statusOf(core.readNamespacedConfigMap({ name: 'planned', namespace }))).toBe(404);

    await objects.patch(desired, undefined, undefined, 'bosun', false, PatchStrategy.ServerSideApply);
    expect((await core.readNamespacedConfigMap({ name: 'planned', namespace })).data).toEqual({ replicas: '3' });
    await core.deleteNamespace({ name: namespace });
  });

  it('establishes a CustomResourceDefinition and stores a custom resource of it', async () => {
    const kc = kubeConfig();
    const crds = kc.makeApiClient(ApiextensionsV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const group = `${unique('t')}.bosun.test`;
    const name = `widgets.${group}`;
    await crds.createCustomResourceDefinition({
      body: {
        metadata: { name },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
                },
              },
            },
          ],
        },
      },
    });
    await eventually(`${name} is Established`, async () => {
      const crd = await crds.readCustomResourceDefinition({ name });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
    });

    const namespace = unique('testenv-crd');
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    // a freshly established CRD can take a moment to be served
    await eventually('the Widget is created', async () => {
      const code = await statusOf(
        custom.createNamespacedCustomObject({
          group,
          version: 'v1',
          namespace,
          plural: 'widgets',
          body: { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 3 } },
        }),
      );
      return code === 200 || code === 409;
    });
    const widget = (await custom.getNamespacedCustomObject({ group, version: 'v1', namespace, plural: 'widgets', name: 'w1' })) as { spec: { size: number } };
    expect(widget.spec.size).toBe(3);
    // the server survived the CRD (the vendored reflect2 crashed it under newer Go)
    expect((await core.readNamespace({ name: 'default' })).metadata?.name).toBe('default');

    await core.deleteNamespace({ name: namespace });
    await crds.deleteCustomResourceDefinition({ name });
  });

  it('has a second user who is authenticated but may not read or write resources', async () => {
    const info = testCluster();
    expect(info.limitedKubeconfigPath).toBeDefined();
    const core = kubeConfig(info.limitedKubeconfigPath).makeApiClient(CoreV1Api);
    expect(await statusOf(core.listNamespace())).toBe(403);
    expect(await statusOf(core.createNamespace({ body: { metadata: { name: unique('testenv-denied') } } }))).toBe(403);
  });
});

async function fetchVersion(server: string, caFile: string): Promise<{ gitVersion: string }> {
  const answer = await get(`${server}/version`, { ca: readFileSync(caFile, 'utf8') });
  return JSON.parse(answer.body) as { gitVersion: string };
}
