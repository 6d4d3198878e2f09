import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { formatPath, lineAt, type DataPath } from '../config/yaml-location.ts';
import { BosunError } from '../model/errors.ts';
import { isWithin, resolveInRepo } from '../util/paths.ts';
import { refusalMessage, remoteRefusal } from '../util/remote-refs.ts';
import { gzippedTarEntries } from './tar-entries.ts';
import { RenderFailure, type RenderTool } from './types.ts';

/**
 * What helm would follow out of the repository when it loads a chart folder, refused before helm runs:
 * symlinks anywhere in the chart that point outside the repository (helm's loader follows them),
 * `values.schema.json` references that are not inside the schema itself (helm's JSON Schema library loads
 * `$ref`s from URLs and from the machine's files), and `file://` dependencies outside the repository.
 * Packed subcharts (`charts/*.tgz`) are read for their schemas too.
 */
export function checkChartFolder(root: string, chartRepo: string, tool: RenderTool): void {
  const realRoot = realpathSync.native(root);
  const seen = new Set<string>();
  const visit = (dirRepo: string) => {
    const abs = join(root, dirRepo);
    const real = realpathSync.native(abs);
    if (seen.has(real)) return;
    seen.add(real);
    const names = readdirSync(abs).sort();
    const isChartRoot = names.includes('Chart.yaml');
    if (isChartRoot) checkFileDependencies(root, dirRepo, tool);
    for (const name of names) {
      const repoPath = posix.join(dirRepo, name);
      const entryAbs = join(root, repoPath);
      const link = lstatSync(entryAbs);
      let info = link;
      if (link.isSymbolicLink()) {
        let target: string;
        try {
          target = realpathSync.native(entryAbs);
        } catch {
          continue; // dangling: helm names it itself
        }
        if (!isWithin(realRoot, target)) {
          throw new RenderFailure({
            kind: 'path',
            tool,
            file: repoPath,
            message: 'is a symlink that points outside the repository, and helm reads every file of a chart; replace the link with the file itself',
          });
        }
        info = statSync(entryAbs);
      }
      if (info.isDirectory()) visit(repoPath);
      else if (isChartRoot && name === 'values.schema.json') checkSchema(readFileSync(entryAbs, 'utf8'), { file: repoPath, tool });
      else if (name.endsWith('.tgz') && posix.basename(dirRepo) === 'charts') checkPackedChart(readFileSync(entryAbs), repoPath, tool, 0);
    }
  };
  visit(chartRepo);
}

/** `$ref`-like keywords: the schema library resolves their values as URLs relative to the schema. */
const refKeys = new Set(['$ref', '$dynamicRef', '$recursiveRef']);
/** Meta-schemas the schema libraries ship with: naming one loads nothing. */
const knownMetaSchema = /^https?:\/\/json-schema\.org\/(?:draft-0[3-7]\/schema|draft\/(?:2019-09|2020-12)\/schema)#?$/;

/** Refuses a `values.schema.json` whose references would be loaded from outside the schema document. */
export function checkSchema(text: string, where: { file: string; tool: RenderTool; entry?: string }): void {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length > 0) return; // helm reports a broken schema itself
  const walk = (node: unknown, path: DataPath) => {
    if (isSeq(node)) node.items.forEach((item, i) => walk(item, [...path, i]));
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const here = [...path, key];
      const value = isScalar(pair.value) && typeof pair.value.value === 'string' ? pair.value.value : undefined;
      if (value !== undefined && refKeys.has(key) && !value.startsWith('#')) {
        fail(here, `${key} "${value}" points outside this schema, and helm's schema library would load it (from the network or from the machine's files): ${remoteRefusal} — copy the definition under "$defs" and refer to it as "#/$defs/…"`);
      }
      if (value !== undefined && key === '$schema' && path.length === 0 && !knownMetaSchema.test(value)) {
        fail(here, `$schema "${value}" is not a standard JSON Schema meta-schema and would be loaded from outside the chart: ${remoteRefusal}, or use "http://json-schema.org/draft-07/schema#"`);
      }
      walk(pair.value, here);
    }
  };
  const fail = (path: DataPath, message: string): never => {
    const field = formatPath(path);
    throw new RenderFailure({
      kind: 'render',
      tool: where.tool,
      file: where.file,
      ...(where.entry ? {} : { line: lineAt(doc.contents, lineCounter, path) }),
      field: where.entry ? `${where.entry} ${field}` : field,
      message,
    });
  };
  walk(doc.contents, []);
}

/** Schemas inside a packed subchart (and the subcharts packed inside it). */
function checkPackedChart(gz: Buffer, file: string, tool: RenderTool, depth: number): void {
  const entries = gzippedTarEntries(gz);
  if (!entries || depth > 3) return;
  for (const entry of entries) {
    const parts = entry.name.split('/');
    const isChartRoot = (dirParts: string[]) => dirParts.length === 1 || dirParts[dirParts.length - 2] === 'charts';
    if (parts[parts.length - 1] === 'values.schema.json' && isChartRoot(parts.slice(0, -1))) {
      checkSchema(entry.data.toString('utf8'), { file, tool, entry: entry.name });
    } else if (entry.name.endsWith('.tgz') && parts[parts.length - 2] === 'charts') {
      checkPackedChart(entry.data, `${file}:${entry.name}`, tool, depth + 1);
    }
  }
}

/**
 * `file://` dependency repositories name a folder relative to the chart; one outside the repository is
 * refused (helm would read it when the chart's dependencies are built), as is an absolute one.
 */
function checkFileDependencies(root: string, chartRepo: string, tool: RenderTool): void {
  for (const name of ['Chart.yaml', 'requirements.yaml']) {
    const file = posix.join(chartRepo, name);
    let text: string;
    try {
      text = readFileSync(resolveInRepo(root, file), 'utf8');
    } catch {
      continue; // absent, or refused elsewhere
    }
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: false });
    if (doc.errors.length > 0) continue;
    const deps = (doc.toJS() as { dependencies?: unknown } | null)?.dependencies;
    if (!Array.isArray(deps)) continue;
    deps.forEach((dep, i) => {
      const repository = (dep as { repository?: unknown } | null)?.repository;
      if (typeof repository !== 'string' || !repository.startsWith('file://')) return;
      const path: DataPath = ['dependencies', i, 'repository'];
      const where = { file, line: lineAt(doc.contents, lineCounter, path), field: formatPath(path) };
      const target = repository.slice('file://'.length);
      if (posix.isAbsolute(target)) throw new RenderFailure({ kind: 'path', tool, ...where, message: refusalMessage(target, 'absolute') });
      try {
        resolveInRepo(root, posix.normalize(posix.join(chartRepo, target)), where);
      } catch (e) {
        if (e instanceof BosunError) throw new RenderFailure({ ...e.toProblem(), tool, message: `${e.message}; vendor the dependency into the repository` });
        throw e;
      }
    });
  }
}
