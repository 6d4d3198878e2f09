import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Environment } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import { namespaceProblem, releaseNameProblem } from '../util/argument-rules.ts';
import { helmPath } from '../util/tools.ts';
import { inRepo } from './files.ts';
import { runTool } from './process.ts';
import { renderTempDir } from './temp-dir.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { ToolDocuments } from './tool-documents.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type RenderOptions } from './types.ts';
import { helmTemplateParser } from './helm-output.ts';

/**
 * The `templates/` folder of a raw-YAML Fleet bundle, which Fleet turns into the templates of a chart
 * it writes itself (rancher/fleet internal/helmdeployer/render/helm.go `manifests` and `addChartYAML`):
 * a Chart.yaml named after the bundle, only the `.yaml`/`.yml`/`.json` files of `templates/` (so no
 * `_helpers.tpl`), rendered with the bundle's helm values into its release and namespace. bosun copies
 * those files into a temporary chart and runs `helm template` on it in the render sandbox. The chart's
 * version is fixed (Fleet's carries the commit, which would change `.Chart.Version` on every commit).
 * helm's output is read as it streams (tool-documents.ts), stopped once it and the `counted` objects of
 * the bundle's other files pass the environment's object limit.
 */
export async function renderBundleTemplates(
  root: string,
  templates: ReadonlyMap<string, string>,
  chart: { name: string; release: string; namespace: string; values: Record<string, unknown>; where: { file?: string; line?: number } },
  opts: RenderOptions,
  of: { env: Pick<Environment, 'name' | 'definedIn'>; counted: number },
): Promise<RenderedObject[]> {
  if (templates.size === 0) return [];
  const releaseProblem = releaseNameProblem(chart.release);
  if (releaseProblem) throw new RenderFailure({ kind: 'config', tool: 'helm', ...chart.where, field: 'helm.releaseName', message: `${releaseProblem}; set a valid helm.releaseName` });
  const nsProblem = namespaceProblem(chart.namespace);
  if (nsProblem) throw new RenderFailure({ kind: 'config', tool: 'helm', ...chart.where, field: 'defaultNamespace', message: nsProblem });
  const chartName = chartNameOf(chart.name);
  const temp = await renderTempDir('bosun-fleet-chart-');
  const tmp = temp.dir;
  try {
    const chartDir = join(tmp, 'chart');
    await mkdir(join(chartDir, 'templates'), { recursive: true });
    await writeFile(join(chartDir, 'Chart.yaml'), JSON.stringify({ apiVersion: 'v2', name: chartName, version: '0.0.0' }));
    const back = new Map<string, string>();
    for (const [name, file] of templates) {
      const dest = join(chartDir, name);
      await mkdir(dirname(dest), { recursive: true });
      // inRepo refuses a file that left the repository by a symlink before anything is copied.
      await copyFile(inRepo(root, file), dest);
      back.set(`${chartName}/${name}`, file);
    }
    const args = ['template', `--namespace=${chart.namespace}`, '--include-crds', '--skip-tests'];
    if (Object.keys(chart.values).length > 0) {
      const valuesFile = join(tmp, 'values.json');
      await writeFile(valuesFile, JSON.stringify(chart.values));
      args.push(`--values=${valuesFile}`);
    }
    args.push('--', chart.release, chartDir);
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const first = [...templates.values()][0];
    const output = new ToolDocuments(of.env, opts, outputParser(back, first), of.counted);
    const result = await runTool({
      command: helmPath(), args, cwd: tmp, env: toolEnv(tmp), limiter: opts.limiter, signal: opts.signal, timeoutMs,
      sandbox: { readOnly: [tmp], tools: [helmPath()] }, onDocument: output.onDocument,
    });
    if (result.status === 'failed') {
      const quoted = quoteToolOutput(result.stderr || result.stdout, { root, temp: [tmp], aliases: [...back].map(([from, to]) => [from, to]) });
      throw new RenderFailure({ kind: 'render', tool: 'helm', file: fileNamed(quoted, back) ?? first, message: `helm template of the bundle's templates/ failed: ${quoted}` });
    }
    if (result.status === 'stopped') throw output.stoppedProblem();
    if (result.status !== 'ok') throw new RenderFailure(abnormalEnd('helm', result, timeoutMs, first, of.env.name));
    return output.result();
  } finally {
    await temp.dispose();
  }
}

/**
 * Reads helm's output one document at a time; each object points at the bundle file its template was copied
 * from, and is a template of the chart Fleet's Helm installs (RenderedObject.helmTemplate: it may be a hook).
 */
function outputParser(back: ReadonlyMap<string, string>, first: string): (chunk: string, push: (object: RenderedObject) => void) => void {
  return helmTemplateParser((template) => (template === undefined ? first : back.get(template) ?? first), (object, file) => ({ object, source: { file }, helmTemplate: true as const }));
}

/** Fleet names the chart after the part of the bundle's name after its last `/` (kv.RSplit). */
function chartNameOf(bundle: string): string {
  const tail = bundle.slice(bundle.lastIndexOf('/') + 1);
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(tail) ? tail : 'bundle';
}

function fileNamed(message: string, back: ReadonlyMap<string, string>): string | undefined {
  for (const [inChart, file] of back) if (message.includes(inChart) || message.includes(file)) return file;
  return undefined;
}
