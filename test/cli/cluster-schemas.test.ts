// Validation against a registered cluster's own OpenAPI, through `bosun validate --clusters` and
// `bosun plan --clusters` on the real test API server (Kubernetes 1.20: OpenAPI v2 only).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiextensionsV1Api, KubeConfig } from '@kubernetes/client-node';
import { forgetClusterSchemas } from '../../src/cluster/openapi.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { testKubeconfig, writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { runCli } from './run-cli.ts';

const suffix = randomBytes(3).toString('hex');
const group = `gadgets-${suffix}.example.com`;
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `gadgets.${group}` },
  spec: {
    group,
    names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
    scope: 'Namespaced',
    versions: [{
      name: 'v1', served: true, storage: true,
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' }, color: { type: 'string' } } } } } },
    }],
  },
};

const gadget = (spec: string) => `apiVersion: ${group}/v1\nkind: Gadget\nmetadata:\n  name: g\n  namespace: default\nspec:\n${spec}`;
const deployment = (podExtra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
${podExtra}      containers:
        - name: web
          image: nginx:1.25
          resources:
            limits: { cpu: 1, memory: 64Mi }
`;

describe('validation against a registered cluster\'s own OpenAPI (test API server, Kubernetes 1.20)', () => {
  let work: string;
  let repo: Awaited<ReturnType<typeof makeGitRepo>>;
  let clusters: string;
  let crds: ApiextensionsV1Api;
  const dataDir = () => join(work, 'data');

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-cluster-schemas-'));
    process.env.BOSUN_DATA_DIR = dataDir();
    const kc = new KubeConfig();
    kc.loadFromFile(testKubeconfig());
    crds = kc.makeApiClient(ApiextensionsV1Api);
    await crds.createCustomResourceDefinition({ body: crd as never });
    // The CRD is served once it is Established; the OpenAPI document lists it a moment later.
    for (let i = 0; i < 100; i++) {
      const got = await crds.readCustomResourceDefinition({ name: crd.metadata.name });
      if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    clusters = await writeTestClusterRegistry(join(work, 'clusters.yaml'), ['dev']);
    repo = await makeGitRepo(join(work, 'repo'));
    await repo.write('.bosun.yaml', 'version: 1\nenvironments:\n  - name: dev\n    path: deploy\n    cluster: dev\n');
    await repo.write('deploy/gadget.yaml', gadget('  size: 3\n  color: blue\n'));
    await repo.write('deploy/web.yaml', deployment());
    await repo.commit('base');
  }, 120_000);

  afterAll(async () => {
    delete process.env.BOSUN_DATA_DIR;
    await crds.deleteCustomResourceDefinition({ name: crd.metadata.name }).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  /** The cluster's document may lag behind a new CRD by a moment: ask again (fresh) until it has it. */
  async function validateUntil(ok: (stdout: string) => boolean, args: string[]) {
    let r = await runCli(args);
    for (let i = 0; i < 50 && !ok(r.stdout); i++) {
      await new Promise((res) => setTimeout(res, 200));
      forgetClusterSchemas();
      await rm(dataDir(), { recursive: true, force: true });
      r = await runCli(args);
    }
    return r;
  }

  it('a custom resource whose CRD is only on the cluster validates with the cluster\'s schema', async () => {
    const offline = await runCli(['validate', '--repo', repo.dir, '--format', 'json']);
    expect(offline.stdout).toMatch(/Gadget.*no schema/);
    const r = await validateUntil((out) => !/no schema/.test(out), ['validate', '--repo', repo.dir, '--clusters', clusters, '--format', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const [env] = JSON.parse(r.stdout).environments as Array<{ validation: { errors: unknown[]; warnings: unknown[] } }>;
    expect(env.validation).toEqual({ errors: [], warnings: [] });
    // cached per cluster under the data dir, keyed by the server's version and the document's hash
    const cached = readdirSync(join(dataDir(), 'openapi', 'dev'));
    expect(cached).toContain('latest.json');
    expect(cached.some((f) => /^v1\.20\.\d+.*-[0-9a-f]{64}\.json$/.test(f))).toBe(true);
  });

  it('a wrong field of that custom resource is an error from the cluster\'s schema', async () => {
    await repo.write('deploy/gadget.yaml', gadget('  size: big\n  colour: blue\n'));
    const r = await runCli(['validate', '--repo', repo.dir, '--clusters', clusters]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/deploy\/gadget\.yaml:\d+: error: .*Gadget default\/g: \/spec\/size: .*integer/);
    expect(r.stdout).toMatch(/\/spec.*colour/);
    await repo.write('deploy/gadget.yaml', gadget('  size: 3\n  color: blue\n'));
  });

  it('a field the 1.20 server does not know is reported, though the built-in 1.34 schemas accept it', async () => {
    await repo.write('deploy/web.yaml', deployment('      os: { name: linux }\n'));
    expect((await runCli(['validate', '--repo', repo.dir])).code).toBe(0);
    const r = await runCli(['validate', '--repo', repo.dir, '--clusters', clusters]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/deploy\/web\.yaml:\d+: error: apps\/v1 Deployment default\/web: \/spec\/template\/spec.*\bos\b/);
    await repo.write('deploy/web.yaml', deployment());
  });

  it('an API version the cluster does not serve names what it does serve; the live version is the target', async () => {
    await repo.write('deploy/pdb.yaml', 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\n  namespace: default\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: { app: web }\n');
    const r = await runCli(['validate', '--repo', repo.dir, '--clusters', clusters]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/policy\/v1 PodDisruptionBudget is not served by cluster dev \(Kubernetes 1\.20\): it serves policy\/v1beta1/);
    await repo.remove('deploy/pdb.yaml');
  });

  it('plan --clusters validates the head with the cluster\'s schema too', async () => {
    await repo.commit('clean');
    await repo.write('deploy/gadget.yaml', gadget('  size: big\n'));
    await repo.commit('head');
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--clusters', clusters, '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const [env] = JSON.parse(r.stdout).environments as Array<{ validation: { errors: Array<{ path: string; message: string }> } }>;
    expect(env.validation.errors).toEqual([expect.objectContaining({ path: '/spec/size', message: expect.stringMatching(/integer/) })]);
  });

  it('an unreachable registered cluster: validation falls back offline and says so', async () => {
    const down = join(work, 'down.yaml');
    await writeFile(join(work, 'down.kubeconfig'), 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: { server: "https://127.0.0.1:1" }\nusers:\n- name: u\n  user: { token: t }\ncontexts:\n- name: x\n  context: { cluster: c, user: u }\ncurrent-context: x\n');
    await writeFile(down, `clusters:\n  dev:\n    kubeconfig: ${join(work, 'down.kubeconfig')}\n    kubernetesVersion: "1.24"\n`);
    forgetClusterSchemas();
    const r = await runCli(['validate', '--repo', repo.dir, '--clusters', down]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/warning: environment dev: validated offline against Kubernetes 1\.24 \(cluster dev\): cluster dev's OpenAPI could not be read/);
  });
});
