// bosun's Helm chart against the real test API server (1.20): every tested value set accepted by a
// server-side apply dry run, then the operator's path for real — `helm install` of the trial, `helm upgrade`
// to inCluster mode (cluster-wide, then namespaced), `helm uninstall` — with the worker's ServiceAccount
// checked by SubjectAccessReview and by running bosun's own apply with that ServiceAccount's token.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AuthorizationV1Api, CoreV1Api, KubeConfig, type V1NonResourceAttributes, type V1ResourceAttributes } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryName, inventoryNamespace } from '../../src/cluster/inventory.ts';
import { kubectlPath, projectRoot } from '../../src/util/tools.ts';
import { runCli } from '../cli/run-cli.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { testKubeconfig } from '../../testkit/testenv/inject.ts';
import { chartDir, helm, render, valueArgs, valueSets } from './chart.ts';

const run = promisify(execFile);

describe('the Helm chart on the test API server', () => {
  const suffix = randomBytes(3).toString('hex');
  /** Contains "bosun", so the release's full name is the release name: cluster-wide objects are bosun-<suffix>-…. */
  const release = `bosun-${suffix}`;
  const namespace = `bosun-chart-${suffix}`;
  const allowed = `${namespace}-shop`;
  const other = `${namespace}-other`;
  const created = `${namespace}-made`;
  const sa = `system:serviceaccount:${namespace}:${release}`;
  const environments = { wide: `chart-wide-${suffix}`, shop: `chart-shop-${suffix}`, other: `chart-other-${suffix}` };
  let work: string;
  let kc: KubeConfig;
  let serverVersion: string;
  let installed = false;

  const kubectl = async (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    try {
      const r = await run(kubectlPath(), ['--kubeconfig', testKubeconfig(), ...args], { maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
    }
  };
  const helmEnv = (): NodeJS.ProcessEnv => ({ ...process.env, KUBECONFIG: testKubeconfig(), HELM_CACHE_HOME: join(work, 'helm-cache'), HELM_CONFIG_HOME: join(work, 'helm-config'), HELM_DATA_HOME: join(work, 'helm-data') });

  const can = async (attrs: { resource?: V1ResourceAttributes; nonResource?: V1NonResourceAttributes }): Promise<boolean> => {
    const review = await kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: sa, ...(attrs.resource ? { resourceAttributes: attrs.resource } : {}), ...(attrs.nonResource ? { nonResourceAttributes: attrs.nonResource } : {}) } },
    });
    return review.status?.allowed === true;
  };

  /** A cluster registry in which `home` is the test cluster, reached with the worker ServiceAccount's own token. */
  const registryAsWorker = async (): Promise<string> => {
    const token = await kc.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({ name: release, namespace, body: { spec: { audiences: [], expirationSeconds: 600 } } });
    const cluster = kc.getCurrentCluster()!;
    await writeFile(join(work, 'worker.kubeconfig'), JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'home',
      clusters: [{ name: 'home', cluster: { server: cluster.server, 'certificate-authority': cluster.caFile } }],
      users: [{ name: 'worker', user: { token: token.status!.token } }],
      contexts: [{ name: 'home', context: { cluster: 'home', user: 'worker' } }],
    }));
    const file = join(work, 'clusters.yaml');
    await writeFile(file, 'clusters:\n  home:\n    kubeconfig: worker.kubeconfig\n');
    return file;
  };

  let repo: GitRepoBuilder;
  const applyAsWorker = async (env: string) => runCli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', env, '--clusters', await registryAsWorker(), '--no-wait']);

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-chart-install-'));
    kc = new KubeConfig();
    kc.loadFromFile(testKubeconfig());
    serverVersion = (JSON.parse((await kubectl('version', '-o', 'json')).stdout) as { serverVersion: { gitVersion: string } }).serverVersion.gitVersion.replace(/^v/, '');
    for (const ns of [namespace, allowed, other]) expect((await kubectl('create', 'namespace', ns)).code).toBe(0);
    // bosun keeps its apply inventories in bosun-system; the namespaced RBAC binds a Role there.
    await kubectl('create', 'namespace', inventoryNamespace);
    // The ServiceMonitor kind, from the example repo's CRD, when no other suite installed it yet. Left in
    // place: other suites use it too.
    if ((await kubectl('get', 'crd', 'servicemonitors.monitoring.coreos.com')).code !== 0) {
      const crd = join(projectRoot, 'fixtures/example-repo/infrastructure/crds/servicemonitors.monitoring.coreos.com.yaml');
      const r = await kubectl('apply', '--server-side', '--field-manager=bosun-chart-test', '-f', crd);
      expect(r.code, r.stderr).toBe(0);
      await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com');
    }
    repo = await makeGitRepo(join(work, 'repo'));
    const configMap = (ns: string, name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${ns}\ndata:\n  applied-by: worker\n`;
    await repo.write('wide/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${created}\n`);
    await repo.write('wide/configmap.yaml', configMap(created, 'made-by-bosun'));
    await repo.write('shop/configmap.yaml', configMap(allowed, 'made-by-bosun'));
    await repo.write('other/configmap.yaml', configMap(other, 'made-by-bosun'));
    await repo.write('.bosun.yaml', ['version: 1', 'environments:',
      ...Object.entries(environments).flatMap(([path, name]) => [`  - name: ${name}`, `    path: ${path}`, '    cluster: home']), ''].join('\n'));
    await repo.commit('what the worker applies');
  }, 120_000);

  afterAll(async () => {
    if (installed) await helm(['uninstall', release, `--namespace=${namespace}`], helmEnv());
    for (const ns of [namespace, allowed, other, created]) await kubectl('delete', 'namespace', ns, '--wait=false', '--ignore-not-found');
    for (const env of Object.values(environments)) await kubectl('delete', 'configmap', '-n', inventoryNamespace, inventoryName(env), '--ignore-not-found');
    if (work) await rm(work, { recursive: true, force: true });
  });

  it.each(valueSets)('accepts every object of the %s values (server-side apply, dry run)', async (set) => {
    // The namespaced set names namespaces of its own; here they are this run's.
    const { text, objects } = await render({ set, release, namespace, kubeVersion: serverVersion, values: set === 'incluster-namespaced' ? { 'inCluster.rbac.namespaces': [allowed, other] } : {} });
    const file = join(work, `${set}.yaml`);
    await writeFile(file, text);
    const r = await kubectl('apply', '--server-side', '--dry-run=server', '--field-manager=bosun-chart-test', '-f', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.match(/serverside-applied \(server dry run\)/g)).toHaveLength(objects.length);
  });

  describe('helm install, upgrade and uninstall, as docs/operating.md says', () => {
    it('installs the trial (bundled Redis, plan-only) and says it is not for production', async () => {
      const r = await helm(['install', release, chartDir, `--namespace=${namespace}`, ...valueArgs({ set: 'trial' })], helmEnv());
      expect(r.code, r.stderr).toBe(0);
      installed = true;
      expect(r.stdout).toMatch(/STATUS: deployed/);
      expect(r.stdout).toMatch(/NOT FOR\s+PRODUCTION/);
      expect(r.stdout).toMatch(/Plan-only mode/);
      expect(r.stdout).toContain(`kubectl label namespace ${namespace} pod-security.kubernetes.io/enforce=privileged`);
      const deployments = await kubectl('get', 'deployments', '-n', namespace, '-o', 'jsonpath={.items[*].metadata.name}');
      expect(deployments.stdout.split(' ').sort()).toEqual([`${release}-redis-trial`, `${release}-serve`, `${release}-worker`]);
      // Served policy/v1beta1 by this 1.20 server, which has no policy/v1.
      const pdb = await kubectl('get', 'poddisruptionbudgets.v1beta1.policy', '-n', namespace, `${release}-worker`, '-o', 'jsonpath={.spec.maxUnavailable}');
      expect(pdb.stdout).toBe('1');
      // Plan-only: the ServiceAccount exists but may do nothing.
      expect(await can({ resource: { verb: 'get', resource: 'configmaps', namespace: allowed } })).toBe(false);
    }, 120_000);

    it('upgrades to inCluster: the worker applies any kind anywhere, but cannot escalate, bind or impersonate', async () => {
      const r = await helm(['upgrade', release, chartDir, `--namespace=${namespace}`, ...valueArgs({ set: 'trial', values: { 'inCluster.enabled': true } })], helmEnv());
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(/Plan-only mode/);
      const registry = await kubectl('get', 'configmap', '-n', namespace, `${release}-clusters`, '-o', 'jsonpath={.data.clusters\\.yaml}');
      expect(registry.stdout.trim()).toBe('clusters:\n  in-cluster:\n    inCluster: true');

      expect(await can({ resource: { verb: 'patch', group: 'apps', resource: 'deployments', namespace: allowed } })).toBe(true);
      expect(await can({ resource: { verb: 'create', resource: 'namespaces' } })).toBe(true);
      expect(await can({ resource: { verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' } })).toBe(true);
      expect(await can({ nonResource: { verb: 'get', path: '/openapi/v2' } })).toBe(true);
      expect(await can({ resource: { verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' } })).toBe(false);
      expect(await can({ resource: { verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' } })).toBe(false);
      expect(await can({ resource: { verb: 'impersonate', resource: 'users' } })).toBe(false);
      expect(await can({ resource: { verb: 'approve', group: 'certificates.k8s.io', resource: 'signers' } })).toBe(false);

      // What the worker does with it: bosun's apply, as that ServiceAccount, creates a namespace and an object in it.
      const applied = await applyAsWorker(environments.wide);
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      expect(applied.stdout).toMatch(/\b2 created\b/);
      expect((await kubectl('get', 'configmap', '-n', created, 'made-by-bosun', '-o', 'jsonpath={.data.applied-by}')).stdout).toBe('worker');
    }, 120_000);

    it('upgrades to namespaced RBAC: the worker applies in the listed namespace only, and keeps its inventory', async () => {
      const r = await helm(['upgrade', release, chartDir, `--namespace=${namespace}`,
        ...valueArgs({ set: 'trial', values: { 'inCluster.enabled': true, 'inCluster.rbac.scope': 'namespaced', 'inCluster.rbac.namespaces': [allowed] } })], helmEnv());
      expect(r.code, r.stderr).toBe(0);

      expect(await can({ resource: { verb: 'patch', group: 'apps', resource: 'deployments', namespace: allowed } })).toBe(true);
      expect(await can({ resource: { verb: 'patch', group: 'apps', resource: 'deployments', namespace: other } })).toBe(false);
      expect(await can({ resource: { verb: 'create', resource: 'namespaces' } })).toBe(false);
      expect(await can({ resource: { verb: 'get', resource: 'namespaces', name: inventoryNamespace } })).toBe(true);
      expect(await can({ resource: { verb: 'patch', resource: 'configmaps', namespace: inventoryNamespace } })).toBe(true);
      expect(await can({ resource: { verb: 'get', resource: 'secrets', namespace: inventoryNamespace } })).toBe(false);
      expect(await can({ nonResource: { verb: 'get', path: '/apis' } })).toBe(true);

      const shop = await applyAsWorker(environments.shop);
      expect(shop.code, shop.stdout + shop.stderr).toBe(0);
      expect(shop.stdout).toMatch(/\b1 created\b/);
      const refused = await applyAsWorker(environments.other);
      expect(refused.code).toBe(1);
      expect(refused.stdout + refused.stderr).toMatch(/forbidden/i);
      expect((await kubectl('get', 'configmap', '-n', other, 'made-by-bosun')).code).not.toBe(0);
    }, 120_000);

    it('uninstalls: nothing of the release is left, cluster-wide objects included', async () => {
      const r = await helm(['uninstall', release, `--namespace=${namespace}`], helmEnv());
      expect(r.code, r.stderr).toBe(0);
      installed = false;
      const selector = `app.kubernetes.io/instance=${release}`;
      const left = await kubectl('get', 'deployments,services,configmaps,secrets,serviceaccounts,poddisruptionbudgets.v1beta1.policy,networkpolicies,rolebindings',
        '-n', namespace, '-l', selector, '-o', 'name');
      expect(left.stdout.trim()).toBe('');
      const cluster = await kubectl('get', 'clusterroles,clusterrolebindings', '-l', selector, '-o', 'name');
      expect(cluster.stdout.trim()).toBe('');
      const inventoryRbac = await kubectl('get', 'roles,rolebindings', '-n', inventoryNamespace, '-l', selector, '-o', 'name');
      expect(inventoryRbac.stdout.trim()).toBe('');
    }, 120_000);
  });
});
