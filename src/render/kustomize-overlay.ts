import { posix } from 'node:path';
import type { Environment } from '../model/environment.ts';
import { inRepo } from './files.ts';

/**
 * The kustomization bosun writes in a temp folder on top of the environment's own path to apply what the
 * GitOps tool would have added to it: Flux `targetNamespace`, `patches` and `components`, Argo CD
 * `kustomize` options.
 * Flux and Argo CD edit the kustomization file in their own checkout; bosun never writes into the repo,
 * so the same fields go into an overlay that lists the path (or, for Flux without a kustomization, the
 * generated resource list) as its resources. `envPath` turns a path relative to the environment's folder
 * (components, patch files) into one relative to the overlay. Undefined when there is nothing to add.
 */
export function overlayFields(env: Environment, envPath: (envRelative: string) => string): Record<string, unknown> | undefined {
  const k = env.kustomize ?? {};
  const fields: Record<string, unknown> = {};
  // Flux's targetNamespace lands in env.namespace; for Argo CD it is kustomize.namespace (destination.namespace
  // is only a default applied at sync time, never a rewrite of the manifests).
  const namespace = env.source === 'flux' ? env.namespace ?? k.namespace : k.namespace;
  if (namespace) fields.namespace = namespace;
  if (k.namePrefix) fields.namePrefix = k.namePrefix;
  if (k.nameSuffix) fields.nameSuffix = k.nameSuffix;
  if (k.commonLabels && Object.keys(k.commonLabels).length > 0) fields.commonLabels = k.commonLabels;
  if (k.commonAnnotations && Object.keys(k.commonAnnotations).length > 0) fields.commonAnnotations = k.commonAnnotations;
  if (k.images && k.images.length > 0) fields.images = k.images.map(parseImage);
  if (k.replicas && k.replicas.length > 0) fields.replicas = k.replicas.map((r) => ({ name: r.name, count: r.count }));
  if (k.components && k.components.length > 0) fields.components = k.components.map(envPath);
  if (k.patches && k.patches.length > 0) {
    // A patch file (Argo CD) is read by kustomize from where the source's kustomization would read it.
    fields.patches = k.patches.map((p) => ({ ...('patch' in p ? { patch: p.patch } : { path: envPath(p.path) }), ...(p.target ? { target: p.target } : {}) }));
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

/**
 * `kustomize edit set image` syntax, which Argo CD's `kustomize.images` uses:
 * `[name=]newName[:tag][@digest]`, or `name:tag` / `name@digest` to change only the tag or digest.
 * Objects (Flux `images` entries) pass through unchanged.
 */
export function parseImage(spec: unknown): Record<string, unknown> {
  if (typeof spec !== 'string') return (spec ?? {}) as Record<string, unknown>;
  const eq = spec.indexOf('=');
  const target = eq >= 0 ? spec.slice(eq + 1) : spec;
  let rest = target;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const name = eq >= 0 ? spec.slice(0, eq) : rest;
  const image: Record<string, unknown> = { name };
  if (rest !== name) image.newName = rest;
  if (tag !== undefined) image.newTag = tag;
  if (digest !== undefined) image.digest = digest;
  return image;
}

/**
 * The repository files of the environment's patch files (Argo CD `kustomize.patches[].path`), each refused
 * when it leaves the repository (kustomize runs with LoadRestrictionsNone, so this check is what keeps it in).
 */
export function overlayPatchFiles(root: string, env: Environment, envRepo: string): string[] {
  const out: string[] = [];
  for (const [i, p] of (env.kustomize?.patches ?? []).entries()) {
    if (!('path' in p)) continue;
    const repoPath = posix.normalize(posix.join(envRepo, p.path));
    inRepo(root, repoPath, { file: env.definedIn?.file, line: env.definedIn?.line, field: `kustomize.patches[${i}].path` });
    out.push(repoPath);
  }
  return out;
}
