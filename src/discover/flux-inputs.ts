import type { Environment } from '../model/environment.ts';
import { BosunError } from '../model/errors.ts';
import { artifactLayout, materializeArtifact, repoFoldersOf, repoPathsOf, type ArtifactLayout } from '../render/flux-artifact.ts';
import { renderTempDir } from '../render/temp-dir.ts';
import { RenderFailure } from '../render/types.ts';
import type { EnvInputs } from './types.ts';

type Collect = (root: string, env: Environment, cache?: Map<string, unknown>) => Promise<EnvInputs>;

/**
 * The inputs of a Flux environment whose files are an assembled artifact (flux-artifact.ts): its render's
 * inputs found in the assembled folder, mapped back to the repository files they were copied from (an
 * artifact folder to every repository folder that fills it, so a new file there counts), plus the
 * objects that define the artifact (GitRepository, ArtifactGenerator) and the `.sourceignore` files.
 */
export async function fluxArtifactInputs(root: string, env: Environment, collect: Collect): Promise<EnvInputs> {
  const spec = env.fluxSource!;
  let layout: ArtifactLayout;
  const temp = await renderTempDir('bosun-flux-inputs-');
  try {
    try {
      layout = artifactLayout(root, spec);
      await materializeArtifact(root, layout, temp.dir);
    } catch (error) {
      if (error instanceof RenderFailure) throw new BosunError({ ...error.problem, kind: 'render' });
      throw error;
    }
    let inner: EnvInputs;
    try {
      inner = await collect(temp.dir, { ...env, fluxSource: undefined, definedIn: undefined });
    } catch (error) {
      if (!(error instanceof BosunError)) throw error;
      const file = error.file ? repoPathsOf(layout, error.file)[0] : undefined;
      throw new BosunError({ ...error.toProblem(), file: file ?? env.definedIn?.file, line: file ? error.line : env.definedIn?.line, message: `${error.message} (in ${spec.label})` });
    }
    const files = new Set<string>([...spec.files, ...(spec.sourceIgnoreFiles ?? [])]);
    if (env.definedIn?.file) files.add(env.definedIn.file);
    for (const f of inner.files) for (const p of repoPathsOf(layout, f)) files.add(p);
    const dirs = new Set<string>();
    for (const d of inner.dirs) for (const p of repoFoldersOf(layout, d)) dirs.add(p);
    const sortedDirs = [...dirs].sort();
    const covered = (f: string) => sortedDirs.some((d) => d === '.' || f.startsWith(`${d}/`));
    const result: EnvInputs = {
      files: [...files].filter((f) => !covered(f)).sort(),
      dirs: sortedDirs.filter((d) => !sortedDirs.some((o) => o !== d && (o === '.' || d.startsWith(`${o}/`)))),
    };
    if (inner.unsure !== undefined) result.unsure = inner.unsure;
    return result;
  } finally {
    await temp.dispose();
  }
}
