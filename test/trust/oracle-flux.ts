// Flux, as its controllers document it: kustomize-controller's build of a Kustomization (generated
// kustomization.yaml, targetNamespace, patches, images, components, postBuild substitution with
// substituteFrom), source-watcher's ArtifactGenerator copies, and helm-controller's render of a HelmRelease
// whose chart is in this repository. Anything else the oracle meets is an error: it never guesses.
import { existsSync, statSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { parse, stringify } from 'yaml';
import type { OracleDeployment } from './corpus.ts';
import { copyDir, freshDir, helmTemplate, kustomizeBuild, parseDocs, readDocs, type Obj } from './oracle-tools.ts';
import type { DeploymentState, OracleContext, Tree } from './oracle-types.ts';

const kustomizationFiles = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
/** Kustomization spec fields the oracle applies; any other field that changes the build stops it. */
const modelled = new Set(['interval', 'retryInterval', 'timeout', 'prune', 'wait', 'force', 'dependsOn', 'sourceRef', 'path', 'targetNamespace',
  'patches', 'images', 'components', 'postBuild', 'healthChecks', 'serviceAccountName', 'suspend', 'validation', 'decryption', 'commonMetadata']);

/**
 * oracle.yaml's `flux.appliedBy` (read here until corpus.ts's FluxRef declares it): the deployment whose
 * build applies this Kustomization. kustomize-controller applies the object as that build outputs it — its
 * spec.patches applied, then its postBuild substitution — so the oracle takes it from that deployment's objects.
 */
type FluxDeploymentRef = NonNullable<OracleDeployment['flux']> & { appliedBy?: string };

const field = (o: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), o);

export function findObject(docs: Obj[], apiPrefix: string, kind: string, name: string, namespace?: string): Obj | undefined {
  return docs.find((d) => d.kind === kind && typeof d.apiVersion === 'string' && d.apiVersion.startsWith(apiPrefix)
    && field(d, 'metadata', 'name') === name && (namespace === undefined || (field(d, 'metadata', 'namespace') ?? namespace) === namespace));
}

export async function renderFluxKustomization(ctx: OracleContext, d: OracleDeployment, tree: Tree): Promise<DeploymentState> {
  const ref: FluxDeploymentRef = d.flux!;
  // kustomize-controller applies the Kustomization its parent's build outputs: with builtBy, as real kustomize
  // edits it; with appliedBy, as the parent deployment applies it (patched and substituted).
  let docs: Obj[];
  if (ref.appliedBy) {
    const parent = await ctx.stateOf(ref.appliedBy, tree);
    docs = parent.kind === 'objects' ? parent.objects : [];
  } else {
    docs = ref.builtBy ? await kustomizeBuild(join(tree.dir, ref.builtBy), tree.dir) : await readDocs(join(tree.dir, ref.file));
  }
  const ks = findObject(docs, 'kustomize.toolkit.fluxcd.io/', 'Kustomization', ref.name);
  if (!ks) return { kind: 'absent' };
  const spec = (ks.spec ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(spec)) if (!modelled.has(key)) throw new Error(`oracle: ${d.env}: Kustomization spec.${key} is not modelled`);
  const namespace = String(field(ks, 'metadata', 'namespace') ?? 'flux-system');

  const sourceKind = field(spec, 'sourceRef', 'kind');
  const sourceName = String(field(spec, 'sourceRef', 'name'));
  let root: string;
  if (sourceKind === 'GitRepository') {
    if (sourceName !== 'flux-system') {
      const branch = ref.gitRepositories?.[sourceName];
      if (!branch) throw new Error(`oracle: ${d.env}: GitRepository ${sourceName} is not declared in oracle.yaml (gitRepositories)`);
      if (branch !== ctx.defaultBranch) return { kind: 'pinned', ref: `branch ${branch}` };
    }
    root = tree.dir;
  } else if (sourceKind === 'ExternalArtifact') {
    if (!ref.artifacts) throw new Error(`oracle: ${d.env}: source ExternalArtifact ${sourceName} but no artifacts file declared`);
    root = await buildArtifact(tree, ref.artifacts, sourceName, namespace);
  } else {
    throw new Error(`oracle: ${d.env}: source kind ${String(sourceKind)} is not modelled`);
  }

  const work = await copyDir(root, 'flux');
  const path = join(work, posix.normalize(String(spec.path ?? './').replace(/^\/+/, '') || '.'));
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`oracle: ${d.env}: path ${String(spec.path)} is not a folder`);
  await generateKustomization(path);
  await applySpec(path, spec);
  let objects = await kustomizeBuild(path, work);

  const postBuild = spec.postBuild as Record<string, unknown> | undefined;
  if (postBuild) {
    const vars: Record<string, string> = {};
    for (const from of (postBuild.substituteFrom ?? []) as Array<{ kind: string; name: string; optional?: boolean }>) {
      const found = await ctx.clusterObject(d, tree, from.kind, from.name, namespace);
      if (!found) {
        if (from.optional) continue;
        throw new Error(`oracle: ${d.env}: substituteFrom ${from.kind}/${from.name} is not in cluster ${d.cluster} (Flux would fail the Kustomization)`);
      }
      const data = (found.data ?? {}) as Record<string, string>;
      for (const [k, v] of Object.entries(data)) vars[k] = (from.kind === 'Secret' ? Buffer.from(v, 'base64').toString() : String(v)).replace(/\n/g, '');
    }
    for (const [k, v] of Object.entries((postBuild.substitute ?? {}) as Record<string, string>)) vars[k] = String(v).replace(/\n/g, '');
    // kustomize-controller substitutes only when there is at least one variable.
    if (Object.keys(vars).length > 0) objects = objects.map((o) => substituteObject(o, vars, d.env));
  }
  // spec.commonMetadata: set on every object's metadata after the build and the substitution, overriding theirs.
  const common = spec.commonMetadata as { labels?: Record<string, string>; annotations?: Record<string, string> } | undefined;
  if (common) {
    objects = objects.map((o) => {
      const meta = { ...((o.metadata ?? {}) as Record<string, unknown>) };
      for (const key of ['labels', 'annotations'] as const) if (common[key]) meta[key] = { ...((meta[key] ?? {}) as Record<string, string>), ...common[key] };
      return { ...o, metadata: meta };
    });
  }
  return { kind: 'objects', objects };
}

/** The kustomization kustomize-controller writes into a folder without one: every YAML file, and sub-folders that have their own. */
async function generateKustomization(dir: string): Promise<void> {
  if (kustomizationFiles.some((f) => existsSync(join(dir, f)))) return;
  const resources: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const e of (await readdir(at, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(at, e.name);
      if (e.isDirectory()) {
        if (kustomizationFiles.some((f) => existsSync(join(full, f)))) resources.push(`./${full.slice(dir.length + 1)}`);
        else await walk(full);
      } else if (/\.ya?ml$/.test(e.name)) resources.push(`./${full.slice(dir.length + 1)}`);
    }
  };
  await walk(dir);
  await writeFile(join(dir, 'kustomization.yaml'), stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources }));
}

/** What kustomize-controller adds to the kustomization file from the Kustomization's spec. */
async function applySpec(dir: string, spec: Record<string, unknown>): Promise<void> {
  const file = kustomizationFiles.map((f) => join(dir, f)).find((f) => existsSync(f))!;
  const k = (parse(await readFile(file, 'utf8')) ?? {}) as Record<string, unknown>;
  if (typeof spec.targetNamespace === 'string') k.namespace = spec.targetNamespace;
  if (Array.isArray(spec.patches)) k.patches = [...((k.patches as unknown[]) ?? []), ...spec.patches];
  if (Array.isArray(spec.images)) {
    const images = [...((k.images as Array<{ name: string }>) ?? [])];
    for (const image of spec.images as Array<{ name: string }>) {
      const at = images.findIndex((i) => i.name === image.name);
      if (at >= 0) images[at] = image;
      else images.push(image);
    }
    k.images = images;
  }
  if (Array.isArray(spec.components)) k.components = [...((k.components as unknown[]) ?? []), ...spec.components];
  await writeFile(file, stringify(k));
}

/** drone/envsubst as Flux uses it, for the forms the corpus uses: ${VAR}, ${VAR:=default}, ${VAR:-default}, ${VAR=default}. */
function substituteObject(o: Obj, vars: Record<string, string>, env: string): Obj {
  const marker = 'kustomize.toolkit.fluxcd.io/substitute';
  if (field(o, 'metadata', 'labels', marker) === 'disabled' || field(o, 'metadata', 'annotations', marker) === 'disabled') return o;
  const text = stringify(o);
  if (/(^|[^$])\$[A-Za-z_]/.test(text)) throw new Error(`oracle: ${env}: a bare $VAR (without braces) is not modelled`);
  const out = text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[=-])([^}]*))?\}/g, (_m, name: string, op: string | undefined, def: string | undefined) => {
    const value = vars[name];
    if (op === undefined) return value ?? '';
    if (op.startsWith(':')) return value === undefined || value === '' ? def ?? '' : value;
    return value === undefined ? def ?? '' : value;
  });
  return parseDocs(out, `${env}: substituted object`)[0];
}

/** An ExternalArtifact as source-watcher's ArtifactGenerator builds it from the flux-system GitRepository (this tree). */
async function buildArtifact(tree: Tree, file: string, artifact: string, namespace: string): Promise<string> {
  const generators = (await readDocs(join(tree.dir, file))).filter((o) => o.kind === 'ArtifactGenerator' && (field(o, 'metadata', 'namespace') ?? namespace) === namespace);
  for (const g of generators) {
    const aliases = new Map<string, string>();
    for (const s of (field(g, 'spec', 'sources') ?? []) as Array<{ alias: string; kind: string; name: string }>) {
      if (s.kind !== 'GitRepository' || s.name !== 'flux-system') throw new Error(`oracle: ArtifactGenerator source ${s.kind}/${s.name} is not modelled`);
      aliases.set(s.alias, tree.dir);
    }
    const spec = ((field(g, 'spec', 'artifacts') ?? []) as Array<{ name: string; copy: Array<{ from: string; to: string; exclude?: unknown }> }>).find((a) => a.name === artifact);
    if (!spec) continue;
    const out = await freshDir(`artifact-${artifact}`);
    for (const rule of spec.copy) {
      if (rule.exclude !== undefined) throw new Error('oracle: ArtifactGenerator copy exclude is not modelled');
      const from = /^@([^/]+)\/(.*)$/.exec(rule.from);
      const to = /^@artifact\/?(.*)$/.exec(rule.to);
      if (!from || !to || !aliases.has(from[1])) throw new Error(`oracle: ArtifactGenerator copy ${rule.from} → ${rule.to} is not modelled`);
      const src = aliases.get(from[1])!;
      const pattern = from[2];
      const target = join(out, to[1]);
      if (pattern.endsWith('/**')) {
        // The folder's whole content, keeping its structure below the folder.
        const folder = join(src, pattern.slice(0, -3));
        if (existsSync(folder)) {
          await mkdir(target, { recursive: true });
          await cp(folder, target, { recursive: true });
        }
      } else if (/\/\*\.ya?ml$/.test(pattern)) {
        const folder = join(src, dirname(pattern));
        const ext = pattern.slice(pattern.lastIndexOf('.'));
        await mkdir(target, { recursive: true });
        for (const f of existsSync(folder) ? await readdir(folder, { withFileTypes: true }) : []) {
          if (f.isFile() && f.name.endsWith(ext)) await cp(join(folder, f.name), join(target, f.name));
        }
      } else if (!pattern.includes('*')) {
        const dest = rule.to.endsWith('/') ? join(target, posix.basename(pattern)) : target;
        await mkdir(dirname(dest), { recursive: true });
        await cp(join(src, pattern), dest);
      } else {
        throw new Error(`oracle: ArtifactGenerator glob ${rule.from} is not modelled`);
      }
    }
    return out;
  }
  throw new Error(`oracle: no ArtifactGenerator in ${file} produces ExternalArtifact ${namespace}/${artifact}`);
}

/** helm-controller's render of a HelmRelease whose chart comes from the flux-system GitRepository (this tree). */
export async function renderHelmRelease(hr: Obj, d: OracleDeployment, tree: Tree): Promise<DeploymentState> {
  const spec = (hr.spec ?? {}) as Record<string, unknown>;
  const chartRef = spec.chartRef as { kind?: string; name?: string } | undefined;
  if (chartRef) {
    // helm-controller installs the chart of the OCIRepository / HelmChart named: fetched, never in this tree.
    const inputs = d.helmRelease?.remoteChartInputs;
    if (chartRef.kind !== 'OCIRepository' || !inputs?.length) throw new Error(`oracle: ${d.env}: HelmRelease chartRef ${String(chartRef.kind)} is modelled only for an OCIRepository with helmRelease.remoteChartInputs`);
    return { kind: 'opaque', inputs, why: `chart of OCIRepository ${String(chartRef.name)}, which the oracle does not fetch` };
  }
  const chart = field(spec, 'chart', 'spec') as Record<string, unknown> | undefined;
  const sourceKind = field(chart, 'sourceRef', 'kind');
  const sourceName = field(chart, 'sourceRef', 'name');
  if (sourceKind !== 'GitRepository' || sourceName !== 'flux-system') {
    // A fetched chart is opaque to the oracle, its valuesFrom sources declared among the inputs.
    const inputs = d.helmRelease?.remoteChartInputs;
    if (!inputs?.length) throw new Error(`oracle: ${d.env}: chart source ${String(sourceKind)}/${String(sourceName)} is not in this repository; declare helmRelease.remoteChartInputs`);
    return { kind: 'opaque', inputs, why: `chart \`${String(field(chart, 'chart'))}\` from ${String(sourceKind)} ${String(sourceName)}, which the oracle does not fetch` };
  }
  for (const key of ['valuesFrom', 'postRenderers']) if (spec[key] !== undefined) throw new Error(`oracle: ${d.env}: HelmRelease spec.${key} is not modelled`);
  const name = String(field(hr, 'metadata', 'name'));
  const targetNamespace = spec.targetNamespace as string | undefined;
  const namespace = targetNamespace ?? String(field(hr, 'metadata', 'namespace'));
  // helm-controller's default release name: [targetNamespace-]name.
  const release = (spec.releaseName as string | undefined) ?? (targetNamespace ? `${targetNamespace}-${name}` : name);
  const chartPath = posix.normalize(String(chart!.chart));
  const chartDir = join(tree.dir, chartPath);
  // helm-controller: chart.spec.valuesFiles (paths from the source's root) replace the chart's values.yaml,
  // merged in order. Modelled only when the first is the chart's own values.yaml: then helm template's
  // defaults plus the files in order are the same values.
  const valuesFiles = ((chart?.valuesFiles ?? []) as string[]).map((f) => posix.normalize(f));
  if (valuesFiles.length > 0 && valuesFiles[0] !== posix.join(chartPath, 'values.yaml')) {
    throw new Error(`oracle: ${d.env}: chart.spec.valuesFiles without the chart's own values.yaml first is not modelled`);
  }
  const objects = await helmTemplate({ root: tree.dir, chartDir, release, namespace, valueFiles: valuesFiles.slice(1).map((f) => join(tree.dir, f)), values: (spec.values ?? {}) as Record<string, unknown>, includeCrds: true });
  return { kind: 'objects', objects, defaultNamespace: namespace };
}
