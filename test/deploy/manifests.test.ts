// deploy/ (bosun's own Kustomize base) checked by bosun's validator, then applied by bosun to the real
// test API server through a temp overlay that moves it into a namespace and names of its own.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppsV1Api, AuthorizationV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api, type V1ResourceAttributes } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventoryName, inventoryNamespace } from '../../src/cluster/inventory.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { runCli } from '../cli/run-cli.ts';
import { makeGitRepo } from '../support/git-repo.ts';
import { testKubeconfig, writeTestClusterRegistry } from '../support/testenv/inject.ts';

interface ValidateJson {
  environments: Array<{ name: string; render: { objects?: number; error?: unknown }; validation: { errors: unknown[]; warnings: unknown[] } }>;
}

describe('deploy/: bosun\'s own Kustomize base', () => {
  it('passes bosun validate with no errors and no warnings', async () => {
    const r = await runCli(['validate', '--path', 'deploy', '--format', 'json'], projectRoot);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [env] = (JSON.parse(r.stdout) as ValidateJson).environments;
    expect(env!.render.objects).toBe(8);
    expect(env!.validation.errors).toEqual([]);
    expect(env!.validation.warnings).toEqual([]);
  });

  it('commits no Secret: it only references them', () => {
    for (const file of readdirSync(join(projectRoot, 'deploy'))) {
      expect(readFileSync(join(projectRoot, 'deploy', file), 'utf8'), file).not.toMatch(/^kind:\s*Secret\b/m);
    }
  });
});

describe('deploy/ applied by bosun to the test cluster', () => {
  const suffix = randomBytes(3).toString('hex');
  const namespace = `bosun-e2e-${suffix}`;
  const environment = `bosun-self-${suffix}`;
  const named = (name: string): string => `${name}-${suffix}`;
  let work: string;
  let kc: KubeConfig;
  let applied: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-deploy-'));
    const repo = await makeGitRepo(join(work, 'repo'));
    for (const file of readdirSync(join(projectRoot, 'deploy'))) {
      await repo.write(`deploy/${file}`, readFileSync(join(projectRoot, 'deploy', file), 'utf8'));
    }
    // `namespace:` moves the namespaced objects and renames the Namespace; the NamespaceTransformer also
    // moves the ClusterRoleBinding's subject (kustomize's `namespace:` does not), as deploy/ documents.
    // nameSuffix keeps the cluster-scoped RBAC apart from other runs.
    await repo.write('overlay/kustomization.yaml', [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `namespace: ${namespace}`,
      // Quoted: a suffix of digits only ("-469580") would otherwise be a YAML number.
      `nameSuffix: "-${suffix}"`,
      'resources: [../deploy]',
      'transformers:',
      '  - |-',
      '    apiVersion: builtin',
      '    kind: NamespaceTransformer',
      `    metadata: {name: e2e, namespace: ${namespace}}`,
      '    setRoleBindingSubjects: allServiceAccounts',
      '',
    ].join('\n'));
    await repo.write('.bosun.yaml', `version: 1\nenvironments:\n  - name: ${environment}\n    path: overlay\n    cluster: test\n`);
    await repo.commit('bosun itself');
    const clusters = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clusters);
    kc = new KubeConfig();
    kc.loadFromFile(testKubeconfig());
    // No kubelet here: the pods never start, so the apply does not wait for health.
    applied = await runCli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', environment, '--clusters', clusters, '--no-wait']);
  }, 180_000);

  afterAll(async () => {
    if (kc) {
      const core = kc.makeApiClient(CoreV1Api);
      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
      await rbac.deleteClusterRoleBinding({ name: named('bosun-apply') }).catch(() => undefined);
      await rbac.deleteClusterRole({ name: named('bosun-apply') }).catch(() => undefined);
      await core.deleteNamespacedConfigMap({ name: inventoryName(environment), namespace: inventoryNamespace }).catch(() => undefined);
    }
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('applies every object of the base', () => {
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/\b8 created\b/);
  });

  it('runs the webhook server with readiness on /readyz and liveness on /healthz, port 3000, and no API token', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const serve = await apps.readNamespacedDeployment({ name: named('bosun-serve'), namespace });
    const pod = serve.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.args).toEqual(['serve']);
    expect(c.ports).toEqual([{ name: 'http', containerPort: 3000, protocol: 'TCP' }]);
    expect(c.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port: 'http' });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    // Secrets are referenced by their own names: the overlay's suffix applies to what it deploys only.
    const secretRefs = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.valueFrom?.secretKeyRef]));
    expect(secretRefs.WEBHOOK_SECRET).toEqual({ name: 'bosun-github-app', key: 'webhook-secret' });
    expect(secretRefs.PRIVATE_KEY).toEqual({ name: 'bosun-github-app', key: 'private-key' });
    expect(secretRefs.REDIS_URL).toEqual({ name: 'bosun-redis', key: 'url' });
    expect(secretRefs.BOSUN_DASHBOARD_TOKEN).toEqual({ name: 'bosun-dashboard', key: 'token', optional: true });
  });

  it('runs the workers with the service account, the clusters file mounted from its Secret', async () => {
    const apps = kc.makeApiClient(AppsV1Api);
    const worker = await apps.readNamespacedDeployment({ name: named('bosun-worker'), namespace });
    const pod = worker.spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.args).toEqual(['worker']);
    expect(pod.serviceAccountName).toBe(named('bosun'));
    expect(pod.volumes?.find((v) => v.name === 'clusters')?.secret?.secretName).toBe('bosun-clusters');
    const mount = c.volumeMounts?.find((m) => m.name === 'clusters');
    expect(c.env?.find((e) => e.name === 'BOSUN_CLUSTERS')?.value).toBe(`${mount?.mountPath}/clusters.yaml`);
    // Its job metrics and liveness on the port BOSUN_METRICS_PORT names.
    const metricsPort = c.env?.find((e) => e.name === 'BOSUN_METRICS_PORT')?.value;
    expect(c.ports?.find((p) => p.name === 'metrics')?.containerPort).toBe(Number(metricsPort));
    expect(c.livenessProbe?.httpGet).toEqual(expect.objectContaining({ path: '/healthz', port: 'metrics' }));
    // The render sandbox (bubblewrap's user namespaces) needs seccomp and AppArmor unconfined — and nothing
    // else: still non-root, no capabilities, no privilege escalation.
    expect(c.securityContext?.seccompProfile?.type).toBe('Unconfined');
    expect(worker.spec!.template.metadata?.annotations?.['container.apparmor.security.beta.kubernetes.io/bosun']).toBe('unconfined');
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.securityContext?.privileged).toBeUndefined();
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
  });

  it('exposes the webhook server through a TCP Service', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const svc = await core.readNamespacedService({ name: named('bosun'), namespace });
    expect(svc.spec?.ports).toEqual([expect.objectContaining({ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' })]);
    expect(svc.spec?.selector).toEqual({ 'app.kubernetes.io/name': 'bosun', 'app.kubernetes.io/component': 'serve' });
  });

  it('lets the service account apply and prune any kind anywhere, but not escalate, bind or impersonate', async () => {
    const authz = kc.makeApiClient(AuthorizationV1Api);
    const user = `system:serviceaccount:${namespace}:${named('bosun')}`;
    const can = async (attrs: V1ResourceAttributes): Promise<boolean> => {
      const review = await authz.createSubjectAccessReview({ body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, resourceAttributes: attrs } } });
      return review.status?.allowed === true;
    };
    expect(await can({ verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'shop' })).toBe(true);
    expect(await can({ verb: 'create', resource: 'namespaces' })).toBe(true);
    expect(await can({ verb: 'delete', group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' })).toBe(true);
    expect(await can({ verb: 'get', resource: 'configmaps', namespace: inventoryNamespace })).toBe(true);
    expect(await can({ verb: 'escalate', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' })).toBe(false);
    expect(await can({ verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' })).toBe(false);
    expect(await can({ verb: 'impersonate', resource: 'users' })).toBe(false);
  });
});
