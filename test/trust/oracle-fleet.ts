// Rancher Fleet, as its documentation describes a bundle (a folder with fleet.yaml) on one cluster: the first
// targetCustomization whose clusterName or clusterSelector matches the cluster applies (its helm values
// merged over the bundle's, its kustomize.dir or yaml.overlays instead of the bundle's); a local chart is
// rendered with helm (Chart.yaml in the bundle or helm.chart inside its folder) and then, when kustomize.dir
// holds a kustomization, run through it as fleet-manifests.yaml; a kustomize folder with kustomize, otherwise
// the raw manifests of the folder (fleet.yaml and overlays/ excluded), with each overlay's `<file>_patch.yaml`
// patching `<file>.yaml` and its other files added or replacing theirs. `namespace` forces the namespace of
// every namespaced object, `defaultNamespace` (default `default`) fills it where none is set.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse, stringify } from 'yaml';
import type { OracleDeployment } from './corpus.ts';
import { copyDir, filesIn, helmTemplate, kustomizeBuild, parseDocs, type Obj } from './oracle-tools.ts';
import type { DeploymentState, Tree } from './oracle-types.ts';

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Values (and JSON merge patches, RFC 7386): maps merge key by key, anything else replaces; null deletes. */
function merge(base: unknown, patch: unknown): unknown {
  if (!isRec(patch)) return patch;
  const out: Rec = isRec(base) ? { ...base } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = merge(out[k], v);
  }
  return out;
}

function matches(c: Rec, cluster: string, labels: Record<string, string>): boolean {
  if (c.clusterGroup !== undefined || c.clusterGroupSelector !== undefined) throw new Error('oracle: Fleet cluster groups are not modelled');
  if (typeof c.clusterName === 'string') return c.clusterName === cluster;
  const selector = c.clusterSelector as Rec | undefined;
  if (!selector) return false;
  if (selector.matchExpressions !== undefined) throw new Error('oracle: Fleet clusterSelector.matchExpressions is not modelled');
  return Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(([k, v]) => labels[k] === v);
}

export async function renderFleetBundle(d: OracleDeployment, labels: Record<string, string>, tree: Tree): Promise<DeploymentState> {
  const { bundle, cluster } = d.fleet!;
  const dir = join(tree.dir, bundle);
  const fleetYaml = join(dir, 'fleet.yaml');
  if (!existsSync(fleetYaml)) return { kind: 'absent' };
  const spec = (parse(await readFile(fleetYaml, 'utf8')) ?? {}) as Rec;
  for (const key of Object.keys(spec)) {
    if (!['namespace', 'defaultNamespace', 'helm', 'kustomize', 'yaml', 'targetCustomizations', 'labels'].includes(key)) throw new Error(`oracle: ${d.env}: fleet.yaml ${key} is not modelled`);
  }
  const custom = ((spec.targetCustomizations ?? []) as Rec[]).find((c) => matches(c, cluster, labels));
  const helm = merge(spec.helm ?? {}, custom?.helm ?? {}) as Rec;
  const kustomizeDir = ((custom?.kustomize as Rec | undefined)?.dir ?? (spec.kustomize as Rec | undefined)?.dir) as string | undefined;
  const overlays = ((custom?.yaml as Rec | undefined)?.overlays ?? (spec.yaml as Rec | undefined)?.overlays ?? []) as string[];
  const forced = (custom?.namespace ?? spec.namespace) as string | undefined;
  const namespace = forced ?? ((custom?.defaultNamespace ?? spec.defaultNamespace ?? 'default') as string);

  let objects: Obj[];
  // A Bundle holds the files of its own folder; the agent looks for `<helm.chart>/Chart.yaml` among them
  // (fleet.rancher.io: "chart: a path relative to the fleet.yaml"; rancher/fleet#270, #4693: a chart reached
  // by ../ is not rendered, the folder is deployed as it is).
  const chartPath = typeof helm.chart === 'string' ? posix.normalize(helm.chart).replace(/^\/+/, '') : '.';
  const chartDir = chartPath !== '..' && !chartPath.startsWith('../') && existsSync(join(dir, chartPath, 'Chart.yaml')) ? join(dir, chartPath) : undefined;
  if (chartDir) {
    if (typeof helm.releaseName !== 'string') throw new Error(`oracle: ${d.env}: set helm.releaseName in fleet.yaml (Fleet's default name is derived from the GitRepo)`);
    for (const key of Object.keys(helm)) if (!['chart', 'releaseName', 'values', 'valuesFiles'].includes(key)) throw new Error(`oracle: ${d.env}: fleet.yaml helm.${key} is not modelled`);
    objects = await helmTemplate({
      root: tree.dir,
      chartDir,
      release: helm.releaseName,
      namespace,
      valueFiles: ((helm.valuesFiles ?? []) as string[]).map((f) => join(dir, f)),
      values: (helm.values ?? {}) as Rec,
      includeCrds: true,
    });
    // The agent's Helm post-render (fleet.rancher.io "Using Helm and Kustomize together"; rancher/fleet
    // internal/helmdeployer/kustomize/kustomize.go): the chart's output as fleet-manifests.yaml in
    // kustomize.dir, first in its kustomization's resources, built from the bundle's files.
    if (kustomizeDir !== undefined && existsSync(join(dir, kustomizeDir, 'kustomization.yaml'))) {
      if (objects.some((o) => isRec(o.metadata) && isRec(o.metadata.annotations) && 'helm.sh/hook' in o.metadata.annotations)) throw new Error(`oracle: ${d.env}: Helm hooks in a post-rendered chart are not modelled`);
      const copy = await copyDir(dir, 'fleet-post-render-');
      const at = join(copy, kustomizeDir);
      const k = (parse(await readFile(join(at, 'kustomization.yaml'), 'utf8')) ?? {}) as Rec;
      const resources = (k.resources ?? []) as string[];
      if (!resources.includes('fleet-manifests.yaml')) k.resources = ['fleet-manifests.yaml', ...resources];
      await writeFile(join(at, 'kustomization.yaml'), stringify(k));
      await writeFile(join(at, 'fleet-manifests.yaml'), objects.map((o) => stringify(o)).join('---\n'));
      objects = await kustomizeBuild(at, copy);
    }
  } else if (kustomizeDir !== undefined || existsSync(join(dir, 'kustomization.yaml'))) {
    objects = await kustomizeBuild(join(dir, kustomizeDir ?? '.'), tree.dir);
  } else {
    const files = new Map<string, Obj[]>();
    for (const f of await filesIn(dir, true)) {
      if (f === 'fleet.yaml' || f.startsWith('overlays/') || !/\.ya?ml$/.test(f)) continue;
      files.set(f, parseDocs(await readFile(join(dir, f), 'utf8'), `${bundle}/${f}`));
    }
    for (const overlay of overlays) {
      for (const f of await filesIn(join(dir, 'overlays', overlay), true)) {
        const docs = parseDocs(await readFile(join(dir, 'overlays', overlay, f), 'utf8'), `${bundle}/overlays/${overlay}/${f}`);
        const patched = /^(.*)_patch(\.ya?ml)$/.exec(f);
        if (!patched) {
          files.set(f, docs);
          continue;
        }
        const target = [...files.keys()].find((k) => k === `${patched[1]}.yaml` || k === `${patched[1]}.yml`);
        if (!target) throw new Error(`oracle: ${d.env}: overlay ${overlay}/${f} patches a file the bundle does not have`);
        files.set(target, files.get(target)!.map((o, i) => (i === 0 ? (merge(o, docs[0]) as Obj) : o)));
      }
    }
    objects = [...files.values()].flat();
  }
  if (forced) {
    objects = objects.map((o) => (isRec(o.metadata) && o.metadata.namespace !== undefined ? { ...o, metadata: { ...o.metadata, namespace: forced } } : o));
  }
  return { kind: 'objects', objects, defaultNamespace: namespace };
}
