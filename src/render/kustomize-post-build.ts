import type { Environment } from '../model/environment.ts';
import type { KubeObject } from '../model/object.ts';
import { kubectlPath } from '../util/tools.ts';
import { runTool } from './process.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { ToolDocuments } from './tool-documents.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type RenderOptions } from './types.ts';
import { parseYamlDocuments, requireObjects } from './yaml-docs.ts';

/** One kustomize build that post-renders a chart's output, made in a render temp folder. */
export interface PostBuild {
  /** The render's temporary folder: bound read-only into the sandbox, the build's only files. */
  tmp: string;
  /** The kustomization folder, inside `tmp`. */
  dir: string;
  opts: RenderOptions;
  /** Where a failure is reported: the object that asks for the post-render, and its field. */
  at: { file?: string; line?: number; field: string };
  /** Who post-renders, for the failure's wording ("the HelmRelease's kustomize post-renderer"). */
  who: string;
  /** The environment the objects belong to, named when the output is too large. */
  env: Pick<Environment, 'name' | 'definedIn'>;
  /**
   * Objects the environment has besides this build's output; set when the output is the environment's
   * final objects, so kustomize is stopped once the two together pass the environment's object limit.
   */
  counted?: number;
}

/**
 * `kubectl kustomize` of a kustomization a post-renderer wrote into a render temp folder (a HelmRelease's
 * `postRenderers[].kustomize`, a Fleet chart bundle's kustomize.dir), with the real kustomize in the render
 * sandbox (no network, the temp folder read-only), its output read as it streams (tool-documents.ts).
 */
export async function kustomizePostBuild(build: PostBuild): Promise<KubeObject[]> {
  const { tmp, opts, at } = build;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const output = new ToolDocuments(build.env, build.counted === undefined ? undefined : opts, (chunk: string, push: (object: KubeObject) => void) => {
    const parsed = parseYamlDocuments(chunk, 'post-renderer output');
    if (!parsed.ok) throw new RenderFailure({ ...parsed.error, ...at });
    const checked = requireObjects(parsed.docs, at.file ?? 'post-renderer output', 'kustomize');
    if (!checked.ok) throw new RenderFailure({ ...checked.error, ...at });
    for (const { object } of checked.objects) push(object);
  }, build.counted);
  const result = await runTool({
    command: kubectlPath(), args: ['kustomize', build.dir], cwd: tmp, env: toolEnv(tmp), limiter: opts.limiter, signal: opts.signal, timeoutMs,
    sandbox: { readOnly: [tmp], tools: [kubectlPath()] }, onDocument: output.onDocument,
  });
  if (result.status === 'failed') {
    const quoted = quoteToolOutput(result.stderr || result.stdout, { root: tmp, temp: [tmp] }, {});
    throw new RenderFailure({ kind: 'render', tool: 'kustomize', ...at, message: `${build.who} failed: ${quoted}` });
  }
  if (result.status === 'stopped') throw output.stoppedProblem();
  if (result.status !== 'ok') throw new RenderFailure({ ...abnormalEnd('kustomize', result, timeoutMs, at.file, build.env.name), ...at });
  return output.result();
}
