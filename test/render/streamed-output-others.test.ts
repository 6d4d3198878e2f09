// The last three renderers that read a tool's whole output before parsing it now read it as it streams
// (#10 item 4), like helm and kustomize: an Argo CD directory's jsonnet (JSON, an array's elements one by
// one), a Fleet raw bundle's templates/ (helm template of the chart Fleet makes) and a HelmRelease's
// kustomize post-renderer. For each: output past the byte cap stops with "<tool> output for <environment>
// exceeds N MB"; output past the object limit is stopped at the first object over it, counting the
// objects the environment has from elsewhere, with no process of the render left; the render returns and
// this process's memory stays bounded; a normal render gives the same objects as before.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { sandboxPolicy, setSandboxPolicy } from '../../src/render/sandbox.ts';
import type { RenderOptions, RenderOutcome } from '../../src/render/types.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();
const MiB = 1024 * 1024;

const savedPolicy = sandboxPolicy();
afterEach(() => {
  setSandboxPolicy({ outputBytes: savedPolicy.outputBytes });
});

/** This process's descendants still running (a stopped render must leave none). */
function descendants(): string[] {
  const parent = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z') parent.set(Number(pid), Number(fields[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: string[] = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        found.push(String(pid));
        break;
      }
    }
  }
  return found;
}

/** A render, with the peak growth of this process's resident memory while it ran. */
async function measured(root: string, env: Environment, opts: RenderOptions = {}): Promise<{ outcome: RenderOutcome; growthMb: number }> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  try {
    const outcome = await renderEnvironment(root, env, opts);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { outcome, growthMb: Math.round((peak - before) / MiB) };
  } finally {
    clearInterval(sample);
  }
}

function failure(outcome: RenderOutcome): { kind: string; file?: string; line?: number; field?: string; message: string } {
  if (outcome.ok) throw new Error(`expected a failed render, got ${outcome.objects.length} objects`);
  return outcome.error;
}

const stoppedAt = (env: string, limit: number) =>
  `${env} renders more than ${limit} objects (the render was stopped at object ${limit + 1}), over the limit of ${limit} per environment (BOSUN_MAX_OBJECTS); `
  + 'split it into smaller environments, or raise the limit if an environment this large is intended';

// ── jsonnet ──────────────────────────────────────────────────────────────────────────────────────────
const jsonnetEnv = environment({
  name: 'jsonnet-env', source: 'argocd', path: 'apps/j', render: 'plain', namespace: 'j',
  directory: { recurse: false, jsonnet: {} }, definedIn: { file: 'argocd/j.yaml', line: 3 },
});

/** `count` ConfigMaps, each holding `bytes` characters. */
const configMaps = (count: number, bytes = 10) =>
  `local filler = std.repeat("x", ${bytes});\n[{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-%d" % i }, data: { k: filler } } for i in std.range(0, ${count - 1})]\n`;

describe('jsonnet output read as it streams', () => {
  it('an array over the object limit is stopped at the first object over it, counting the folder\'s YAML files before it', async () => {
    const plain = Array.from({ length: 60 }, (_, i) => `apiVersion: v1\nkind: Secret\nmetadata: {name: s-${i}}\n`).join('---\n');
    const root = await repo({ 'apps/j/a.yaml': plain, 'apps/j/b.jsonnet': configMaps(500, 100) });
    const { outcome, growthMb } = await measured(root, jsonnetEnv, { limits: { perEnvironment: 100 } });
    expect(failure(outcome)).toEqual({ kind: 'render', file: 'argocd/j.yaml', line: 3, message: stoppedAt('jsonnet-env', 100) });
    expect(descendants()).toEqual([]);
    expect(growthMb).toBeLessThan(256);
  });

  it('output past the byte cap (64 MB by default) stops with "jsonnet output for <environment> exceeds 64 MB"', async () => {
    const root = await repo({ 'apps/j/bomb.jsonnet': configMaps(80, MiB) });
    const { outcome, growthMb } = await measured(root, jsonnetEnv);
    expect(failure(outcome)).toMatchObject({ kind: 'render', file: 'apps/j/bomb.jsonnet' });
    expect(failure(outcome).message).toMatch(/^jsonnet output for jsonnet-env exceeds 64 MB and was stopped \(BOSUN_RENDER_MAX_BYTES\)/);
    expect(descendants()).toEqual([]);
    expect(growthMb).toBeLessThan(512);
  }, 120_000);

  it('a normal render gives what jsonnet prints, parsed whole: an array\'s objects in order, or the one object', async () => {
    const text = '[{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c%d" % i }, data: { s: "ünï],{\\"\\\\ 名前 🚀" + i } } for i in std.range(0, 299)]\n';
    const root = await repo({ 'apps/j/a.jsonnet': text, 'apps/j/b.jsonnet': '{ apiVersion: "v1", kind: "Namespace", metadata: { name: "j" } }\n', 'apps/j/c.jsonnet': '[]\n' });
    const outcome = await renderEnvironment(root, jsonnetEnv, { limits: { perEnvironment: 301 } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const whole = (file: string) => {
      const value = JSON.parse(execFileSync('jsonnet', [`${root}/apps/j/${file}`], { encoding: 'utf8' })) as unknown;
      // The environment's namespace on every namespaced object, as for any renderer.
      const inNamespace = (object: { kind: string; metadata: object }) => (object.kind === 'Namespace' ? object : { ...object, metadata: { ...object.metadata, namespace: 'j' } });
      return (Array.isArray(value) ? value : [value]).map((object) => ({ object: inNamespace(object as { kind: string; metadata: object }), source: { file: `apps/j/${file}` } }));
    };
    expect(outcome.objects).toEqual([...whole('a.jsonnet'), ...whole('b.jsonnet')]);
  });

  it('an element that is not an object is named by its index', async () => {
    const root = await repo({ 'apps/j/a.jsonnet': '[{ apiVersion: "v1", kind: "Namespace", metadata: { name: "j" } }, [1]]\n' });
    expect(failure(await renderEnvironment(root, jsonnetEnv))).toMatchObject({ file: 'apps/j/a.jsonnet', message: 'jsonnet output item 1 is not a Kubernetes object (apiVersion and kind are required)' });
  });
});

// ── Fleet raw bundle templates/ ──────────────────────────────────────────────────────────────────────
const fleetCluster = { clusters: [{ name: 'dev', labels: { env: 'dev' } }], groups: [] };

/** A raw bundle: `plain` ConfigMaps in files, and a template printing `count` ConfigMaps of `bytes` characters. */
function fleetBundle(count: number, bytes: number, plain = 0): Record<string, string> {
  return {
    'bundle/fleet.yaml': 'defaultNamespace: b\nhelm:\n  releaseName: bundle\n',
    'bundle/templates/cms.yaml': `{{- range $i := until ${count} }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ $i }}\ndata:\n  k: {{ repeat ${bytes} "x" | quote }}\n{{- end }}\n`,
    'bundle/templates/last.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: last\n',
    ...Object.fromEntries(Array.from({ length: plain }, (_, i) => [`bundle/plain-${i}.yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain-${i}\n`])),
  };
}

async function fleetEnv(root: string): Promise<Environment> {
  const { environments } = await discoverEnvironments(root, { clusters: fleetCluster });
  const env = environments.find((e) => e.name === 'bundle@dev');
  if (!env) throw new Error(`no bundle@dev in ${environments.map((e) => e.name).join(', ')}`);
  return env;
}

describe('a Fleet bundle\'s templates/ read as it streams', () => {
  it('over the object limit: stopped at the first object over it, counting the bundle\'s plain files; 20 MB of output cost next to nothing', async () => {
    const root = await repo(fleetBundle(20_000, 1_000, 30));
    const env = await fleetEnv(root);
    const { outcome, growthMb } = await measured(root, env, { limits: { perEnvironment: 100 } });
    expect(failure(outcome)).toMatchObject({ kind: 'render', message: stoppedAt('bundle@dev', 100) });
    expect(failure(outcome).file).toBe(env.definedIn?.file);
    expect(descendants()).toEqual([]);
    // Read whole and parsed, as before, these 20,000 objects grew this process by about 100 MB (measured:
    // 212 MB for 40,000); stopped at object 101 it grows by a few MB.
    expect(growthMb).toBeLessThan(48);
  }, 120_000);

  it('past the byte cap: "helm output for <environment> exceeds 8 MB"', async () => {
    setSandboxPolicy({ outputBytes: 8 * MiB });
    const root = await repo(fleetBundle(12, MiB));
    const { outcome, growthMb } = await measured(root, await fleetEnv(root));
    expect(failure(outcome)).toMatchObject({ kind: 'render', file: 'bundle/templates/cms.yaml' });
    expect(failure(outcome).message).toMatch(/^helm output for bundle@dev exceeds 8 MB and was stopped \(BOSUN_RENDER_MAX_BYTES\)/);
    expect(descendants()).toEqual([]);
    expect(growthMb).toBeLessThan(256);
  });

  it('a normal render: every object in helm\'s order, each from its bundle file, then the plain files', async () => {
    const root = await repo(fleetBundle(300, 100, 2));
    const outcome = await renderEnvironment(root, await fleetEnv(root), { limits: { perEnvironment: 303 } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => [o.object.metadata?.name, o.object.metadata?.namespace, o.source?.file])).toEqual([
      ...Array.from({ length: 300 }, (_, i) => [`cm-${i}`, 'b', 'bundle/templates/cms.yaml']),
      ['last', 'b', 'bundle/templates/last.yaml'],
      ['plain-0', 'b', 'bundle/plain-0.yaml'],
      ['plain-1', 'b', 'bundle/plain-1.yaml'],
    ]);
  });
});

// ── HelmRelease kustomize post-renderer ──────────────────────────────────────────────────────────────
const fluxFiles = (release: string, count: number): Record<string, string> => ({
  'clusters/staging/flux-system/gotk-sync.yaml': 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 1m\n  url: https://github.com/acme/fleet\n  ref: {branch: main}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./clusters/staging\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n',
  'clusters/staging/apps.yaml': 'apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n',
  'apps/kustomization.yaml': 'resources:\n  - release.yaml\n',
  'apps/release.yaml': release,
  'charts/many/Chart.yaml': 'apiVersion: v2\nname: many\nversion: 0.1.0\n',
  'charts/many/templates/cms.yaml': `{{- range $i := until ${count} }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{{ $i }}\n{{- end }}\n`,
  'charts/many/crds/crd.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.acme.io}\nspec:\n  group: acme.io\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n',
});

/** A HelmRelease of charts/many with these post-renderers (YAML, indented under spec). */
const releaseWith = (postRenderers: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: many, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/many
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  postRenderers:
${postRenderers}`;

const label = (value: string) => `    - kustomize:\n        patches:\n          - target: {kind: ConfigMap}\n            patch: |\n              - op: add\n                path: /metadata/labels\n                value: {step: "${value}"}\n`;

async function releaseEnv(root: string): Promise<Environment> {
  const { environments } = await discoverEnvironments(root);
  const env = environments.find((e) => e.helmRelease);
  if (!env) throw new Error(`no HelmRelease environment in ${environments.map((e) => e.name).join(', ')}`);
  return env;
}

describe('a HelmRelease\'s kustomize post-renderer read as it streams', () => {
  it('the last post-renderer is stopped at the first object over the limit, the chart\'s CRD counted', async () => {
    const root = await repo(fluxFiles(releaseWith(label('one') + label('two')), 1_000));
    const env = await releaseEnv(root);
    const { outcome, growthMb } = await measured(root, env, { limits: { perEnvironment: 100 } });
    expect(failure(outcome)).toMatchObject({ kind: 'render', message: stoppedAt(env.name, 100) });
    expect(descendants()).toEqual([]);
    expect(growthMb).toBeLessThan(256);
  });

  it('past the byte cap: "kustomize output for <environment> exceeds 8 MB", at the post-renderer', async () => {
    setSandboxPolicy({ outputBytes: 8 * MiB });
    // The chart prints 40 small ConfigMaps; the patch adds 256 KB to each: 10 MB out of kustomize.
    const big = `    - kustomize:\n        patches:\n          - target: {kind: ConfigMap}\n            patch: |\n              - op: add\n                path: /data\n                value: {k: "${'x'.repeat(256 * 1024)}"}\n`;
    const root = await repo(fluxFiles(releaseWith(big), 40));
    const env = await releaseEnv(root);
    const { outcome, growthMb } = await measured(root, env);
    expect(failure(outcome)).toMatchObject({ kind: 'render', file: 'apps/release.yaml', field: 'spec.postRenderers[0].kustomize' });
    expect(failure(outcome).message).toMatch(new RegExp(`^kustomize output for ${env.name} exceeds 8 MB and was stopped \\(BOSUN_RENDER_MAX_BYTES\\)`));
    expect(descendants()).toEqual([]);
    expect(growthMb).toBeLessThan(256);
  });

  it('a normal render: every object through both post-renderers, in kustomize\'s order, the CRD apart', async () => {
    const root = await repo(fluxFiles(releaseWith(label('one') + label('two')), 200));
    const env = await releaseEnv(root);
    const outcome = await renderEnvironment(root, env, { limits: { perEnvironment: 201 } });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => `${o.object.kind} ${o.object.metadata?.name} ${o.object.metadata?.labels?.step ?? '-'} ${o.source?.file}`)).toEqual([
      'CustomResourceDefinition widgets.acme.io - charts/many/crds/crd.yaml',
      ...Array.from({ length: 200 }, (_, i) => `cm-${i}`).sort().map((name) => `ConfigMap ${name} two charts/many/templates/cms.yaml`),
    ]);
  });
});
