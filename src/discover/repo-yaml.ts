import { readdirSync, readFileSync, statSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments, parseDocument } from 'yaml';
import { lineAt, type DataPath } from '../config/yaml-location.ts';
import type { DiscoveryNote } from '../model/discovery.ts';
import { BosunError } from '../model/errors.ts';
import { resolveInRepo, toRepoPath } from '../util/paths.ts';
import { fileNote } from './notes.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import type { DiscoveryTally } from './discovery-progress.ts';
import { parseSimpleYaml } from '../util/simple-yaml.ts';

export interface RepoYaml {
  docs: YamlObjectDoc[];
  notes: DiscoveryNote[];
  /** Every YAML file walked (repo-relative, sorted), matching the pattern or not: `fleet.yaml` files are found by name. */
  files: string[];
  /** YAML files in Helm chart `templates/` folders, which are not parsed (Go templates). */
  templates: string[];
  /** `.sourceignore` files (Flux source-controller's exclusion rules), repo-relative, sorted. */
  sourceIgnores?: string[];
}

const skippedDirs = new Set(['.git', 'node_modules']);
const maxBytes = 10 * 1024 * 1024;

/**
 * Flux, Argo CD and Fleet objects read from one checkout. Each becomes an environment or more, and
 * discovery's work grows faster than their number: a 7 MB file of 30,000 one-line Flux Kustomizations kept
 * a plan busy for more than five minutes in discovery alone (1,000 took 92 s to plan, 2,000 took 217 s).
 * Past this many, the plan fails at once with an error naming the file and line where the count was passed.
 */
export const maxGitOpsObjects = 10_000;

/**
 * Every YAML document in the repository whose text matches `pattern` (a cheap pre-filter on the raw
 * file, so only files that can matter are parsed). Helm chart `templates/` folders are skipped: they
 * are Go templates, not YAML. Symlinks are not followed (their targets inside the repository are scanned
 * where they are); one that points outside the repository gets a note, so nobody wonders why an
 * Application behind it was not found. A file that does not parse is skipped with a note; the renderer
 * reports real YAML errors in what it renders.
 */
export async function scanRepoYaml(root: string, pattern: RegExp, tally?: DiscoveryTally): Promise<RepoYaml> {
  const docs: YamlObjectDoc[] = [];
  const notes: DiscoveryNote[] = [];
  const files: string[] = [];
  const links: string[] = [];
  const templates: string[] = [];
  const sourceIgnores: string[] = [];
  // Synchronous on purpose: thousands of tiny reads through the thread pool were mostly waiting.
  walk(root, files, links, templates, sourceIgnores, tally);
  files.sort();
  tally?.found(files.length);
  for (const link of links.sort()) {
    const file = toRepoPath(root, link);
    try {
      resolveInRepo(root, file);
    } catch {
      notes.push(fileNote(file, 'skipped for discovery, a symlink that points outside the repository'));
    }
  }
  let gitOps = 0;
  const counted = (object: Record<string, unknown>): boolean => {
    if (typeof object.apiVersion === 'string' && pattern.test(`apiVersion: ${object.apiVersion}/`)) {
      gitOps++;
      void tally?.add('objects');
    }
    return gitOps > maxGitOpsObjects;
  };
  for (const abs of files) {
    // A pause the progress hook asks for (between files: nothing is half read).
    const pause = tally?.add('files');
    if (pause) await pause;
    const file = toRepoPath(root, abs);
    if (statSync(abs).size > maxBytes) {
      notes.push(fileNote(file, 'skipped for discovery, larger than 10 MB'));
      continue;
    }
    const text = readFileSync(abs, 'utf8');
    if (!pattern.test(text)) continue;
    const simple = parseSimpleYaml(text);
    if (simple !== undefined) {
      // The common single-document file: no full parse unless a field's line is asked for (errors only).
      if (simple !== null && typeof simple === 'object' && !Array.isArray(simple)) {
        if (counted(simple as Record<string, unknown>)) throw tooMany(file, firstContentLine(text));
        docs.push({ file, line: firstContentLine(text), object: simple as Record<string, unknown>, lineOf: (path) => fullParseLine(text, path) });
      }
      continue;
    }
    const lineCounter = new LineCounter();
    const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
    const all = Array.isArray(parsed) ? parsed : [];
    const failed = all.find((d) => d.errors.length > 0);
    if (failed) {
      const err = failed.errors[0];
      notes.push(fileNote(file, `skipped for discovery, not valid YAML (${err.message.split('\n')[0]})`, lineCounter.linePos(err.pos[0]).line));
      continue;
    }
    for (const doc of all) {
      let object: unknown;
      try {
        object = doc.toJS({ maxAliasCount: 1000 });
      } catch (error) {
        notes.push(fileNote(file, `skipped a document for discovery (${(error as Error).message})`));
        continue;
      }
      if (object === null || typeof object !== 'object' || Array.isArray(object)) continue;
      const contents = doc.contents;
      const start = (contents as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
      if (counted(object as Record<string, unknown>)) throw tooMany(file, lineCounter.linePos(start).line);
      docs.push({
        file,
        line: lineCounter.linePos(start).line,
        object: object as Record<string, unknown>,
        lineOf: (path) => lineAt(contents, lineCounter, path),
      });
    }
  }
  return { docs, notes, files: files.map((abs) => toRepoPath(root, abs)), templates: templates.sort().map((abs) => toRepoPath(root, abs)), sourceIgnores: sourceIgnores.map((abs) => toRepoPath(root, abs)).sort() };
}

function tooMany(file: string, line: number): BosunError {
  return new BosunError({ kind: 'config', file, line, message: `the repository holds more than ${maxGitOpsObjects} Flux, Argo CD and Fleet objects (this is object ${maxGitOpsObjects + 1}), more than bosun plans: split the repository, or keep generated objects out of it` });
}

function firstContentLine(text: string): number {
  const lines = text.split('\n');
  const index = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#') && l.trim() !== '---');
  return index < 0 ? 1 : index + 1;
}

function fullParseLine(text: string, path: DataPath): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  return lineAt(doc.contents, lineCounter, path);
}

function walk(dir: string, out: string[], links: string[], templates: string[], sourceIgnores: string[], tally?: DiscoveryTally): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  // Synchronous: a line may be said here, no pause taken.
  void tally?.add('folders');
  const isChart = entries.some((e) => e.isFile() && e.name === 'Chart.yaml');
  for (const entry of entries) {
    if (entry.isDirectory()) {
      if (skippedDirs.has(entry.name)) continue;
      if (isChart && entry.name === 'templates') listYaml(join(dir, entry.name), templates);
      else walk(join(dir, entry.name), out, links, templates, sourceIgnores, tally);
    } else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) {
      out.push(join(dir, entry.name));
    } else if (entry.isFile() && entry.name === '.sourceignore') {
      sourceIgnores.push(join(dir, entry.name));
    } else if (entry.isSymbolicLink()) {
      links.push(join(dir, entry.name));
    }
  }
}

/** YAML files under a chart's templates folder (regular files only; symlinks are not followed). */
function listYaml(dir: string, out: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) listYaml(join(dir, entry.name), out);
    else if (entry.isFile() && /\.ya?ml$/i.test(entry.name)) out.push(join(dir, entry.name));
  }
}
