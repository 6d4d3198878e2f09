import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Environment } from '../model/environment.ts';
import type { KubeObject } from '../model/object.ts';
import { kustomizePostBuild } from './kustomize-post-build.ts';
import { RenderFailure, type RenderOptions } from './types.ts';

/** A HelmRelease `postRenderers[].kustomize` (helm-controller api/v2 Kustomize). */
export interface KustomizePostRenderer {
  patches?: unknown[];
  /** Deprecated in v2, still honoured by helm-controller. */
  patchesStrategicMerge?: unknown[];
  patchesJson6902?: unknown[];
  images?: unknown[];
}

export interface PostRenderContext {
  tmp: string;
  index: number;
  opts: RenderOptions;
  at: { file: string; line: number };
  /** The environment the release belongs to, named when the output is too large. */
  env: Pick<Environment, 'name' | 'definedIn'>;
  /**
   * Set for the last post-renderer only, whose output is the release's objects (an earlier one's may
   * still lose some to a `$patch: delete`): the objects counted besides them (the CRDs), and kustomize
   * is stopped once the two together pass the environment's object limit.
   */
  counted?: number;
}

/**
 * One kustomize post-renderer as helm-controller runs it (internal/postrender/kustomize.go): the helm
 * output as the only resource of a kustomization holding the patches and images, built with plugins
 * off. Run with the real kustomize in the render sandbox; the patches are inline YAML, nothing is read
 * from the repository. Its output is read as it streams (tool-documents.ts).
 */
export async function postRenderKustomize(objects: KubeObject[], pr: KustomizePostRenderer, ctx: PostRenderContext): Promise<KubeObject[]> {
  const field = `spec.postRenderers[${ctx.index}].kustomize`;
  const dir = join(ctx.tmp, `post-render-${ctx.index}`);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'helm-output.yaml'), objects.map((o) => stringify(o)).join('---\n'));
  const kustomization: Record<string, unknown> = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['helm-output.yaml'] };
  const patches = list(pr.patches).filter(isMap).map((p) => ({ ...(typeof p.patch === 'string' ? { patch: p.patch } : {}), ...(isMap(p.target) ? { target: p.target } : {}) }));
  // Legacy fields as the same patches: a strategic merge patch object, a JSON 6902 list with its target.
  for (const p of list(pr.patchesStrategicMerge)) if (isMap(p)) patches.push({ patch: stringify(p) });
  for (const p of list(pr.patchesJson6902)) if (isMap(p) && Array.isArray(p.patch)) patches.push({ patch: JSON.stringify(p.patch), ...(isMap(p.target) ? { target: p.target } : {}) });
  if (patches.some((p) => !('patch' in p))) throw new RenderFailure({ kind: 'config', tool: 'kustomize', ...ctx.at, field, message: 'a post-renderer patch has no inline `patch`' });
  if (patches.length > 0) kustomization.patches = patches;
  const images = list(pr.images).filter(isMap);
  if (images.length > 0) kustomization.images = images;
  await writeFile(join(dir, 'kustomization.yaml'), JSON.stringify(kustomization));
  return kustomizePostBuild({ tmp: ctx.tmp, dir, opts: ctx.opts, at: { ...ctx.at, field }, who: "the HelmRelease's kustomize post-renderer", env: ctx.env, ...(ctx.counted === undefined ? {} : { counted: ctx.counted }) });
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
