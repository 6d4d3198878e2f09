import { posix } from 'node:path';
import type { Coverage, DiscoveryNote, UncoveredFile } from '../model/discovery.ts';
import { gitOpsFoldersOf, uncoveredFolderFiles, type FolderFile, type GitOpsFolder } from './coverage-folders.ts';
import type { GitOpsFile } from './gitops-files.ts';
import { noteLabel } from './notes.ts';
import type { EnvInputs } from './types.ts';

/** An environment as coverage sees it: its folder, and what its render reads when that is known. */
export interface CoverageEnvironment {
  name: string;
  path: string;
  /** Undefined when the inputs could not be analysed: then the environment's folder counts as read. */
  inputs?: EnvInputs;
  /**
   * The files that define it (an Application's file, a generator's file): read whatever its inputs are — an
   * environment whose render cannot be analysed (a remote kustomize base) is still defined by them.
   */
  definedBy?: readonly string[];
}

export interface CoverageSide {
  /** The GitOps files of this side (see gitops-files.ts). */
  files: readonly GitOpsFile[];
  environments: readonly CoverageEnvironment[];
  notes: readonly DiscoveryNote[];
  /**
   * Every file of the commit. When given, the files of GitOps folders no environment covers count as
   * GitOps content too, whatever their type (coverage-folders.ts): a generator's `.env`, a script.
   */
  paths?: readonly string[];
  /** What the kustomizations of uncovered GitOps folders read, by folder (coverage-reads.ts). */
  folderReads?: ReadonlyMap<string, { files: readonly string[]; dirs: readonly string[] }>;
}

export interface CoverageInput {
  head: CoverageSide;
  /** The base side, for files the change deletes: `files` need only hold those. */
  base?: CoverageSide;
  /** Repo-relative paths the change touches (both sides of renames). */
  changed?: readonly string[];
}

/** Every ancestor folder of a path, innermost first, ending with '.'. */
function ancestors(path: string): string[] {
  const out: string[] = [];
  let dir = posix.dirname(path);
  for (;;) {
    out.push(dir);
    if (dir === '.' || dir === '') return out;
    dir = posix.dirname(dir);
  }
}

/** The union of the environments' inputs, for O(depth) lookups in repositories with thousands of files. */
class ReadIndex {
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();

  constructor(environments: readonly CoverageEnvironment[]) {
    for (const env of environments) {
      // Unanalysed or unsure: whatever is under the environment's folder may be read.
      if (!env.inputs || env.inputs.unsure !== undefined) this.dirs.add(env.path);
      for (const file of env.definedBy ?? []) this.files.add(file);
      if (!env.inputs) continue;
      for (const file of env.inputs.files) this.files.add(file);
      for (const dir of env.inputs.dirs) this.dirs.add(dir);
    }
  }

  reads(file: string): boolean {
    return this.files.has(file) || this.dirs.has(file) || ancestors(file).some((d) => this.dirs.has(d));
  }
}

/** The GitOps folders of a side that no environment covers (none reads their marker file): whose reads to walk. */
export function uncoveredGitOpsFolders(side: Pick<CoverageSide, 'environments' | 'paths'>): GitOpsFolder[] {
  if (!side.paths) return [];
  const index = new ReadIndex(side.environments);
  return gitOpsFoldersOf(side.paths).filter((f) => !index.reads(f.marker));
}

/**
 * Which GitOps files an environment reads and which none does, with the reason when a discovery note
 * (an object bosun saw and does not preview, whose folders hold the file, or that the file defines) or
 * the file's kind explains it. Jsonnet is covered when an Argo CD directory source evaluates it (jsonnet
 * installed: src/render/jsonnet.ts; without it, that environment's not-previewed note reads the files).
 * Pure: the caller lists and classifies the files and analyses the inputs.
 */
export function computeCoverage(input: CoverageInput): Coverage {
  const changed = new Set(input.changed ?? []);
  const head = new ReadIndex(input.head.environments);
  const base = input.base ? new ReadIndex(input.base.environments) : undefined;
  const explain = reasons(input.head.notes);
  let covered = 0;
  const uncovered: UncoveredFile[] = [];
  const atHead = new Set<string>();
  for (const f of input.head.files) {
    atHead.add(f.file);
    if (head.reads(f.file)) {
      covered++;
      continue;
    }
    const reason = explain(f) ?? defaultReason(f);
    uncovered.push({ file: f.file, ...(reason ? { reason } : {}), ...(changed.has(f.file) ? { changed: true } : {}) });
  }
  // A file discovery skipped (a symlink leaving the repository, not valid YAML, too large) may hold
  // anything: bosun cannot say what it deploys, so it is never covered silently.
  for (const note of input.head.notes) {
    if (note.kind !== 'File' || !note.file || atHead.has(note.file) || head.reads(note.file)) continue;
    atHead.add(note.file);
    uncovered.push({ file: note.file, reason: note.reason, ...(changed.has(note.file) ? { changed: true } : {}) });
  }
  if (input.head.paths) {
    const folderFiles = uncoveredFolderFiles({
      paths: input.head.paths, folders: gitOpsFoldersOf(input.head.paths), isRead: (file) => head.reads(file), known: atHead,
      ...(input.head.folderReads ? { reads: input.head.folderReads } : {}),
    });
    for (const f of folderFiles) {
      if (head.reads(f.file)) {
        covered++;
        continue;
      }
      uncovered.push({ file: f.file, reason: folderFileReason(f, explain), ...(changed.has(f.file) ? { changed: true } : {}) });
    }
  }
  if (input.base && base) {
    const explainBase = reasons(input.base.notes);
    const headPaths = input.head.paths ? new Set(input.head.paths) : atHead;
    // Not a GitOps file at head (deleted, or no longer one) and touched by the change.
    const deleted = (file: string) => !atHead.has(file) && changed.has(file);
    const baseFiles = input.base.files.map((f) => ({ file: f.file, reason: () => explainBase(f) ?? defaultReason(f) }));
    if (input.base.paths) {
      const known = new Set(input.base.files.map((f) => f.file));
      const folderFiles = uncoveredFolderFiles({
        paths: input.base.paths, folders: gitOpsFoldersOf(input.base.paths), isRead: (file) => base.reads(file), known,
        only: new Set(input.base.paths.filter((file) => deleted(file) && !headPaths.has(file))), ...(input.base.folderReads ? { reads: input.base.folderReads } : {}),
      });
      baseFiles.push(...folderFiles.map((f) => ({ file: f.file, reason: () => folderFileReason(f, explainBase) })));
    }
    for (const f of baseFiles) {
      if (!deleted(f.file)) continue;
      // A deleted file an environment read at base is that environment's change: the plan shows it.
      if (base.reads(f.file) || head.reads(f.file)) continue;
      uncovered.push({ file: f.file, reason: `deleted; ${f.reason() ?? 'no environment read it'}`, changed: true, deleted: true });
    }
  }
  uncovered.sort((a, b) => Number(b.changed === true) - Number(a.changed === true) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  return { covered, uncovered };
}

function where(note: DiscoveryNote): string {
  return note.file ? ` (${note.file}${note.line ? `:${note.line}` : ''})` : '';
}

function title(note: DiscoveryNote): string {
  const label = noteLabel(note);
  return note.name ? `${label} \`${note.name}\`` : label;
}

/** The reason a note gives a file: the object the file defines, else the innermost folder a note reads. */
function reasons(notes: readonly DiscoveryNote[]): (f: GitOpsFile) => string | undefined {
  const byFile = new Map<string, DiscoveryNote>();
  const byRead = new Map<string, DiscoveryNote>();
  for (const note of notes) {
    // A file skipped for discovery (not valid YAML…) is explained by that; other caveats explain no file.
    if (note.file && (note.kind === 'File' || (note.status !== 'info' && note.kind !== 'Environment')) && !byFile.has(note.file)) byFile.set(note.file, note);
    if (note.status === 'info') continue;
    for (const read of note.reads ?? []) if (!byRead.has(read)) byRead.set(read, note);
  }
  return (f) => {
    const own = byFile.get(f.file);
    if (own) return own.kind === 'File' ? own.reason : `defines ${title(own)}: ${own.reason}`;
    for (const dir of [f.file, ...ancestors(f.file)]) {
      const note = byRead.get(dir);
      if (note) return `read by ${title(note)}${where(note)}: ${note.reason}`;
    }
    return undefined;
  };
}

/**
 * Why a file of an uncovered GitOps folder is not judged: what explains the file itself (a note reading
 * its folder), else what explains the folder's marker file; a file the folder's kustomization reads from
 * elsewhere says which kustomization reads it.
 */
function folderFileReason(f: FolderFile, explain: (f: GitOpsFile) => string | undefined): string {
  const { dir, marker, kind } = f.folder;
  const markerReason = explain({ file: marker, kind: kind === 'chart' ? 'chart' : kind, ...(kind === 'chart' ? { chart: dir } : {}) });
  if (f.readFromOutside) return `read by \`${marker}\`, which no environment builds${markerReason ? ` (${markerReason})` : ''}`;
  const own = explain({ file: f.file, kind: 'data' });
  if (own ?? markerReason) return (own ?? markerReason)!;
  if (kind === 'fleet') return `in Fleet bundle \`${dir}\`, which no environment bosun found deploys`;
  if (kind === 'chart') return `in Helm chart \`${dir}\`, which no environment renders`;
  return `in \`${dir}\`, whose kustomization no environment builds`;
}

function defaultReason(f: GitOpsFile): string | undefined {
  switch (f.kind) {
    case 'jsonnet': return 'jsonnet that no Argo CD directory source bosun found evaluates';
    case 'sops': return 'SOPS creation rules: read by `sops` when files are encrypted, not deployed by any environment';
    case 'chart': return `in Helm chart \`${f.chart}\`, which no environment renders`;
    case 'kustomization': return `the kustomization of \`${posix.dirname(f.file)}\`, which no environment builds`;
    case 'values': return 'Helm values that no environment uses';
    case 'fleet': return 'a Fleet bundle that no environment bosun found deploys';
    default: return undefined;
  }
}

/**
 * Notes with the environments that deploy the object they are about filled in (a HelmRelease is
 * deployed by the environment whose inputs hold its file), so a "not previewed" object says where.
 */
export function withDeployingEnvironments(notes: readonly DiscoveryNote[], environments: readonly CoverageEnvironment[]): DiscoveryNote[] {
  return notes.map((note) => {
    if (note.environments || note.status === 'info' || !note.file) return note;
    const file = note.file;
    const by = environments.filter((env) => {
      const inputs = env.inputs;
      if (!inputs) return file.startsWith(`${env.path}/`) || env.path === '.';
      return inputs.files.includes(file) || inputs.dirs.some((d) => d === '.' || file.startsWith(`${d}/`));
    }).map((env) => env.name).sort();
    return by.length > 0 ? { ...note, environments: by } : note;
  });
}

/** `not-previewed` notes with the changed files under their `reads` (see DiscoveryNote.changed). */
export function withChangedReads(notes: readonly DiscoveryNote[], changed: readonly string[]): DiscoveryNote[] {
  return notes.map((note) => {
    if (note.status !== 'not-previewed' || !note.reads) return note;
    const reads = note.reads;
    const hit = changed.filter((file) => reads.some((r) => r === '.' || file === r || file.startsWith(`${r}/`))).sort();
    return hit.length > 0 ? { ...note, changed: hit } : note;
  });
}
