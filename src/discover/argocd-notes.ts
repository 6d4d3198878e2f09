import { lstatSync, readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join, posix } from 'node:path';
import type { DiscoveryNote } from '../model/discovery.ts';
import { normalizeRepoPath } from '../config/to-environment.ts';
import { field, isRecord, list, str } from './object-fields.ts';
import { literalPrefix, objectNote, readsFrom } from './notes.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';

/** Whether a `repoURL` may be this repository: it is by URL, or URLs are unknown. */
function mayBeHere(ctx: DiscoveryContext, repoURL: unknown): boolean {
  return ctx.repoUrls ? isSameRepo(repoURL, ctx.repoUrls) : true;
}

/**
 * An ApplicationSet is seen, not expanded. Its git generators' `directories`/`files` paths (also
 * inside matrix and merge generators) and its template's source paths name the folders of this
 * repository the generated Applications would deploy: files there that no environment reads get
 * this note as their reason.
 */
export function applicationSetNote(ctx: DiscoveryContext, doc: YamlObjectDoc): DiscoveryNote {
  const candidates: string[] = [];
  const visit = (generators: unknown): void => {
    for (const generator of list(generators)) {
      const git = field(generator, 'git');
      if (isRecord(git) && mayBeHere(ctx, git.repoURL)) {
        for (const item of [...list(git.directories), ...list(git.files)]) {
          const path = str(field(item, 'path'));
          if (path && field(item, 'exclude') !== true) candidates.push(literalPrefix(path) ?? '.');
        }
      }
      visit(field(generator, 'matrix', 'generators'));
      visit(field(generator, 'merge', 'generators'));
    }
  };
  visit(field(doc.object, 'spec', 'generators'));
  const template = field(doc.object, 'spec', 'template', 'spec');
  const sources = [field(template, 'source'), ...list(field(template, 'sources'))].filter(isRecord);
  for (const source of sources) {
    const path = str(source.path);
    // A template path that is all placeholders says nothing about where; the generators do.
    const prefix = path ? literalPrefix(path) : undefined;
    if (prefix && mayBeHere(ctx, source.repoURL)) candidates.push(prefix);
  }
  const reads = readsFrom(ctx.root, candidates);
  return objectNote(doc, 'not-an-environment', 'generators not expanded: bosun does not expand ApplicationSets yet, so the Applications it generates are not previewed', reads.length > 0 ? { reads } : {});
}

interface Source {
  source: unknown;
  fieldPath: string;
  index?: number;
}

/**
 * Why an Application's sources that bosun does not render are not rendered: a chart from a Helm
 * repository (not fetched), another repository, a path that is not here. Undefined when nothing is
 * left out (values-only `ref` sources are part of the rendered one).
 */
export function unrenderedSourceNote(ctx: DiscoveryContext, doc: YamlObjectDoc, others: readonly Source[], hasOwn: boolean): DiscoveryNote | undefined {
  const reasons: string[] = [];
  const candidates: string[] = [];
  let chart = false;
  for (const { source, fieldPath } of others) {
    const repoURL = str(field(source, 'repoURL')) ?? '(no repoURL)';
    const chartName = str(field(source, 'chart'));
    const path = typeof field(source, 'path') === 'string' ? (field(source, 'path') as string) : undefined;
    if (chartName) {
      chart = true;
      const revision = str(field(source, 'targetRevision'));
      reasons.push(`${fieldPath} is chart \`${chartName}\`${revision ? ` ${revision}` : ''} from ${repoURL}, which bosun does not fetch`);
      candidates.push(...ownValueFiles(ctx, doc.object, source));
    } else if (path !== undefined) {
      if (ctx.repoUrls && !isSameRepo(field(source, 'repoURL'), ctx.repoUrls)) reasons.push(`${fieldPath} is another repository (${repoURL})`);
      else reasons.push(`${fieldPath}.path "${path}" is not a folder in this repository`);
    }
  }
  if (reasons.length === 0) return undefined;
  const reads = readsFrom(ctx.root, candidates);
  const status = chart || hasOwn ? 'not-previewed' : 'not-an-environment';
  const reason = `${status === 'not-an-environment' ? 'not an environment: ' : ''}${reasons.join('; ')}${hasOwn ? ' (its sources in this repository are previewed)' : ''}`;
  return objectNote(doc, status, reason, reads.length > 0 ? { reads } : {});
}

/** `$ref/…` value files of a chart source that point into this repository (another source of the same Application). */
function ownValueFiles(ctx: DiscoveryContext, app: Record<string, unknown>, source: unknown): string[] {
  const out: string[] = [];
  for (const file of list(field(source, 'helm', 'valueFiles'))) {
    const ref = typeof file === 'string' ? /^\$([^/]+)\/(.*)$/.exec(file) : null;
    if (!ref) continue;
    const refSource = list(field(app, 'spec', 'sources')).find((s) => field(s, 'ref') === ref[1]);
    if (refSource && mayBeHere(ctx, field(refSource, 'repoURL'))) out.push(normalizeRepoPath(ref[2]));
  }
  return out;
}

const argoApi = /^\s*apiVersion:\s*["']?argoproj\.io\//m;
const appKind = /^\s*kind:\s*["']?(Application|ApplicationSet)["']?\s*$/m;
const pathLine = /^\s*path:\s*["']?([^"'\s{}#]+)["']?\s*$/gm;

/**
 * Argo CD Applications written in Helm chart templates (the app-of-apps pattern): bosun renders the
 * chart (the Applications are objects in it) but does not turn the Applications into environments.
 * Literal `path:` values that are folders here become `reads`.
 */
export function chartTemplateNotes(ctx: DiscoveryContext, templates: readonly string[]): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  for (const file of templates) {
    const abs = join(ctx.root, file);
    const stat = lstatSync(abs, { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 1024 * 1024) continue;
    const text = readFileSync(abs, 'utf8');
    const kind = appKind.exec(text)?.[1];
    if (!kind || !argoApi.test(text)) continue;
    const chart = file.slice(0, file.lastIndexOf('/templates/'));
    const candidates = [...text.matchAll(pathLine)].map((m) => m[1]).filter((p) => !p.startsWith('/'));
    const reads = readsFrom(ctx.root, candidates).filter((p) => p !== '.');
    notes.push({
      status: 'not-an-environment',
      kind,
      apiVersion: 'argoproj.io/v1alpha1',
      file,
      reason: `written in the templates of Helm chart \`${chart}\` (app of apps): bosun does not turn ${kind}s that a render produces into environments yet, so what they deploy is not previewed`,
      ...(reads.length > 0 ? { reads } : {}),
    });
  }
  return notes;
}

/** Jsonnet files of a directory-type source (`recurse`: also in subfolders), as repo paths; none when it has no `.jsonnet`. */
export function jsonnetFiles(root: string, path: string, recurse: boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = rel === '.' ? entry.name : posix.join(rel, entry.name);
      if (entry.isDirectory() && recurse && entry.name !== '.git') walk(child);
      else if (entry.isFile() && /\.(jsonnet|libsonnet)$/.test(entry.name)) out.push(child);
    }
  };
  if (!statSync(join(root, path), { throwIfNoEntry: false })?.isDirectory()) return [];
  walk(path);
  return out.some((f) => f.endsWith('.jsonnet')) ? out.sort() : [];
}
