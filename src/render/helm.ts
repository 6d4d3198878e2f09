import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Environment } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import { namespaceProblem, releaseNameProblem, valueFileProblem } from '../util/argument-rules.ts';
import { toRepoPath } from '../util/paths.ts';
import { helmPath } from '../util/tools.ts';
import { checkChartFolder } from './chart-checks.ts';
import { missingDependencies, withDependencies } from './helm-dependencies.ts';
import { inRepo } from './files.ts';
import { runTool } from './process.ts';
import { renderTempDir } from './temp-dir.ts';
import { abnormalEnd, quoteToolOutput } from './tool-error.ts';
import { toolEnv } from './tool-env.ts';
import { RenderFailure, type Renderer, type RenderOutcome, type RenderRequest } from './types.ts';
import { ToolDocuments } from './tool-documents.ts';
import { helmTemplateParser } from './helm-output.ts';
import { parseYamlDocuments } from './yaml-docs.ts';

const defaultTimeoutMs = 120_000;

/**
 * `helm template` of a chart folder in the repository, as Argo CD renders a Helm source: value files are
 * relative to the chart folder, inline values come last, CRDs are included, chart tests are not (neither
 * Argo CD nor Flux applies them). Every object points at the template it came from (no line: templates are
 * not what gets applied).
 */
export const helmRenderer: Renderer = {
  name: 'helm',
  async render({ root, env, dir, opts }: RenderRequest): Promise<RenderOutcome> {
    const chartRepo = toRepoPath(root, dir);
    const chartFile = posix.join(chartRepo, 'Chart.yaml');
    const chart = await readChart(root, chartFile);
    const missing = missingDependencies(root, chartRepo, chartFile, chart);
    checkChartFolder(root, chartRepo, 'helm');
    const release = checkedReleaseName(env);
    const namespace = checkedNamespace(env);

    const temp = await renderTempDir('bosun-helm-');
    const tmp = temp.dir;
    try {
      // Dependencies not vendored: built into a copy of the chart, as Argo CD's `helm dependency build` does.
      const chartDir = missing.dependencies.length === 0 ? dir : await withDependencies({ root, chartRepo, missing, charts: opts.charts, tmp, ...(opts.signal ? { signal: opts.signal } : {}) });
      // Options only in `--name=value` form and positionals after `--`: nothing from the repository can
      // be read by helm as an option, whatever it looks like.
      // Argo CD `helm.skipCrds` leaves the chart's crds/ out; by default it applies them.
      const args = ['template', `--namespace=${namespace}`, env.helm?.skipCrds ? '--skip-crds' : '--include-crds', '--skip-tests'];
      (env.helm?.valueFiles ?? []).forEach((vf, i) => {
        const where = { file: env.definedIn?.file, line: env.definedIn?.line, field: `helm.valueFiles[${i}]` };
        const csv = valueFileProblem(vf);
        if (csv) throw new RenderFailure({ kind: 'config', tool: 'helm', ...where, message: csv });
        const abs = inRepo(root, posix.normalize(posix.join(chartRepo, vf)), where);
        if (!existsSync(abs) && env.helm?.ignoreMissingValueFiles) return; // Argo CD `helm.ignoreMissingValueFiles`
        if (!existsSync(abs)) {
          throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `value file "${vf}" does not exist in ${chartRepo} (value files are relative to the chart folder)` });
        }
        args.push(`--values=${abs}`);
      });
      if (env.helm?.values && Object.keys(env.helm.values).length > 0) {
        const inline = join(tmp, 'inline-values.yaml');
        await writeFile(inline, JSON.stringify(env.helm.values)); // JSON: no YAML 1.1 re-interpretation of strings
        args.push(`--values=${inline}`);
      }
      // Argo CD `helm.kubeVersion` / `helm.apiVersions` (checked in discovery): what `.Capabilities` says.
      if (env.helm?.kubeVersion) args.push(`--kube-version=${env.helm.kubeVersion}`);
      // A .bosun.yaml chart (or clusters/<name>/ one) renders for the Kubernetes version its environment says it
      // runs, as helm install against that cluster would (Argo CD and helm-controller ask the cluster).
      else if ((env.source === 'config' || env.source === 'directory') && env.kubernetesVersion) args.push(`--kube-version=${env.kubernetesVersion}`);
      for (const v of env.helm?.apiVersions ?? []) args.push(`--api-versions=${v}`);
      // Argo CD `helm.parameters`: `--set` / `--set-string`, helm applying them over every values file.
      for (const p of env.helm?.parameters ?? []) args.push(`${p.forceString ? '--set-string' : '--set'}=${p.name}=${argoSetValue(p.value)}`);
      (env.helm?.fileParameters ?? []).forEach((p, i) => {
        // Argo CD `helm.fileParameters` (--set-file), path relative to the chart folder; `--set-file=` form,
        // and a name with helm's separators is refused so it cannot set more than one key.
        const where = { file: env.definedIn?.file, line: env.definedIn?.line, field: `helm.fileParameters[${i}]` };
        if (!/^[A-Za-z0-9_.-]+$/.test(p.name)) throw new RenderFailure({ kind: 'config', tool: 'helm', ...where, message: `helm file parameter name "${p.name}" may only use letters, digits, ".", "_" and "-"` });
        const pathProblem = valueFileProblem(p.path);
        if (pathProblem) throw new RenderFailure({ kind: 'config', tool: 'helm', ...where, message: pathProblem });
        const abs = inRepo(root, posix.normalize(posix.join(chartRepo, p.path)), where);
        if (!existsSync(abs)) throw new RenderFailure({ kind: 'render', tool: 'helm', ...where, message: `file parameter "${p.path}" does not exist in ${chartRepo} (paths are relative to the chart folder)` });
        args.push(`--set-file=${p.name}=${abs}`);
      });
      args.push('--', release, chartDir);
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      const output = new ToolDocuments(env, opts, outputParser(root, chartRepo, chartFile));
      const result = await runTool({
        command: helmPath(), args, cwd: tmp, env: toolEnv(tmp), limiter: opts.limiter, signal: opts.signal, timeoutMs,
        sandbox: { readOnly: [root, tmp], tools: [helmPath()] }, onDocument: output.onDocument,
      });
      if (result.status === 'failed') {
        const quoted = quoteToolOutput(result.stderr || result.stdout, { root, temp: [tmp] }, { dirs: [chartRepo] });
        throw new RenderFailure({ kind: 'render', tool: 'helm', ...locate(root, chartRepo, chartFile, quoted), message: `helm template of ${chartRepo} failed: ${quoted}` });
      }
      if (result.status === 'stopped') throw output.stoppedProblem();
      if (result.status !== 'ok') throw new RenderFailure(abnormalEnd('helm', result, timeoutMs, chartFile, env.name));
      return { ok: true, objects: output.result() };
    } finally {
      await temp.dispose();
    }
  },
};

/**
 * A parameter value as Argo CD hands it to `--set` (util/helm/cmd.go cleanSetParameters): a `{a,b}` list
 * as written, otherwise every comma not already escaped is escaped, so the value stays one value.
 */
function argoSetValue(value: string): string {
  if (value.startsWith('{') && value.endsWith('}')) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) out += value[i] === ',' && value[i - 1] !== '\\' ? '\\,' : value[i];
  return out;
}

interface ChartMeta {
  name?: string;
  apiVersion?: string;
  dependencies?: Array<{ name?: string }>;
}

async function readChart(root: string, chartFile: string): Promise<ChartMeta> {
  const parsed = parseYamlDocuments(await readFile(inRepo(root, chartFile), 'utf8'), chartFile);
  if (!parsed.ok) throw new RenderFailure({ ...parsed.error, tool: 'helm' });
  const meta = parsed.docs[0]?.value;
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) {
    throw new RenderFailure({ kind: 'render', tool: 'helm', file: chartFile, line: 1, message: 'Chart.yaml must be a YAML mapping with name and version' });
  }
  return meta as ChartMeta;
}

/**
 * The release name and namespace come from repository content (`.bosun.yaml`, an Argo CD Application);
 * discovery and the config schema check them already, and so does the renderer, whoever built the
 * environment: helm takes them on its command line.
 */
function checkedReleaseName(env: Environment): string {
  const name = releaseName(env);
  const problem = releaseNameProblem(name);
  if (problem) {
    throw new RenderFailure({ kind: 'config', tool: 'helm', file: env.definedIn?.file, line: env.definedIn?.line, field: 'helm.releaseName', message: `${problem}; set a valid helm.releaseName` });
  }
  return name;
}

function checkedNamespace(env: Environment): string {
  // Argo CD `helm.namespace` is the release namespace in place of destination.namespace (reposerver helmTemplate).
  const namespace = env.helm?.namespace ?? env.namespace ?? 'default';
  const problem = namespaceProblem(namespace);
  if (problem) throw new RenderFailure({ kind: 'config', tool: 'helm', file: env.definedIn?.file, line: env.definedIn?.line, field: 'namespace', message: problem });
  return namespace;
}

/** Release names must be DNS labels of at most 53 characters; environment names like `staging/apps` are not. */
export function releaseName(env: Environment): string {
  if (env.helm?.releaseName) return env.helm.releaseName;
  const name = env.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 53).replace(/-+$/, '');
  return name || 'release';
}

/** `<chart name>/templates/x.yaml` (or `<chart>/charts/sub/templates/x.yaml`) → the repo path of that file. */
function templateFile(root: string, chartRepo: string, chartFile: string, source: string): string {
  const slash = source.indexOf('/');
  if (slash < 0) return chartFile;
  const repoPath = posix.join(chartRepo, source.slice(slash + 1));
  try {
    return existsSync(inRepo(root, repoPath)) ? repoPath : chartFile; // a subchart packed as .tgz has no such file
  } catch {
    return chartFile;
  }
}

/** Reads helm's output one document at a time (as it streams in, tool-documents.ts). */
function outputParser(root: string, chartRepo: string, chartFile: string): (chunk: string, push: (object: RenderedObject) => void) => void {
  return helmTemplateParser((template) => (template === undefined ? chartFile : templateFile(root, chartRepo, chartFile, template)), (object, file) => ({ object, source: { file } }));
}

/**
 * Helm names the template in its errors: `template: c/templates/x.yaml:12:3: executing …`,
 * `execution error at (c/templates/x.yaml:4:5): …`, `YAML parse error on c/templates/x.yaml: …`. Lines of
 * template errors are lines of the template file; lines of YAML parse errors are lines of the rendered
 * output, so those get the file only.
 */
function locate(root: string, chartRepo: string, chartFile: string, message: string): { file: string; line?: number } {
  const withLine = /([\w.-]+\/(?:[\w.-]+\/)*templates\/[\w./-]+):(\d+)(?::\d+)?/.exec(message);
  if (withLine && !/YAML parse error on/.test(message.slice(0, withLine.index))) {
    const file = templateFile(root, chartRepo, chartFile, withLine[1]);
    return file === chartFile ? { file } : { file, line: Number(withLine[2]) };
  }
  const yamlError = /YAML parse error on ([^\s:]+)/.exec(message);
  if (yamlError) return { file: templateFile(root, chartRepo, chartFile, yamlError[1]) };
  return { file: chartFile };
}
