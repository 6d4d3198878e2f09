import type { Environment } from '../model/environment.ts';
import type { RenderedObject, SourceRef } from '../model/object.ts';
import { artifactLayout, materializeArtifact, repoPathsOf, type ArtifactLayout } from './flux-artifact.ts';
import { renderTempDir } from './temp-dir.ts';
import { RenderFailure, type RenderEnvironment, type RenderError, type RenderOptions, type RenderOutcome } from './types.ts';

/**
 * Renders a Flux environment from the artifact kustomize-controller would read (see flux-artifact.ts):
 * assembled in a temporary folder, rendered there like any checkout (sandbox included), and every file
 * of the result mapped back to the repository file it was copied from.
 */
export async function renderFluxArtifact(root: string, env: Environment, opts: RenderOptions, render: RenderEnvironment): Promise<RenderOutcome> {
  const spec = env.fluxSource!;
  let layout: ArtifactLayout;
  const temp = await renderTempDir('bosun-flux-artifact-');
  try {
    try {
      layout = artifactLayout(root, spec);
      await materializeArtifact(root, layout, temp.dir);
    } catch (error) {
      if (error instanceof RenderFailure) return { ok: false, error: { ...error.problem, file: error.problem.file ?? env.definedIn?.file, line: error.problem.file ? error.problem.line : env.definedIn?.line } };
      throw error;
    }
    const inner: Environment = { ...env, fluxSource: undefined };
    const outcome = await render(temp.dir, inner, opts);
    if (!outcome.ok) return { ok: false, error: mapError(layout, env, outcome.error) };
    return { ok: true, objects: outcome.objects.map((o) => (o.source ? { ...o, source: mapSource(layout, o.source) } : o)) };
  } finally {
    await temp.dispose();
  }
}

function repoFile(layout: ArtifactLayout, file: string): string | undefined {
  const sources = layout.files.get(file);
  return sources ? sources[sources.length - 1] : undefined;
}

function mapSource(layout: ArtifactLayout, ref: SourceRef): SourceRef {
  const file = repoFile(layout, ref.file);
  // A merged file (the generator's Merge strategy) has lines of its own: the line no longer applies.
  const merged = (layout.files.get(ref.file)?.length ?? 1) > 1;
  const out: SourceRef = { ...ref, file: file ?? ref.file };
  if (merged) delete out.line;
  if (ref.patches) out.patches = ref.patches.map((p) => ({ ...p, file: repoFile(layout, p.file) ?? p.file }));
  return out;
}

function mapError(layout: ArtifactLayout, env: Environment, error: RenderError): RenderError {
  const where = env.fluxSource!.label;
  if (error.kind === 'path' && error.field === 'path') {
    return { ...error, message: `spec.path "${env.path}" is not a folder in ${where}; fix the path or the copy operations that fill it` };
  }
  const file = error.file ? repoFile(layout, error.file) ?? repoPathsOf(layout, error.file)[0] : undefined;
  return { ...error, ...(file ? { file } : {}), message: `${error.message} (rendered from ${where})` };
}

/**
 * Flux `spec.commonMetadata`: kustomize-controller sets these labels and annotations on every object's
 * metadata after the build (ssautil SetCommonMetadata), overriding what the objects say; selectors and pod
 * templates are left alone.
 */
export function withCommonMetadata(env: Environment, objects: RenderedObject[]): RenderedObject[] {
  const common = env.commonMetadata;
  if (!common) return objects;
  return objects.map((r) => {
    const metadata = { ...(r.object.metadata ?? {}) };
    if (common.labels) metadata.labels = { ...(metadata.labels ?? {}), ...common.labels };
    if (common.annotations) metadata.annotations = { ...(metadata.annotations ?? {}), ...common.annotations };
    return { ...r, object: { ...r.object, metadata } };
  });
}
