import { createHash } from 'node:crypto';
import type { Environment } from '../model/environment.ts';

export interface InputSet {
  files: string[];
  dirs: string[];
}

/**
 * A tree listing sorted by path, so the blobs under a folder are one contiguous range (binary search),
 * which keeps keying 400 environments over a large repo cheap.
 */
export class TreeIndex {
  readonly paths: string[];
  readonly blobs: Map<string, string>;

  constructor(blobs: Map<string, string>) {
    this.blobs = blobs;
    this.paths = [...blobs.keys()].sort();
  }

  /** Blob ids of every file at or below `dir` ('.' = the whole repo), in path order. */
  *under(dir: string): Generator<[string, string]> {
    if (dir === '.' || dir === '') {
      for (const p of this.paths) yield [p, this.blobs.get(p)!];
      return;
    }
    const prefix = `${dir.replace(/\/+$/, '')}/`;
    let lo = 0;
    let hi = this.paths.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.paths[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.paths.length && this.paths[i].startsWith(prefix); i++) yield [this.paths[i], this.blobs.get(this.paths[i])!];
  }
}

/** The render settings of an environment: everything that changes the output except where it is defined. */
function renderSettings(env: Environment): unknown {
  return {
    name: env.name,
    source: env.source,
    path: env.path,
    render: env.render,
    namespace: env.namespace,
    // helm's .Capabilities.KubeVersion for a .bosun.yaml chart (render/helm.ts).
    kubernetesVersion: env.kubernetesVersion,
    helm: env.helm,
    kustomize: env.kustomize,
    substitute: env.substitute,
    helmRelease: env.helmRelease,
    remoteChart: env.remoteChart,
    // A chart fetched by range may resolve to a newer release: such renders are reused for ten minutes at most.
    charts: (env.helmRelease && env.helmRelease.chart.kind !== 'repository') || env.fleet?.helm?.remote || env.remoteChart ? Math.floor(Date.now() / 600_000) : undefined,
  };
}

/**
 * Content key of a render: the environment's render settings plus the git blob ids of every input.
 * Two renders with the same key produce the same objects, so base and head (or two environments)
 * with identical inputs are rendered once.
 */
export function renderKey(env: Environment, inputs: InputSet, tree: TreeIndex): string {
  return keyOf(JSON.stringify(renderSettings(env)), inputs, tree);
}

/**
 * The key under which environments that differ only in name share a render: a Flux Kustomization's build
 * (kustomize, or the kustomization Flux generates) never reads its name, so 9,999 Kustomizations of one
 * folder are one render, not 9,999 (issue 10). Everything else of the environment is in the key (its
 * definition's line left out), so two that differ in anything but the name never share. Undefined for
 * renderers that use the name (a chart's release name, Argo CD's $ARGOCD_APP_NAME).
 */
export function sharedRenderKey(env: Environment, inputs: InputSet, tree: TreeIndex): string | undefined {
  if (env.source !== 'flux' || env.helmRelease || env.render === 'helm') return undefined;
  const settings = { ...env, name: undefined, definedIn: env.definedIn?.file, shared: true };
  return keyOf(JSON.stringify(settings), inputs, tree);
}

function keyOf(settings: string, inputs: InputSet, tree: TreeIndex): string {
  const h = createHash('sha256');
  h.update(settings);
  const seen = new Set<string>();
  const add = (path: string, blob: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    h.update(`\n${path}\0${blob}`);
  };
  for (const dir of [...inputs.dirs].sort()) for (const [p, b] of tree.under(dir)) add(p, b);
  for (const file of [...inputs.files].sort()) add(file, tree.blobs.get(file) ?? 'missing');
  return h.digest('hex');
}
