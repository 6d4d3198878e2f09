import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { DiscoveryNote } from '../model/discovery.ts';
import type { Environment } from '../model/environment.ts';
import { KustomizeModel, isHelmChart, kustomizationFileIn } from '../render/kustomize-model/index.ts';
import { environmentNote } from './notes.ts';
import { field, str } from './object-fields.ts';

/**
 * Argo CD's `argocd-cm` ConfigMap when the repository holds it (a self-managed Argo CD): what its
 * `kustomize.buildOptions` tells the repo server to pass to `kustomize build` (util/kustomize kustomize.go
 * Build: the options are appended to every build; argo-cd docs/user-guide/kustomize.md "Kustomize Build
 * Options"). bosun runs kustomize with `--enable-helm` when a kustomization inflates `helmCharts` and with
 * `--load-restrictor LoadRestrictionsNone` kept inside the repository; the notes say where that differs from
 * what Argo CD does.
 */
export interface ArgoCdConfig {
  file: string;
  line: number;
  /** `kustomize.buildOptions` split as the repo server splits it (spaces); undefined when not set. */
  buildOptions?: string[];
}

/** The first `argocd-cm` ConfigMap among the repository's YAML files (repo-relative or absolute paths). */
export function findArgocdConfig(root: string, files: readonly string[]): ArgoCdConfig | undefined {
  for (const f of files) {
    const abs = isAbsolute(f) ? f : join(root, f);
    let text: string;
    try {
      text = readFileSync(abs, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('argocd-cm') || !/kind:\s*ConfigMap/.test(text)) continue;
    const lines = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
      if (!('toJS' in doc) || doc.errors.length > 0) continue;
      const object: unknown = doc.toJS();
      if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
      const o = object as Record<string, unknown>;
      if (o.kind !== 'ConfigMap' || str(field(o, 'metadata', 'name')) !== 'argocd-cm') continue;
      const options = str(field(o, 'data', 'kustomize.buildOptions'));
      const line = lines.linePos(doc.contents?.range[0] ?? 0).line;
      return { file: relative(root, abs).split(sep).join('/'), line, ...(options !== undefined ? { buildOptions: options.split(/\s+/).filter(Boolean) } : {}) };
    }
  }
  return undefined;
}

/** The options bosun takes from argocd-cm: `--enable-helm`, the load restrictor; the others it names. */
function readOptions(options: readonly string[]): { enableHelm: boolean; loadRestrictor?: string; others: string[] } {
  let enableHelm = false;
  let loadRestrictor: string | undefined;
  const others: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const option = options[i];
    if (option === '--enable-helm' || option === '--enable-helm=true') enableHelm = true;
    else if (option.startsWith('--load-restrictor=')) loadRestrictor = option.slice('--load-restrictor='.length);
    else if (option === '--load-restrictor' && i + 1 < options.length) loadRestrictor = options[++i];
    else others.push(option);
  }
  return { enableHelm, ...(loadRestrictor ? { loadRestrictor } : {}), others };
}

/**
 * Notes for the Argo CD environments rendered with kustomize: which `--enable-helm` bosun assumed for a build
 * that inflates `helmCharts` (argocd-cm not in the repository), that Argo CD fails such a build (argocd-cm
 * here without `--enable-helm`: kustomize refuses helmCharts without it — not previewed, since what bosun
 * renders Argo CD never deploys), and the build options bosun does not apply.
 */
export function argocdBuildOptionNotes(root: string, envs: readonly Environment[], findConfig: () => ArgoCdConfig | undefined): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  const kustomized = envs.filter((env) => env.source === 'argocd' && env.argocdPlugin === undefined && !env.remoteChart && !isHelmChart(join(root, env.path)) && kustomizationFileIn(join(root, env.path)));
  if (kustomized.length === 0) return notes;
  // Read only for a repository with kustomize Applications: it is one more look at every YAML file.
  const config = findConfig();
  const options = readOptions(config?.buildOptions ?? []);
  const model = new KustomizeModel(root, undefined, { remoteCharts: true, remoteBases: true });
  const kustomizeEnvs = kustomized.length;
  for (const env of kustomized) {
    let chartFiles: string[];
    try {
      chartFiles = model.tree(env.path).helmChartFiles;
    } catch {
      continue; // the render reports a broken kustomization itself
    }
    if (chartFiles.length === 0) continue;
    const at = env.definedIn ? { file: env.definedIn.file, line: env.definedIn.line } : undefined;
    if (!config) {
      notes.push(environmentNote(env.name, `rendered with kustomize --enable-helm for the helmCharts of ${chartFiles.join(', ')}: Argo CD inflates them only when kustomize.buildOptions in its argocd-cm ConfigMap has --enable-helm, and argocd-cm is not in this repository, so bosun assumes it does (without it Argo CD fails this Application: kustomize refuses helmCharts)`, at));
    } else if (!options.enableHelm) {
      notes.push({
        ...environmentNote(env.name, `Argo CD fails to render it: ${chartFiles.join(', ')} inflate helmCharts, and kustomize.buildOptions in argocd-cm (${config.file}) has no --enable-helm, without which kustomize refuses them; nothing of it deploys until --enable-helm is added (bosun's render with it is not what Argo CD does)`, at),
        status: 'not-previewed',
        reads: [...chartFiles, config.file],
      });
    }
  }
  if (config && kustomizeEnvs > 0) {
    const differs: string[] = [];
    if (options.loadRestrictor !== 'LoadRestrictionsNone') {
      differs.push(`without --load-restrictor LoadRestrictionsNone Argo CD's kustomize refuses a file outside the kustomization's folder (a patch or generator file in ../), which bosun reads when it is in the repository`);
    }
    if (options.others.length > 0) differs.push(`not applied by bosun: ${options.others.join(' ')}`);
    if (differs.length > 0) notes.push({ status: 'info', kind: 'ConfigMap', name: 'argocd-cm', file: config.file, line: config.line, reason: `kustomize.buildOptions: ${differs.join('; ')}` });
  }
  return notes;
}
