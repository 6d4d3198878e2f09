// bosun's Helm chart (deploy/chart) as the tests see it: rendered by the real helm, parsed into objects,
// and the environment a pod of it would get, resolved from the rendered ConfigMaps and Secrets.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { helmPath, projectRoot } from '../../src/util/tools.ts';

const run = promisify(execFile);

export const chartDir = join(projectRoot, 'deploy', 'chart');

/** The value sets the chart is tested with (deploy/chart/ci/<name>-values.yaml), plus `default`. */
export const valueSets = ['default', ...readdirSync(join(chartDir, 'ci')).filter((f) => f.endsWith('-values.yaml')).map((f) => f.replace(/-values\.yaml$/, '')).sort()];

export function valuesFile(set: string): string[] {
  return set === 'default' ? [] : [join(chartDir, 'ci', `${set}-values.yaml`)];
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
};

export interface RenderOptions {
  release?: string;
  namespace?: string;
  /** A set name from `valueSets`, or none. */
  set?: string;
  /** Extra `--set-json` values: path → value. */
  values?: Record<string, unknown>;
  /** `--kube-version` (helm template's default is the version helm was built against). */
  kubeVersion?: string;
}

export interface Helm { code: number; stdout: string; stderr: string }

export async function helm(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Helm> {
  try {
    const r = await run(helmPath(), args, { cwd: projectRoot, env, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** helm's arguments for values: the set's file, then each `--set-json`. */
export function valueArgs(opts: Pick<RenderOptions, 'set' | 'values'>): string[] {
  return [
    ...valuesFile(opts.set ?? 'default').map((f) => `--values=${f}`),
    ...Object.entries(opts.values ?? {}).map(([path, value]) => `--set-json=${path}=${JSON.stringify(value)}`),
  ];
}

export async function helmTemplate(opts: RenderOptions = {}): Promise<Helm> {
  return helm(['template', opts.release ?? 'bosun', chartDir, `--namespace=${opts.namespace ?? 'bosun-system'}`,
    ...(opts.kubeVersion ? [`--kube-version=${opts.kubeVersion}`] : []), ...valueArgs(opts)]);
}

/** Renders and parses; throws with helm's message when the chart refuses the values. */
export async function render(opts: RenderOptions = {}): Promise<{ text: string; objects: K8sObject[] }> {
  const r = await helmTemplate(opts);
  if (r.code !== 0) throw new Error(`helm template failed (${r.code}): ${r.stderr}`);
  const objects = parseAllDocuments(r.stdout).map((d) => d.toJS() as K8sObject | null).filter((o): o is K8sObject => o !== null);
  return { text: r.stdout, objects };
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

export function get(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = find(objects, kind, name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered chart (has: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')})`);
  return found;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string } } }>;
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  securityContext?: Record<string, unknown>;
  ports?: Array<{ name: string; containerPort: number; protocol?: string }>;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  [key: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  volumes?: Array<Record<string, unknown> & { name: string }>;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  securityContext?: Record<string, unknown>;
  [key: string]: unknown;
}

export function podOf(deployment: K8sObject): { spec: PodSpec; annotations: Record<string, string> } {
  const template = (deployment.spec as { template: { metadata?: { annotations?: Record<string, string> }; spec: PodSpec } }).template;
  return { spec: template.spec, annotations: template.metadata?.annotations ?? {} };
}

/** A Secret's or ConfigMap's data as text (stringData and base64 data merged). */
export function dataOf(obj: K8sObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj.data as Record<string, string> | undefined) ?? {})) out[k] = obj.kind === 'Secret' ? Buffer.from(v, 'base64').toString('utf8') : v;
  Object.assign(out, (obj.stringData as Record<string, string> | undefined) ?? {});
  return out;
}

/**
 * The environment the kubelet would give `container`: envFrom ConfigMaps, then env (values and
 * secretKeyRefs), resolved from the rendered objects plus `external` Secrets (created out of band). A
 * missing optional key is left out, as the kubelet does; a missing required one throws.
 */
export function containerEnv(container: Container, objects: K8sObject[], external: K8sObject[] = []): Record<string, string> {
  const all = [...objects, ...external];
  const source = (kind: string, name: string): Record<string, string> | undefined => {
    const obj = find(all, kind, name);
    return obj ? dataOf(obj) : undefined;
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const data = source(from.configMapRef ? 'ConfigMap' : 'Secret', ref!.name);
    if (!data) throw new Error(`envFrom: ${ref!.name} is not in the rendered chart`);
    Object.assign(env, data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = e.value;
      continue;
    }
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    const data = source(e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref!.name);
    const value = data?.[ref!.key];
    if (value !== undefined) env[e.name] = value;
    else if (!e.valueFrom?.secretKeyRef?.optional) throw new Error(`${e.name}: ${ref!.name}/${ref!.key} does not exist`);
  }
  return env;
}
