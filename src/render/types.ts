import type { ChartFetcher } from '../charts/index.ts';
import type { Environment } from '../model/environment.ts';
import type { Problem } from '../model/errors.ts';
import type { RenderedObject } from '../model/object.ts';
import type { Limiter } from '../util/limit.ts';
import type { ObjectLimits } from './object-limits.ts';

export type RenderTool = 'kustomize' | 'helm' | 'yaml' | 'jsonnet';

/**
 * `notPreviewed`: the render could not be judged rather than failed on the content (a remote chart that
 * could not be fetched: unreachable, refused, timed out): the plan lists the environment as not previewed
 * with this message as why (exit 3), not as a render error (exit 1). `cancelled`: the render was stopped
 * through its abort signal (the plan's time budget spent, a newer head) — says nothing about the content,
 * and is never cached.
 */
export type RenderError = Problem & { tool?: RenderTool; notPreviewed?: true; cancelled?: true };

export type RenderOutcome = { ok: true; objects: RenderedObject[] } | { ok: false; error: RenderError };

export interface RenderOptions {
  /** Bounds concurrent child processes; defaults to one process-wide limiter of availableParallelism()*2. */
  limiter?: Limiter;
  signal?: AbortSignal;
  /** Per child process; default 120 s. */
  timeoutMs?: number;
  /** Object count bound checked after every render (object-limits.ts); defaults when absent. */
  limits?: ObjectLimits;
  /** Fetches remote charts (HelmReleases, kustomize helmCharts) from allowed sources; absent: none is fetched. */
  charts?: ChartFetcher;
}

/** Renders one environment of a checkout the way every environment is rendered (render-environment.ts). */
export type RenderEnvironment = (root: string, env: Environment, opts: RenderOptions) => Promise<RenderOutcome>;

/** What a renderer gets: the checkout folder, the environment, and the absolute folder of its path. */
export interface RenderRequest {
  root: string;
  env: Environment;
  /** Absolute path of `env.path` inside `root` (already checked not to escape the repository). */
  dir: string;
  opts: RenderOptions;
  /**
   * How another environment is rendered (a HelmRelease's parent Kustomization): handed down by
   * render-environment.ts, which selects the renderers, so that no renderer imports it back.
   */
  renderEnvironment: RenderEnvironment;
}

/** One way of turning a folder into objects. Adding Helm-from-OCI later is a new file with this shape. */
export interface Renderer {
  readonly name: 'plain' | 'kustomize' | 'flux-generated' | 'helm' | 'directory' | 'helm-release' | 'fleet' | 'argocd-plugin' | 'argocd-pinned';
  render(req: RenderRequest): Promise<RenderOutcome>;
}

/** Thrown inside renderers and turned into `{ ok: false }` at the edge, so no throw escapes for bad input. */
export class RenderFailure extends Error {
  readonly problem: RenderError;
  constructor(problem: RenderError) {
    super(problem.message);
    this.name = 'RenderFailure';
    this.problem = problem;
  }
}
