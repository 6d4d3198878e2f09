import type { RemoteChart } from '../model/environment.ts';
import { field, str } from './object-fields.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';

/** An Application source that is a chart from a Helm repository or OCI registry: `chart` + `repoURL`. */
export function isRemoteChartSource(source: unknown): boolean {
  return str(field(source, 'chart')) !== undefined && str(field(source, 'repoURL')) !== undefined;
}

/**
 * The chart of a Helm repository source as Argo CD reads it: `repoURL` with a scheme (`https://…`) is a
 * Helm repository holding `chart`; without one (`ghcr.io/org/charts`, as Argo CD writes OCI registries)
 * or with `oci://` it is an OCI registry, the chart at `<repoURL>/<chart>`. `targetRevision` is the chart
 * version or a semver range (resolved by the chart fetcher as Argo CD does: Masterminds constraints, the
 * highest match). Value files are filled in by the caller.
 */
export function remoteChartOf(doc: YamlObjectDoc, source: unknown, fieldPath: string, sourcePath: Array<string | number>): RemoteChart {
  const repoURL = (str(field(source, 'repoURL')) ?? '').trim().replace(/\/+$/, '');
  const chart = str(field(source, 'chart')) ?? '';
  const version = str(field(source, 'targetRevision'))?.trim();
  const line = doc.lineOf([...sourcePath, 'targetRevision']) ?? doc.lineOf([...sourcePath, 'chart']) ?? doc.line;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(repoURL);
  const isOci = !hasScheme || repoURL.toLowerCase().startsWith('oci://');
  const src: RemoteChart['source'] = isOci
    ? { kind: 'oci', ref: `${hasScheme ? repoURL : `oci://${repoURL}`}/${chart}`, ...(version ? { version } : {}) }
    : { kind: 'repo', repoUrl: repoURL, chart, ...(version ? { version } : {}) };
  return { source: src, valueFiles: [], versionField: `${fieldPath}.targetRevision`, chartField: `${fieldPath}.chart`, ...(line ? { line } : {}) };
}
