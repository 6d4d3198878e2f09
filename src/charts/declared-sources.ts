import { readdir, readFile, lstat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kustomizationFileNames } from '../render/kustomize-model/index.ts';
import { normalizeSourceUrl } from './policy.ts';

/** Files and folders never read for declarations. */
const skipped = new Set(['.git', 'node_modules']);
const maxFileBytes = 1024 * 1024;
/** Only files mentioning one of these can declare a chart source; the rest are not parsed. */
const hint = /\b(?:url|repoURL|repo|chartRepoUrl|chart|repository):\s*["']?(?:https?|oci):\/\/|\brepoURL:|\brepo:/;

/**
 * The chart sources a checkout declares — on the base branch, the ones a pull request may use without
 * the operator's say (policy.ts):
 * - Flux `HelmRepository` and `OCIRepository` `spec.url`;
 * - Argo CD `Application` / `ApplicationSet` sources with a `chart` (their `repoURL`; one without a
 *   scheme is an OCI registry, as Argo CD reads it);
 * - kustomize `helmCharts[].repo` (and `helmChartInflationGenerator[].chartRepoUrl`);
 * - Fleet `fleet.yaml` `helm.repo`, and `helm.chart` when it is an `oci://` reference;
 * - a chart's dependencies (`Chart.yaml`, or `requirements.yaml` of a v1 chart) `repository`, which Argo CD's
 *   `helm dependency build` fetches from (render/helm-dependencies.ts).
 * Normalised (normalizeSourceUrl), sorted, without duplicates. Templated values (`{{…}}`, `${…}`) are
 * not sources.
 */
export async function declaredChartSources(root: string): Promise<string[]> {
  const found = new Set<string>();
  const add = (value: unknown, opts: { bareIsOci?: boolean } = {}) => {
    if (typeof value !== 'string' || value === '' || /\{\{|\$\{/.test(value)) return;
    const text = opts.bareIsOci && !/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? `oci://${value}` : value;
    const url = normalizeSourceUrl(text);
    if (url) found.add(url);
  };
  for (const file of await yamlFiles(root, '')) {
    let text: string;
    try {
      text = await readFile(join(root, file), 'utf8');
    } catch {
      continue;
    }
    if (!hint.test(text)) continue;
    const base = posix.basename(file);
    let docs: unknown[];
    try {
      docs = parseAllDocuments(text).flatMap((d) => (Array.isArray(d) ? [] : d.errors.length > 0 ? [] : [d.toJS({ maxAliasCount: 100 }) as unknown]));
    } catch {
      continue;
    }
    for (const doc of docs) {
      if (!isRecord(doc)) continue;
      if (base === 'fleet.yaml' || base === 'fleet.yml') {
        const helm = isRecord(doc.helm) ? doc.helm : undefined;
        add(helm?.repo);
        if (typeof helm?.chart === 'string' && helm.chart.startsWith('oci://')) add(helm.chart);
        continue;
      }
      if (base === 'Chart.yaml' || base === 'requirements.yaml') {
        for (const d of list(doc.dependencies)) if (isRecord(d) && typeof d.repository === 'string' && /^(https?|oci):\/\//.test(d.repository)) add(d.repository);
        continue;
      }
      if ((kustomizationFileNames as readonly string[]).includes(base) || (doc.kind === 'Kustomization' && !doc.spec)) {
        for (const c of list(doc.helmCharts)) if (isRecord(c)) add(c.repo);
        for (const c of list(doc.helmChartInflationGenerator)) if (isRecord(c)) add(c.chartRepoUrl);
        continue;
      }
      const api = typeof doc.apiVersion === 'string' ? doc.apiVersion : '';
      const spec = isRecord(doc.spec) ? doc.spec : undefined;
      if (/^source\.toolkit\.fluxcd\.io\//.test(api) && (doc.kind === 'HelmRepository' || doc.kind === 'OCIRepository')) {
        add(spec?.url);
      } else if (/^argoproj\.io\//.test(api) && (doc.kind === 'Application' || doc.kind === 'ApplicationSet')) {
        const app = doc.kind === 'ApplicationSet' ? (isRecord(spec?.template) && isRecord(spec.template.spec) ? spec.template.spec : undefined) : spec;
        for (const source of [app?.source, ...list(app?.sources)]) {
          if (isRecord(source) && typeof source.chart === 'string' && source.chart !== '') add(source.repoURL, { bareIsOci: true });
        }
      }
    }
  }
  return [...found].sort();
}

async function yamlFiles(root: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(join(root, dir), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (skipped.has(e.name)) continue;
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await yamlFiles(root, rel)));
    else if (e.isFile() && (/\.ya?ml$/.test(e.name) || e.name === 'Kustomization')) {
      const info = await lstat(join(root, rel)).catch(() => undefined);
      if (info && info.size <= maxFileBytes) out.push(rel);
    }
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
