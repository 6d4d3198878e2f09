import type { Environment } from '../model/environment.ts';
import { objectLimitFor, tooManyObjects } from './object-limits.ts';
import { RenderFailure, type RenderOptions } from './types.ts';

/**
 * Tool output (kustomize build, helm template) read while the tool runs (#10 item 4): runTool hands each
 * document (splitDocuments' text) to `onDocument`, which parses it at once into the renderer's items, and
 * the text is dropped; the whole stdout is never one string. Past the environment's object limit the tool
 * is stopped there and then ('stopped'). A document that does not parse is held: the rest of the output
 * drains unread, and the error is the renderer's only once the tool has ended well — a tool that fails is
 * reported as the tool's failure, as before.
 */
export class ToolDocuments<T> {
  private readonly items: T[] = [];
  private failure: { error: unknown } | undefined;
  private readonly limit: number;
  private readonly env: Pick<Environment, 'name' | 'definedIn'>;
  private readonly opts: Pick<RenderOptions, 'limits'>;
  private readonly parse: (text: string, push: (item: T) => void) => void;
  private readonly counted: number;

  /**
   * `opts` undefined: the tool is never stopped for its count — for a run whose objects may change count
   * after it (a HelmRelease's helm template, before its post-renderers). `counted`: objects the environment
   * already has from elsewhere (earlier files of a directory, a Fleet bundle's plain files), for a run
   * that makes only part of it and whose objects are only ever added to — the run stops once the two
   * together pass the limit.
   */
  constructor(env: Pick<Environment, 'name' | 'definedIn'>, opts: Pick<RenderOptions, 'limits'> | undefined, parse: (text: string, push: (item: T) => void) => void, counted = 0) {
    this.env = env;
    this.opts = opts ?? {};
    this.parse = parse;
    this.counted = counted;
    this.limit = opts ? objectLimitFor(opts.limits, 'perEnvironment').limit : Infinity;
  }

  /** For runTool: false stops the tool (over the object limit). */
  readonly onDocument = (text: string): boolean => {
    if (this.failure) return true;
    try {
      this.parse(text, (item) => this.items.push(item));
    } catch (e) {
      this.failure = { error: e };
      return true;
    }
    return this.counted + this.items.length <= this.limit;
  };

  /** The object-limit problem of a run that ended 'stopped'. */
  stoppedProblem(): RenderFailure {
    return new RenderFailure(tooManyObjects(this.env, this.counted + this.items.length, this.opts.limits, true) ?? { kind: 'internal', message: 'the render was stopped without a reason' });
  }

  /** The items, once the tool has ended 'ok' (throws what a document's parse threw). */
  result(): T[] {
    if (this.failure) throw this.failure.error;
    return this.items;
  }
}
