// Benchmark: bosun's apply preview and apply vs `kubectl diff --server-side` and `kubectl apply
// --server-side` on the same 500 objects (ConfigMaps, Deployments, Services across 10 namespaces), the
// same API server, in the same run. Both sides use field manager "bosun" and send identical objects
// (bosun's ownership labels are written into kubectl's files too), so they do the same work on the server.
// Cluster: BOSUN_TEST_KUBECONFIG when set (e.g. from `npm run testenv -- up`), else a fresh test cluster.
// Prints one JSON line with wall times and ratios (bosun / kubectl; below 1.0 means bosun is faster).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { applyEnvironment } from '../src/cluster/environment.ts';
import { inventoryName } from '../src/cluster/inventory.ts';
import { withOwnerLabels } from '../src/cluster/labels.ts';
import { previewEnvironment } from '../src/cluster/preview.ts';
import { connect, parseClusterRegistry } from '../src/cluster/registry.ts';
import type { ClusterClient } from '../src/cluster/client.ts';
import type { KubeObject, RenderedObject } from '../src/model/object.ts';
import { kubectlPath } from '../src/util/tools.ts';

const namespaces = 10;
const perNamespace = { configMaps: 20, deployments: 15, services: 15 };
const rounds = 3;
const envName = 'bench-cluster';

function objectsFor(version: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `bench-${n}`;
    // Version changes touch every other object of each kind, so previews and applies mix updates and no-ops.
    const v = (i: number): number => (i % 2 === 0 ? version : 1);
    for (let i = 0; i < perNamespace.configMaps; i++) {
      out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: ns }, data: { 'app.properties': `mode=bench\nrevision=${v(i)}\n`, index: String(i) } });
    }
    for (let i = 0; i < perNamespace.deployments; i++) {
      out.push({
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `web-${i}`, namespace: ns },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: `web-${i}` } },
          template: { metadata: { labels: { app: `web-${i}` } }, spec: { containers: [{ name: 'web', image: `nginx:1.${20 + v(i)}`, ports: [{ containerPort: 8080, protocol: 'TCP' }] }] } },
        },
      });
    }
    for (let i = 0; i < perNamespace.services; i++) {
      out.push({
        apiVersion: 'v1', kind: 'Service', metadata: { name: `web-${i}`, namespace: ns, annotations: { revision: String(v(i)) } },
        spec: { selector: { app: `web-${i}` }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
      });
    }
  }
  return out.map((o) => withOwnerLabels(o, envName, 'bosun'));
}

function writeManifests(dir: string, objects: KubeObject[]): void {
  mkdirSync(dir, { recursive: true });
  for (let n = 0; n < namespaces; n++) {
    const docs = objects.filter((o) => o.metadata?.namespace === `bench-${n}`).map((o) => stringify(o)).join('---\n');
    writeFileSync(join(dir, `bench-${n}.yaml`), docs);
  }
}

function kubectl(kubeconfig: string, args: string[]): { ms: number; status: number | null; stderr: string } {
  const started = performance.now();
  const r = spawnSync(kubectlPath(), ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  return { ms: performance.now() - started, status: r.status, stderr: r.stderr };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

async function main(): Promise<Record<string, unknown>> {
  let kubeconfig = process.env.BOSUN_TEST_KUBECONFIG;
  let stop: (() => Promise<void>) | undefined;
  if (!kubeconfig) {
    const { startTestCluster } = await import('../testkit/testenv/cluster.ts');
    const cluster = await startTestCluster({ log: (line) => process.stderr.write(`${line}\n`) });
    kubeconfig = cluster.kubeconfigPath;
    stop = () => cluster.stop();
  }
  const work = mkdtempSync(join(tmpdir(), 'bosun-bench-cluster-'));
  const registryFile = join(work, 'clusters.yaml');
  writeFileSync(registryFile, `clusters:\n  bench:\n    kubeconfig: ${kubeconfig}\n`);
  const registry = parseClusterRegistry(`clusters:\n  bench:\n    kubeconfig: ${kubeconfig}\n`, registryFile);
  const env = { name: envName, prune: true, allowEmpty: false, forceConflicts: false, healthTimeoutSeconds: 60 };
  const asRendered = (objects: KubeObject[]): RenderedObject[] => objects.map((object) => ({ object }));
  const setupClient: ClusterClient = await connect(registry, 'bench');
  const say = (line: string): void => {
    process.stderr.write(`[bench:cluster] ${line}\n`);
  };

  try {
    // Namespaces exist beforehand: both tools are measured on the 500 objects only.
    for (let n = 0; n < namespaces; n++) {
      await setupClient.request({ method: 'PATCH', path: `/api/v1/namespaces/bench-${n}`, query: { fieldManager: 'bench-setup' }, contentType: 'application/apply-patch+yaml', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `bench-${n}` } }) });
    }
    const v1 = objectsFor(1);
    const v2 = objectsFor(2);
    const total = v1.length;
    writeManifests(join(work, 'v2'), v2);
    const reset = async (): Promise<void> => {
      const r = await applyEnvironment({ client: setupClient, env, objects: asRendered(v1), wait: false });
      if (!r.ok) throw new Error(`bench setup apply failed: ${r.notes.join('; ')} ${r.objects.filter((o) => o.action === 'failed').map((o) => o.error).join('; ')}`);
    };
    say(`setting up ${total} objects`);
    await reset();
    // Warm kubectl's on-disk discovery cache, as on any workstation that has run kubectl before.
    kubectl(kubeconfig, ['api-resources', '-o', 'name']);

    const previewKubectl: number[] = [];
    const previewBosun: number[] = [];
    let previewCounts: Record<string, number> = {};
    for (let i = 0; i < rounds; i++) {
      const k = kubectl(kubeconfig, ['diff', '--server-side', '--field-manager=bosun', '-f', join(work, 'v2')]);
      if (k.status !== 1) throw new Error(`kubectl diff exited ${k.status} (expected 1: differences found): ${k.stderr.slice(-500)}`);
      previewKubectl.push(k.ms);
      const b = await timed(async () => {
        const client = await connect(registry, 'bench');
        try {
          return await previewEnvironment({ client, env, objects: asRendered(v2) });
        } finally {
          client.close();
        }
      });
      if (!b.value.ok) throw new Error(`bosun preview found problems: ${b.value.objects.filter((o) => o.action === 'conflict' || o.action === 'rejected').slice(0, 3).map((o) => `${o.key}: ${o.message}`).join('; ')}`);
      previewCounts = b.value.counts;
      previewBosun.push(b.ms);
      say(`preview round ${i + 1}: kubectl ${Math.round(k.ms)} ms, bosun ${Math.round(b.ms)} ms`);
    }

    /** `kubectl apply --server-side` of v2's files, as bosun's field manager. */
    const kubectlApply = (): { ms: number } => {
      const k = kubectl(kubeconfig, ['apply', '--server-side', '--field-manager=bosun', '-f', join(work, 'v2')]);
      if (k.status !== 0) throw new Error(`kubectl apply exited ${k.status}: ${k.stderr.slice(-500)}`);
      return k;
    };
    /** bosun's apply of v2, timed from its connection to the cluster. */
    const bosunApply = async (): Promise<{ ms: number; value: Awaited<ReturnType<typeof applyEnvironment>> }> => {
      const b = await timed(async () => {
        const client = await connect(registry, 'bench');
        try {
          return await applyEnvironment({ client, env, objects: asRendered(v2), wait: false });
        } finally {
          client.close();
        }
      });
      if (!b.value.ok) throw new Error(`bosun apply failed: ${b.value.notes.join('; ')} ${b.value.objects.filter((o) => o.action === 'failed').slice(0, 3).map((o) => `${o.key}: ${o.error}`).join('; ')}`);
      return b;
    };

    const applyKubectl: number[] = [];
    const applyBosun: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await reset();
      const k = kubectlApply();
      applyKubectl.push(k.ms);
      await reset();
      const b = await bosunApply();
      applyBosun.push(b.ms);
      say(`apply round ${i + 1}: kubectl ${Math.round(k.ms)} ms, bosun ${Math.round(b.ms)} ms`);
    }

    // Re-applied unchanged (what every merge does to the environments it does not change and drift healing
    // does to one that did not drift): the objects' resourceVersions tell whether anything was written.
    const versions = async (): Promise<Map<string, string>> => {
      const out = new Map<string, string>();
      for (let n = 0; n < namespaces; n++) {
        for (const path of [`/api/v1/namespaces/bench-${n}/configmaps`, `/api/v1/namespaces/bench-${n}/services`, `/apis/apps/v1/namespaces/bench-${n}/deployments`]) {
          const list = await setupClient.request<{ items: KubeObject[] }>({ method: 'GET', path });
          for (const item of list.body.items) out.set(`${path}/${item.metadata?.name}`, String(item.metadata?.resourceVersion));
        }
      }
      return out;
    };
    const written = (before: Map<string, string>, after: Map<string, string>): number => [...after].filter(([key, version]) => before.get(key) !== version).length;
    const reapplyKubectl: number[] = [];
    const reapplyBosun: number[] = [];
    let reapply: { unchanged: number; kubectlWrites: number; bosunWrites: number } = { unchanged: 0, kubectlWrites: 0, bosunWrites: 0 };
    for (let i = 0; i < rounds; i++) {
      const beforeKubectl = await versions();
      const k = kubectlApply();
      reapplyKubectl.push(k.ms);
      const kubectlWrites = written(beforeKubectl, await versions());
      const beforeBosun = await versions();
      const b = await bosunApply();
      reapplyBosun.push(b.ms);
      reapply = { unchanged: b.value.counts.unchanged, kubectlWrites, bosunWrites: written(beforeBosun, await versions()) };
      say(`re-apply round ${i + 1}: kubectl ${Math.round(k.ms)} ms (${kubectlWrites} written), bosun ${Math.round(b.ms)} ms (${reapply.bosunWrites} written, ${reapply.unchanged} unchanged)`);
    }

    const best = (xs: number[]): number => Math.round(Math.min(...xs));
    return {
      benchmark: `cluster: ${total} objects (ConfigMaps, Deployments, Services) in ${namespaces} namespaces, half of them changed`,
      objects: total,
      concurrency: setupClient.concurrency,
      previewCounts,
      preview: { bosunMs: best(previewBosun), kubectlDiffMs: best(previewKubectl), ratio: Number((best(previewBosun) / best(previewKubectl)).toFixed(2)), bosunRunsMs: previewBosun.map(Math.round), kubectlRunsMs: previewKubectl.map(Math.round) },
      apply: { bosunMs: best(applyBosun), kubectlApplyMs: best(applyKubectl), ratio: Number((best(applyBosun) / best(applyKubectl)).toFixed(2)), bosunRunsMs: applyBosun.map(Math.round), kubectlRunsMs: applyKubectl.map(Math.round) },
      reapplyUnchanged: { bosunMs: best(reapplyBosun), kubectlApplyMs: best(reapplyKubectl), ratio: Number((best(reapplyBosun) / best(reapplyKubectl)).toFixed(2)), ...reapply },
    };
  } finally {
    for (let n = 0; n < namespaces; n++) await setupClient.request({ method: 'DELETE', path: `/api/v1/namespaces/bench-${n}` }).catch(() => undefined);
    await setupClient.request({ method: 'DELETE', path: `/api/v1/namespaces/bosun-system/configmaps/${inventoryName(envName)}` }).catch(() => undefined);
    setupClient.close();
    rmSync(work, { recursive: true, force: true });
    await stop?.();
  }
}

console.log(JSON.stringify(await main()));
