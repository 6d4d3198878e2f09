// Applying the same desired state twice must not write anything the second time: every write is a new
// resourceVersion, a watch event for every controller and GitOps tool looking at the object, and — for a
// Secret — a rotation in the eyes of anything that reloads on change. Checked on the real test API server
// for every kind bosun applies in its own tests and fixtures.
import { afterAll, describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { inventoryName } from '../../src/cluster/inventory.ts';
import { fieldManager } from '../../src/cluster/labels.ts';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { configMap, deleteInventory, deleteNamespaces, deployment, environment, get, ns, rendered, service, testClient, unique, waitFor } from './helpers.ts';

const client = testClient();
const namespaces: string[] = [];
const inventories: string[] = [];
const clusterScoped: string[] = [];

afterAll(async () => {
  await deleteNamespaces(client, namespaces);
  await Promise.all(inventories.map((name) => deleteInventory(client, name)));
  for (const path of clusterScoped) await client.request({ method: 'DELETE', path }).catch(() => undefined);
  client.close();
});

/** Where each object lives in the API, to read its resourceVersion back. */
function pathOf(o: KubeObject): string {
  const name = o.metadata!.name!;
  const space = o.metadata?.namespace;
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  const plural: Record<string, string> = {
    Namespace: 'namespaces', ConfigMap: 'configmaps', Secret: 'secrets', Service: 'services', ServiceAccount: 'serviceaccounts',
    Role: 'roles', RoleBinding: 'rolebindings', ClusterRole: 'clusterroles', Ingress: 'ingresses', NetworkPolicy: 'networkpolicies',
    CronJob: 'cronjobs', Deployment: 'deployments', CustomResourceDefinition: 'customresourcedefinitions', Widget: 'widgets',
    ClusterRoleBinding: 'clusterrolebindings', LimitRange: 'limitranges', Job: 'jobs', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets',
    ReplicaSet: 'replicasets', Pod: 'pods', PersistentVolumeClaim: 'persistentvolumeclaims', ResourceQuota: 'resourcequotas',
    PodDisruptionBudget: 'poddisruptionbudgets', HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  };
  return `${base}${space ? `/namespaces/${space}` : ''}/${plural[o.kind]}/${name}`;
}

describe('applying an unchanged environment again', () => {
  it('writes nothing: every object keeps its resourceVersion, and the summary says unchanged', async () => {
    const env = unique('idem');
    const space = unique('idem');
    const group = `${unique('g')}.bosun.test`;
    namespaces.push(space);
    inventories.push(inventoryName(env));
    const role = `${space}-reader`;
    clusterScoped.push(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${role}`, `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${role}`, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${group}`);

    // Controller-free kinds: nothing but bosun writes them here, so an unchanged resourceVersion means bosun wrote nothing.
    const quiet: KubeObject[] = [
      ns(space),
      configMap(space, 'settings', { mode: 'fast', count: '3' }),
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'by-string-data', namespace: space }, type: 'Opaque', stringData: { password: 's3cr3t', 'config.yaml': 'a: 1\nb: ünïcode\n' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'by-data', namespace: space }, type: 'Opaque', data: { token: Buffer.from('t0ken').toString('base64') } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'both', namespace: space }, data: { a: Buffer.from('from data').toString('base64'), b: Buffer.from('kept').toString('base64') }, stringData: { a: 'from stringData' } },
      service(space, 'web'),
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: space }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'reader', namespace: space }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: space }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: role }, rules: [{ apiGroups: [''], resources: ['namespaces'], verbs: ['get'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: role }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: space }] },
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults', namespace: space }, spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '64Mi' } }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: space }, spec: { rules: [{ host: 'web.example.org', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: space }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      { apiVersion: 'batch/v1beta1', kind: 'CronJob', metadata: { name: 'nightly', namespace: space }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36', args: ['true'] }] } } } } } },
      {
        apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `widgets.${group}` },
        spec: { group, scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }] },
      },
      { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'one', namespace: space }, spec: { size: 3 } },
    ];
    // Written by controllers too (the deployment, job, statefulset, daemonset, replicaset, disruption, quota,
    // volume and autoscaler controllers' status, the token controller's secrets list): the rest of the kinds
    // bosun's fixtures and example repositories apply.
    const pod = { metadata: { labels: { app: 'batch' } }, spec: { containers: [{ name: 'main', image: 'busybox:1.36', args: ['sleep', '3600'] }] } };
    const busy: KubeObject[] = [
      deployment(space, 'web'),
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: space } },
      { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: space }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'busybox:1.36', args: ['true'] }] } } } },
      // With volumeClaimTemplates the 1.20 test API server rewrites a StatefulSet on every server-side apply, whoever
      // sends it (kubectl apply --server-side too: a new resourceVersion and managed-fields time each time); bosun
      // does not send it when a dry run finds nothing to change (48bd59c had left the templates out for that).
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: space }, spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres:16' }] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] } },
      { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: space }, spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'agent', image: 'busybox:1.36', args: ['sleep', '3600'] }] } } } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'batch', namespace: space }, spec: { replicas: 1, selector: { matchLabels: { app: 'batch' } }, template: pod } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: space }, spec: { containers: [{ name: 'debug', image: 'busybox:1.36', args: ['sleep', '3600'] }] } },
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'cache', namespace: space }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace: space }, spec: { hard: { pods: '20', configmaps: '20' } } },
      { apiVersion: 'policy/v1beta1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: space }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
      { apiVersion: 'autoscaling/v2beta2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: space }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] } },
    ];
    const objects = rendered(...quiet, ...busy);

    const first = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(first.ok, renderApplySummary(first)).toBe(true);

    // Let the controllers finish with what they write once, so the second look is a fair one.
    await waitFor('the token controller to add the ServiceAccount token', async () => {
      const sa = await get(client, `/api/v1/namespaces/${space}/serviceaccounts/web`);
      return Array.isArray(sa?.secrets) && sa.secrets.length > 0 ? sa : undefined;
    });
    const crdPath = pathOf(quiet.find((o) => o.kind === 'CustomResourceDefinition')!);
    await waitFor('the CRD to be established', async () => {
      const crd = await get(client, crdPath);
      const conditions = ((crd?.status as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions) ?? [];
      return conditions.some((c) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
    });

    const versions = async (list: KubeObject[]) => Object.fromEntries(await Promise.all(list.map(async (o) => [`${o.kind}/${o.metadata!.name}`, (await get(client, pathOf(o)))?.metadata?.resourceVersion] as const)));
    const before = await versions(quiet);
    expect(Object.values(before).every((v) => typeof v === 'string')).toBe(true);
    // The controllers write the busy ones on their own; what bosun wrote is its own managed-fields entry.
    const bosunFields = async (list: KubeObject[]) => Object.fromEntries(await Promise.all(list.map(async (o) => [
      `${o.kind}/${o.metadata!.name}`,
      JSON.stringify(((await get(client, pathOf(o)))?.metadata?.managedFields as Array<{ manager?: string; operation?: string }> | undefined)?.filter((f) => f.manager === fieldManager && f.operation === 'Apply')),
    ] as const)));
    const busyBefore = await bosunFields(busy);
    expect(Object.values(busyBefore).every((v) => typeof v === 'string' && v !== '[]')).toBe(true);

    // Managed-fields times have one-second resolution: once the clock has passed the second the first apply was
    // recorded in, a rewrite of an object shows as a new time even where no controller bumps the resourceVersion.
    const recorded = Math.max(...Object.values(busyBefore).flatMap((v) => (JSON.parse(v) as Array<{ time: string }>).map((f) => Date.parse(f.time))));
    await waitFor('the clock to pass the first apply\'s second', async () => (Date.now() >= recorded + 1000 ? true : undefined));

    const second = await applyEnvironment({ client, env: environment(env), objects, wait: false });
    expect(second.ok, renderApplySummary(second)).toBe(true);
    expect(second.objects.filter((o) => o.action !== 'unchanged').map((o) => `${o.key} ${o.action}`)).toEqual([]);
    expect(await versions(quiet)).toEqual(before);
    expect(await bosunFields(busy)).toEqual(busyBefore);

    // What the Secrets hold is what the manifests said: stringData over data, key by key, as the API server merges them.
    const secret = async (name: string) => (await get(client, `/api/v1/namespaces/${space}/secrets/${name}`))?.data as Record<string, string>;
    const decoded = (data: Record<string, string>) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(decoded(await secret('by-string-data'))).toEqual({ password: 's3cr3t', 'config.yaml': 'a: 1\nb: ünïcode\n' });
    expect(decoded(await secret('both'))).toEqual({ a: 'from stringData', b: 'kept' });
  });
});

describe('applying an environment that changed, or drifted, since the last apply', () => {
  const statefulSet = (space: string, image: string): KubeObject => ({
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: space },
    spec: { serviceName: 'db', replicas: 1, selector: { matchLabels: { app: 'db' } }, template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image }] } }, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
  });
  const setUp = (): { env: string; space: string } => {
    const env = unique('idem-change');
    const space = unique('idem-change');
    namespaces.push(space);
    inventories.push(inventoryName(env));
    return { env, space };
  };

  it('applies what Git changed and reports it configured; what Git did not change keeps its resourceVersion', async () => {
    const { env, space } = setUp();
    const first = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'settings', { mode: 'fast' }), configMap(space, 'other', { a: '1' }), configMap(space, 'trimmed', { a: '1', b: '2' }), statefulSet(space, 'postgres:16')), wait: false });
    expect(first.ok, renderApplySummary(first)).toBe(true);
    const otherBefore = (await get(client, `/api/v1/namespaces/${space}/configmaps/other`))?.metadata?.resourceVersion;

    // A changed value is plain to see; a key Git no longer has (trimmed's b) only the dry run shows.
    const second = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'settings', { mode: 'slow' }), configMap(space, 'other', { a: '1' }), configMap(space, 'trimmed', { a: '1' }), statefulSet(space, 'postgres:17')), wait: false });
    expect(second.ok, renderApplySummary(second)).toBe(true);
    expect(Object.fromEntries(second.objects.map((o) => [`${o.kind}/${o.name}`, o.action]))).toEqual({
      [`Namespace/${space}`]: 'unchanged', 'ConfigMap/settings': 'configured', 'ConfigMap/other': 'unchanged', 'ConfigMap/trimmed': 'configured', 'StatefulSet/db': 'configured',
    });
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/settings`))?.data).toEqual({ mode: 'slow' });
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/trimmed`))?.data).toEqual({ a: '1' });
    const db = await get(client, `/apis/apps/v1/namespaces/${space}/statefulsets/db`);
    expect((db?.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0].image).toBe('postgres:17');
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/other`))?.metadata?.resourceVersion).toBe(otherBefore);
  });

  it('heals drift: a managed value edited by hand and a managed key removed by hand are put back, then nothing is written', async () => {
    const { env, space } = setUp();
    const settings = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: space }, data: { mode: 'fast', count: '3' } };
    const objects = rendered(ns(space), settings, statefulSet(space, 'postgres:16'));
    // forceConflicts: a `kubectl edit` makes kubectl-edit the owner of what it changed, so taking it back is a conflict otherwise.
    const settingsEnv = environment(env, { forceConflicts: true });
    const first = await applyEnvironment({ client, env: settingsEnv, objects, wait: false });
    expect(first.ok, renderApplySummary(first)).toBe(true);

    const edit = (path: string, body: unknown) => client.request({ method: 'PATCH', path, query: { fieldManager: 'kubectl-edit' }, contentType: 'application/merge-patch+json', body });
    await edit(`/api/v1/namespaces/${space}/configmaps/settings`, { data: { count: null } });
    await edit(`/apis/apps/v1/namespaces/${space}/statefulsets/db`, { spec: { replicas: 3 } });

    const healed = await applyEnvironment({ client, env: settingsEnv, objects, wait: false });
    expect(healed.ok, renderApplySummary(healed)).toBe(true);
    expect(Object.fromEntries(healed.objects.map((o) => [`${o.kind}/${o.name}`, o.action]))).toEqual({ [`Namespace/${space}`]: 'unchanged', 'ConfigMap/settings': 'configured', 'StatefulSet/db': 'configured' });
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/settings`))?.data).toEqual({ mode: 'fast', count: '3' });
    expect(((await get(client, `/apis/apps/v1/namespaces/${space}/statefulsets/db`))?.spec as { replicas?: number }).replicas).toBe(1);

    const settingsVersion = (await get(client, `/api/v1/namespaces/${space}/configmaps/settings`))?.metadata?.resourceVersion;
    // The StatefulSet may have controllers writing it; bosun's own managed-fields entry (its time too) says whether bosun did.
    const bosunEntry = async () => ((await get(client, `/apis/apps/v1/namespaces/${space}/statefulsets/db`))?.metadata?.managedFields as Array<{ manager?: string; operation?: string; time: string }>)
      .find((f) => f.manager === fieldManager && f.operation === 'Apply')!;
    const dbBefore = await bosunEntry();
    await waitFor('the clock to pass the heal\'s second', async () => (Date.now() >= Date.parse(dbBefore.time) + 1000 ? true : undefined));
    const again = await applyEnvironment({ client, env: settingsEnv, objects, wait: false });
    expect(again.objects.map((o) => o.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/settings`))?.metadata?.resourceVersion).toBe(settingsVersion);
    expect(await bosunEntry()).toEqual(dbBefore);
  });
});
