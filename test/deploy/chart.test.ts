// bosun's Helm chart without a cluster: `helm lint --strict` for every tested value set, `helm template`
// snapshots of them (test/deploy/__snapshots__/chart/, refresh with `npx vitest run test/deploy/chart.test.ts -u`
// and read the diff), what each set must produce, the refusals with what to do instead, and bosun's own
// strict schema validation of every rendering.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadServerConfig } from '../../src/config/server.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { runCli } from '../cli/run-cli.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { standinAppKey } from '../../testkit/github-standin/index.ts';
import { chartDir, containerEnv, dataOf, find, get, helm, helmTemplate, podOf, render as renderChart, valueArgs, valueSets, type K8sObject, type RenderOptions } from './chart.ts';

/** Each set is rendered once per run (helm starts in about a second on a busy machine). */
const renders = new Map<string, ReturnType<typeof renderChart>>();
const render = (opts: RenderOptions = {}): ReturnType<typeof renderChart> => {
  const key = JSON.stringify(opts);
  if (!renders.has(key)) renders.set(key, renderChart(opts));
  return renders.get(key)!;
};

const kinds = (objects: K8sObject[]): string[] => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const worker = (objects: K8sObject[]) => podOf(get(objects, 'Deployment', 'bosun-worker'));
const serve = (objects: K8sObject[]) => podOf(get(objects, 'Deployment', 'bosun-serve'));
const envNames = (pod: { spec: { containers: Array<{ env?: Array<{ name: string }> }> } }): string[] => (pod.spec.containers[0]!.env ?? []).map((e) => e.name);
const secretRef = (pod: ReturnType<typeof serve>, name: string) => pod.spec.containers[0]!.env?.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
/** The least environment bosun starts with: its settings' defaults. */
const serverEnvDefaults = (privateKey: string): NodeJS.ProcessEnv => ({ HOME: '/home/bosun', APP_ID: '7', PRIVATE_KEY: privateKey, WEBHOOK_SECRET: 's' });

describe('the Helm chart (deploy/chart)', () => {
  it('carries the package version: the chart and the app are released together', () => {
    const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string; kubeVersion: string };
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    expect(chart.version).toBe(pkg.version);
    expect(chart.appVersion).toBe(pkg.version);
    expect(chart.kubeVersion).toBe('>=1.20.0-0');
  });

  it.each(valueSets)('passes `helm lint --strict` with the %s values: no error, no warning', async (set) => {
    const r = await helm(['lint', chartDir, '--strict', ...valueArgs({ set })]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });

  it.each(valueSets)('renders the %s values as in its snapshot', async (set) => {
    const { text } = await render({ set });
    await expect(text).toMatchFileSnapshot(join(import.meta.dirname, '__snapshots__', 'chart', `${set}.yaml`));
  });

  describe('default values: Secrets made out of band, plan-only', () => {
    let objects: K8sObject[];
    beforeAll(async () => {
      ({ objects } = await render());
    });

    it('renders the two Deployments, their PDBs, the Service, the ServiceAccount and the settings — no Secret, no RBAC', () => {
      expect(kinds(objects)).toEqual([
        'ConfigMap/bosun-config', 'Deployment/bosun-serve', 'Deployment/bosun-worker',
        'PodDisruptionBudget/bosun-serve', 'PodDisruptionBudget/bosun-worker', 'Service/bosun', 'ServiceAccount/bosun',
      ]);
      for (const o of objects) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('bosun-system');
      expect(get(objects, 'PodDisruptionBudget', 'bosun-worker').apiVersion).toBe('policy/v1');
    });

    it('reads the App, Redis and dashboard from the Secrets bosun setup and the operator create', () => {
      const pod = serve(objects);
      expect(secretRef(pod, 'APP_ID')).toEqual({ name: 'bosun-github-app', key: 'app-id' });
      expect(secretRef(pod, 'PRIVATE_KEY')).toEqual({ name: 'bosun-github-app', key: 'private-key' });
      expect(secretRef(pod, 'WEBHOOK_SECRET')).toEqual({ name: 'bosun-github-app', key: 'webhook-secret' });
      expect(secretRef(pod, 'REDIS_URL')).toEqual({ name: 'bosun-redis', key: 'url' });
      expect(secretRef(pod, 'BOSUN_DASHBOARD_TOKEN')).toEqual({ name: 'bosun-dashboard', key: 'token', optional: true });
      expect(envNames(worker(objects))).not.toContain('BOSUN_DASHBOARD_TOKEN');
    });

    it('runs the webhook server without an API token, probed on /readyz and /healthz', () => {
      const { spec } = serve(objects);
      const c = spec.containers[0]!;
      expect(c.args).toEqual(['serve']);
      expect(c.image).toBe('bosun:0.1.0');
      expect(spec.automountServiceAccountToken).toBe(false);
      expect((c.readinessProbe as { httpGet: unknown }).httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect((c.livenessProbe as { httpGet: unknown }).httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    });

    it('gives the worker what the render sandbox needs and nothing more', () => {
      const { spec, annotations } = worker(objects);
      const c = spec.containers[0]!;
      expect(c.args).toEqual(['worker']);
      // helm template's Kubernetes version is 1.30 or newer: AppArmor is the container's field there.
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'Unconfined' }, appArmorProfile: { type: 'Unconfined' },
      });
      expect(Object.keys(annotations).filter((a) => a.includes('apparmor'))).toEqual([]);
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(c.volumeMounts?.find((m) => m.mountPath === '/tmp')).toBeDefined();
      expect(spec.volumes?.find((v) => v.name === 'tmp')).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '2Gi' } });
      // Without inCluster the worker never talks to its own cluster: no token.
      expect(spec.automountServiceAccountToken).toBe(false);
    });

    it('sets AppArmor by the annotation before Kubernetes 1.30, whose API servers refuse the field (deprecated from 1.30)', async () => {
      for (const kubeVersion of ['1.20.2', '1.29.9']) {
        const { spec, annotations } = worker((await render({ kubeVersion })).objects);
        expect(annotations['container.apparmor.security.beta.kubernetes.io/bosun'], kubeVersion).toBe('unconfined');
        expect(spec.containers[0]!.securityContext, kubeVersion).not.toHaveProperty('appArmorProfile');
        expect(spec.containers[0]!.securityContext, kubeVersion).toMatchObject({ seccompProfile: { type: 'Unconfined' } });
      }
      expect(worker((await render({ kubeVersion: '1.30.0' })).objects).spec.containers[0]!.securityContext).toMatchObject({ appArmorProfile: { type: 'Unconfined' } });
    });

    it('runs the worker under a Localhost AppArmor profile when told to (nodes that restrict user namespaces to profiles allowing them)', async () => {
      const values = { 'worker.appArmorProfile': 'localhost/bosun-worker' };
      const { spec } = worker((await render({ values })).objects);
      expect(spec.containers[0]!.securityContext).toMatchObject({ seccompProfile: { type: 'Unconfined' }, appArmorProfile: { type: 'Localhost', localhostProfile: 'bosun-worker' } });
      const old = worker((await render({ values, kubeVersion: '1.29.9' })).objects);
      expect(old.annotations['container.apparmor.security.beta.kubernetes.io/bosun']).toBe('localhost/bosun-worker');
      // Without the sandbox the runtime's defaults apply: neither.
      for (const kubeVersion of ['1.29.9', '1.34.0']) {
        const off = worker((await render({ values: { ...values, 'worker.sandbox': false }, kubeVersion })).objects);
        expect(off.annotations['container.apparmor.security.beta.kubernetes.io/bosun'], kubeVersion).toBeUndefined();
        expect(off.spec.containers[0]!.securityContext, kubeVersion).not.toHaveProperty('appArmorProfile');
      }
    });

    it('is plan-only: no cluster registry, so no BOSUN_CLUSTERS and no clusters volume', () => {
      const { spec } = worker(objects);
      expect(envNames(worker(objects))).not.toContain('BOSUN_CLUSTERS');
      expect(spec.volumes?.map((v) => v.name)).toEqual(['data', 'tmp']);
    });
  });

  it('trial: a bundled single Redis marked not for production, reachable only from bosun\'s pods', async () => {
    const { objects } = await render({ set: 'trial' });
    const redis = get(objects, 'Deployment', 'bosun-redis-trial');
    expect(redis.metadata.annotations?.['bosun.dev/not-for-production']).toBeDefined();
    const c = podOf(redis).spec.containers[0]!;
    expect(c.args).toEqual(['redis-server', '--maxmemory-policy', 'noeviction', '--save', '', '--appendonly', 'no']);
    expect(get(objects, 'NetworkPolicy', 'bosun-redis-trial').spec).toMatchObject({ policyTypes: ['Ingress'] });
    const env = containerEnv(worker(objects).spec.containers[0]!, objects);
    expect(env.REDIS_URL).toBe('redis://bosun-redis-trial:6379');
    expect(env).toMatchObject({ APP_ID: '12345', WEBHOOK_SECRET: 'trial-webhook-secret' });
    expect(env.BOSUN_CLUSTERS).toBeUndefined();
  });

  it('external Redis behind Sentinel: the URL in a Secret of its own, GitHub Enterprise, clusters with kubeconfigs beside the registry', async () => {
    const { objects } = await render({ set: 'sentinel' });
    const env = containerEnv(worker(objects).spec.containers[0]!, objects, [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bosun-github-app' }, stringData: { 'app-id': '7', 'private-key': 'pem', 'webhook-secret': 's' } },
    ]);
    expect(env.REDIS_URL).toMatch(/^redis\+sentinel:\/\/:redis-password@sentinel-0\.redis:26379,.*\/bosun$/);
    expect(get(objects, 'ConfigMap', 'bosun-config').data).not.toHaveProperty('REDIS_URL');
    expect(env).toMatchObject({ GHE_HOST: 'github.example.org', GHE_PROTOCOL: 'https', LOG_LEVEL: 'debug', BOSUN_MAX_OBJECTS: '30000', BOSUN_CLUSTERS: '/etc/bosun/clusters/clusters.yaml' });
    const registry = parse(dataOf(get(objects, 'ConfigMap', 'bosun-clusters'))['clusters.yaml']!) as { clusters: Record<string, unknown> };
    expect(Object.keys(registry.clusters).sort()).toEqual(['edge-eu', 'production', 'staging']);
    const volume = worker(objects).spec.volumes?.find((v) => v.name === 'clusters') as unknown as { projected: { sources: unknown[] } };
    expect(volume.projected.sources).toEqual([{ configMap: { name: 'bosun-clusters' } }, { secret: { name: 'bosun-kubeconfigs' } }]);
    expect(worker(objects).spec.containers[0]!.image).toBe('registry.example.org/platform/bosun@sha256:' + '0'.repeat(64));
  });

  it('external Redis Cluster (TLS): the URL reaches the processes as given, in a Secret', async () => {
    const url = 'rediss+cluster://:redis-password@redis-0.redis:6379,redis-1.redis:6379,redis-2.redis:6379';
    const { objects } = await render({ values: { 'redis.url': url } });
    const env = containerEnv(worker(objects).spec.containers[0]!, objects, [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bosun-github-app' }, stringData: { 'app-id': '7', 'private-key': 'pem', 'webhook-secret': 's' } },
    ]);
    expect(env.REDIS_URL).toBe(url);
    expect(get(objects, 'ConfigMap', 'bosun-config').data).not.toHaveProperty('REDIS_URL');
  });

  it('existing Secrets under the operator\'s names; the registry is that Secret\'s own clusters.yaml', async () => {
    const { objects } = await render({ set: 'existing-secrets' });
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    const pod = serve(objects);
    expect(pod.spec.containers[0]!.env?.find((e) => e.name === 'APP_ID')).toEqual({ name: 'APP_ID', value: '424242' });
    expect(secretRef(pod, 'PRIVATE_KEY')).toEqual({ name: 'gh-app-credentials', key: 'private-key' });
    expect(secretRef(pod, 'REDIS_URL')).toEqual({ name: 'redis-connection', key: 'redis-url' });
    expect(secretRef(pod, 'BOSUN_DASHBOARD_TOKEN')).toEqual({ name: 'dashboard-token', key: 'token', optional: true });
    expect(find(objects, 'ConfigMap', 'bosun-clusters')).toBeUndefined();
    const volume = worker(objects).spec.volumes?.find((v) => v.name === 'clusters') as unknown as { projected: { sources: unknown[] } };
    expect(volume.projected.sources).toEqual([{ secret: { name: 'bosun-clusters' } }]);
  });

  it('inCluster, namespaced: the apply role bound only in the listed namespaces, inventories in bosun-system, the worker with its token', async () => {
    const { objects } = await render({ set: 'incluster-namespaced' });
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding').map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`).sort();
    expect(bindings).toEqual(['ClusterRoleBinding//bosun-discovery', 'RoleBinding/bosun-system/bosun-inventory', 'RoleBinding/payments/bosun-apply', 'RoleBinding/shop/bosun-apply']);
    expect(get(objects, 'Role', 'bosun-inventory').rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'patch', 'update', 'delete'] }]);
    expect(worker(objects).spec.automountServiceAccountToken).toBe(true);
    const registry = parse(dataOf(get(objects, 'ConfigMap', 'bosun-clusters'))['clusters.yaml']!) as unknown;
    expect(registry).toEqual({ clusters: { home: { inCluster: true } } });
    expect(serve(objects).spec.automountServiceAccountToken).toBe(false);
  });

  it('ingress and ServiceMonitor: only the webhook path and the dashboard are routed; both processes are scraped', async () => {
    const { objects } = await render({ set: 'ingress-monitoring' });
    const ingress = get(objects, 'Ingress', 'bosun').spec as { ingressClassName: string; tls: unknown; rules: Array<{ host: string; http: { paths: Array<{ path: string }> } }> };
    expect(ingress.ingressClassName).toBe('nginx');
    expect(ingress.tls).toEqual([{ hosts: ['bosun.example.org'], secretName: 'bosun-tls' }]);
    expect(ingress.rules[0]!.http.paths.map((p) => p.path)).toEqual(['/api/github/webhooks', '/dashboard']);
    const monitor = get(objects, 'ServiceMonitor', 'bosun');
    expect(monitor.metadata.labels?.release).toBe('prometheus');
    expect((monitor.spec as { endpoints: Array<{ port: string }> }).endpoints.map((e) => e.port)).toEqual(['http', 'metrics']);
    expect((get(objects, 'Service', 'bosun-worker-metrics').spec as { ports: unknown }).ports).toEqual([{ name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(dataOf(get(objects, 'Secret', 'bosun-dashboard'))).toEqual({ token: '0123456789abcdef0123456789abcdef' });
    expect(find(objects, 'ClusterRoleBinding', 'bosun-apply')).toBeDefined();
  });

  it('target cluster: only the ServiceAccount and its apply rights', async () => {
    const { objects } = await render({ set: 'target-cluster' });
    expect(kinds(objects)).toEqual(['ClusterRole/bosun-apply', 'ClusterRole/bosun-discovery', 'ClusterRoleBinding/bosun-apply', 'ClusterRoleBinding/bosun-discovery', 'ServiceAccount/bosun']);
    expect(get(objects, 'ClusterRole', 'bosun-apply').rules).toEqual([{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'] }]);
  });

  it('never grants escalate, bind, impersonate or a wildcard verb, in any value set', async () => {
    for (const set of valueSets) {
      const { objects } = await render({ set });
      for (const role of objects.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')) {
        const verbs = (role.rules as Array<{ verbs: string[] }>).flatMap((r) => r.verbs);
        expect(verbs, `${set}: ${role.kind}/${role.metadata.name}`).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(\*|escalate|bind|impersonate|approve|sign)$/)]));
      }
    }
  });

  it('serves policy/v1beta1 PodDisruptionBudgets to a 1.20 API server', async () => {
    const { objects } = await render({ kubeVersion: '1.20.2' });
    expect(get(objects, 'PodDisruptionBudget', 'bosun-serve').apiVersion).toBe('policy/v1beta1');
  });

  it('with the sandbox off: BOSUN_SANDBOX=off and the runtime\'s default profiles, no unconfined anything', async () => {
    const { objects } = await render({ values: { 'worker.sandbox': false } });
    const { spec, annotations } = worker(objects);
    expect(get(objects, 'ConfigMap', 'bosun-config').data).toMatchObject({ BOSUN_SANDBOX: 'off' });
    expect(spec.containers[0]!.securityContext).not.toHaveProperty('seccompProfile');
    expect(spec.containers[0]!.securityContext).not.toHaveProperty('appArmorProfile');
    expect(Object.keys(annotations).filter((a) => a.includes('apparmor'))).toEqual([]);
  });

  it('gives the worker its apply concurrency and stall limit, which bosun reads as its settings (defaults: the server\'s own)', async () => {
    const privateKey = standinAppKey();
    const secrets: K8sObject[] = [
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bosun-github-app' }, stringData: { 'app-id': '7', 'private-key': privateKey, 'webhook-secret': 's' } },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bosun-redis' }, stringData: { url: 'redis://redis:6379' } },
    ];
    const settings = async (values: RenderOptions['values']) => {
      const { objects } = await render(values ? { values } : {});
      const env = containerEnv(worker(objects).spec.containers[0]!, objects, secrets);
      const config = loadServerConfig({ HOME: '/home/bosun', ...env }, { cwd: '/home/bosun' });
      return { env: { apply: env.BOSUN_APPLY_WORKER_CONCURRENCY, stalls: env.BOSUN_JOB_MAX_STALLS }, read: { apply: config.applyWorkerConcurrency, stalls: config.jobMaxStalls }, serve: envNames(serve(objects)) };
    };
    const byDefault = await settings(undefined);
    expect(byDefault.env).toEqual({ apply: '2', stalls: '5' });
    expect(byDefault.read).toEqual({ apply: loadServerConfig(serverEnvDefaults(privateKey)).applyWorkerConcurrency, stalls: loadServerConfig(serverEnvDefaults(privateKey)).jobMaxStalls });
    // The webhook server runs no jobs.
    expect(byDefault.serve).not.toContain('BOSUN_APPLY_WORKER_CONCURRENCY');
    expect(byDefault.serve).not.toContain('BOSUN_JOB_MAX_STALLS');
    expect((await settings({ 'worker.applyConcurrency': 6, 'worker.jobMaxStalls': 20 })).read).toEqual({ apply: 6, stalls: 20 });
  });

  it.each([
    ['both an external and the bundled Redis', { 'redis.url': 'redis://r:6379', 'redis.bundled.enabled': true }, /redis: set either redis.url .* or redis.bundled.enabled .*, not both/],
    ['no Redis at all', { 'redis.existingSecret': '' }, /redis: set redis.url, redis.existingSecret .* or, for a trial, redis.bundled.enabled=true/],
    ['a URL that is not Redis', { 'redis.url': 'http://r:6379' }, /redis.url: Does not match pattern/],
    ['a private key without the webhook secret', { 'github.privateKey': 'pem' }, /github.webhookSecret: set it with github.privateKey/],
    ['no App Secret at all', { 'github.existingSecret': '' }, /github.existingSecret: name the Secret .* \(bosun setup writes one\), or set github.privateKey and github.webhookSecret/],
    ['namespaced RBAC without namespaces', { 'inCluster.enabled': true, 'inCluster.rbac.scope': 'namespaced' }, /inCluster.rbac.namespaces: list the namespaces/],
    ['a kubeconfig without the Secret to hold it', { 'clusters.registry': { clusters: { prod: { kubeconfig: 'prod.kubeconfig' } } } }, /clusters.registry.clusters.prod.kubeconfig names a file .*clusters.credentialsSecret/],
    ['the inCluster name taken by a registry entry', { 'inCluster.enabled': true, 'clusters.registry': { clusters: { 'in-cluster': { labels: { a: 'b' } } } } }, /pick another inCluster.name/],
    ['a secret in the plain settings', { 'env.WEBHOOK_SECRET': 'x' }, /env.WEBHOOK_SECRET: set it through its own value/],
    ['a short dashboard token', { 'dashboard.token': 'short' }, /dashboard.token: use at least 16 characters/],
    ['an unknown value', { 'worker.replica': 3 }, /Additional property replica is not allowed/],
    ['no apply job at once on a worker', { 'worker.applyConcurrency': 0 }, /worker.applyConcurrency: Must be greater than or equal to 1/],
    ['giving up on a job before it ran', { 'worker.jobMaxStalls': 0 }, /worker.jobMaxStalls: Must be greater than or equal to 1/],
    ['an AppArmor profile that keeps bubblewrap from mounting', { 'worker.appArmorProfile': 'runtime/default' }, /worker.appArmorProfile: Does not match pattern/],
  ])('refuses %s and says what to set', async (_what, values, message) => {
    const r = await helmTemplate({ values });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  describe('every rendering, checked by bosun validate (strict Kubernetes and Prometheus Operator schemas)', () => {
    let work: string;
    let repo: Awaited<ReturnType<typeof makeGitRepo>>;
    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'bosun-chart-'));
      repo = await makeGitRepo(join(work, 'repo'));
      for (const set of valueSets) await repo.write(`${set}/chart.yaml`, (await render({ set })).text);
      await repo.commit('rendered chart');
    }, 60_000);
    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    it.each(valueSets)('%s: no error, no warning', async (set) => {
      const r = await runCli(['validate', '--repo', repo.dir, '--path', set, '--format', 'json']);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const [env] = (JSON.parse(r.stdout) as { environments: Array<{ validation: { errors: unknown[]; warnings: unknown[] } }> }).environments;
      expect(env!.validation.errors).toEqual([]);
      expect(env!.validation.warnings).toEqual([]);
    });
  });
});
