import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { parse } from 'yaml';
import { ChartFetchError } from '../charts/index.ts';
import type { Environment, RemoteChart } from '../model/environment.ts';
import { resolveInRepo } from '../util/paths.ts';
import { helmRenderer } from './helm.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';

/**
 * An Argo CD Application whose source is a chart from a Helm repository (`repoURL` + `chart` +
 * `targetRevision`: a version or a semver range) or an OCI registry, rendered as Argo CD's repo server
 * does: the chart fetched by bosun's chart fetcher (only from a source the operator allows or the base
 * branch declares; digest-cached), then `helm template` in the sandbox from the cache, read-only, with the
 * release name (the Application's name by default), `destination.namespace`, and the values: value files
 * in order (`$ref/…` files of this repository, other files of the chart), then `values` / `valuesObject`,
 * each merged over the last as helm merges `--values` files, then `parameters` as `--set` (render/helm.ts).
 *
 * A chart not fetched (a source the pull request introduced, one that cannot be reached, no chart fetcher)
 * leaves the environment not previewed, saying why; a chart or version the source does not have, or no
 * `targetRevision`, is a content error at that field of the Application. Objects are attributed to the
 * Application: the chart's own files are not in the repository.
 */
export const argocdRemoteChartRenderer: Renderer = {
  name: 'helm',
  async render(req: RenderRequest): Promise<RenderOutcome> {
    const remote = req.env.remoteChart!;
    const where = { file: req.env.definedIn?.file, line: remote.line ?? req.env.definedIn?.line };
    const label = describe(remote);
    if (!remote.source.version) {
      throw new RenderFailure({ kind: 'config', tool: 'helm', ...where, field: remote.versionField, message: `chart ${label}: targetRevision is not set; a chart from a Helm repository needs its version (or a range such as 1.2.*)` });
    }
    const charts = req.opts.charts;
    if (!charts) throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `chart ${label} not fetched: bosun runs without a chart fetcher here`, notPreviewed: true });
    let dir: string;
    let fetchedLabel: string;
    try {
      const fetched = await charts.fetch(remote.source, req.opts.signal ? { signal: req.opts.signal } : {});
      dir = fetched.dir;
      fetchedLabel = `${fetched.name} ${fetched.version}`;
    } catch (e) {
      if (!(e instanceof ChartFetchError)) throw e;
      if (e.reason !== 'missing') throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `chart not fetched: ${e.message}`, notPreviewed: true });
      const field = /^chart "[^"]*" is not in /.test(e.message) ? remote.chartField : remote.versionField;
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, field, message: `chart not found: ${e.message}` });
    }
    const values = await mergedValues(req, remote, dir);
    // The cache folder stands in for the repository: helm reads the chart from there, read-only.
    const env: Environment = {
      ...req.env,
      path: basename(dir),
      helm: { ...req.env.helm, valueFiles: [], values },
    };
    delete env.remoteChart;
    const outcome = await helmRenderer.render({ root: dirname(dir), env, dir, opts: req.opts, renderEnvironment: req.renderEnvironment });
    if (!outcome.ok) return { ok: false, error: { ...outcome.error, ...where, message: `chart ${fetchedLabel} (${label}): ${outcome.error.message}` } };
    const file = req.env.definedIn?.file ?? req.env.path;
    return { ok: true, objects: outcome.objects.map((o) => ({ ...o, source: { file, ...(where.line ? { line: where.line } : {}) } })) };
  },
};

function describe(remote: RemoteChart): string {
  const s = remote.source;
  return s.kind === 'repo' ? `${s.chart}${s.version ? ` ${s.version}` : ''} from ${s.repoUrl}` : `${s.ref}${s.version ? ` ${s.version}` : ''}`;
}

/** Value files (repository or chart), then the inline values and parameters, merged as helm merges `--values`. */
async function mergedValues(req: RenderRequest, remote: RemoteChart, chartDir: string): Promise<Record<string, unknown>> {
  let merged: Record<string, unknown> = {};
  const prefix = remote.versionField.replace(/\.targetRevision$/, '');
  for (const v of remote.valueFiles) {
    const where = { file: req.env.definedIn?.file, line: remote.line ?? req.env.definedIn?.line, field: `${prefix}.helm.valueFiles` };
    const abs = v.from === 'repo' ? resolveInRepo(req.root, v.path, where) : resolveInRepo(chartDir, v.path, where);
    const shown = v.from === 'repo' ? v.path : `${v.path} (in the chart)`;
    if (!existsSync(abs)) {
      if (req.env.helm?.ignoreMissingValueFiles) continue;
      throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `value file ${shown} does not exist` });
    }
    let parsed: unknown;
    try {
      parsed = parse(await readFile(abs, 'utf8'), { maxAliasCount: 100 });
    } catch (e) {
      const file = v.from === 'repo' ? v.path : where.file;
      throw new RenderFailure({ kind: 'render', tool: 'helm', file, message: `value file ${shown} is not valid YAML: ${(e as Error).message.split('\n')[0]}` });
    }
    if (parsed === null || parsed === undefined) continue;
    if (!isRecord(parsed)) throw new RenderFailure({ kind: 'render', tool: 'helm', ...(v.from === 'repo' ? { file: v.path } : where), message: `value file ${shown} is not a map of values` });
    merged = mergeMaps(merged, parsed);
  }
  return req.env.helm?.values ? mergeMaps(merged, req.env.helm.values) : merged;
}

/** helm's mergeMaps (pkg/cli/values): maps merge key by key, anything else in `over` replaces. */
function mergeMaps(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isRecord(v) && isRecord(b) ? mergeMaps(b, v) : v;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
