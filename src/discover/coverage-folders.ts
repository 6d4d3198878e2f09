import { posix } from 'node:path';
import { isIgnoredPath } from './gitops-files.ts';
import { kustomizationFileNames } from './render-kind.ts';

/**
 * A GitOps folder: one holding a kustomization file, a `Chart.yaml` or a `fleet.yaml`. When no environment
 * reads its marker file, every file in it (not only YAML: a generator's `.env`, `.properties`, scripts,
 * chart `files/`) is GitOps content for coverage, and so is every file its kustomization reads elsewhere.
 */
export interface GitOpsFolder {
  dir: string;
  /** The kustomization file, `Chart.yaml` or `fleet.yaml` that makes it one. */
  marker: string;
  kind: 'kustomization' | 'chart' | 'fleet';
}

/** A file that is GitOps content because an uncovered GitOps folder holds or reads it. */
export interface FolderFile {
  file: string;
  folder: GitOpsFolder;
  /** The folder's kustomization reads it from outside the folder. */
  readFromOutside?: boolean;
}

const kustomizationNames: ReadonlySet<string> = new Set(kustomizationFileNames);

/** The GitOps folders of a commit's file listing, by their marker files' names (CI and docs folders left out). */
export function gitOpsFoldersOf(paths: readonly string[]): GitOpsFolder[] {
  const byDir = new Map<string, GitOpsFolder>();
  for (const path of paths) {
    const base = posix.basename(path);
    const kind = kustomizationNames.has(base) ? 'kustomization' : base === 'Chart.yaml' ? 'chart' : base === 'fleet.yaml' || base === 'fleet.yml' ? 'fleet' : undefined;
    if (!kind || isIgnoredPath(path)) continue;
    const dir = posix.dirname(path);
    // A chart that is also a kustomization (or a bundle) is a chart: that is how it renders.
    const known = byDir.get(dir);
    if (!known || kind === 'chart') byDir.set(dir, { dir, marker: path, kind });
  }
  return [...byDir.values()];
}

/**
 * Files of a GitOps folder that are documentation or repository housekeeping, never deployed unless
 * something reads them by name: Markdown and other prose, READMEs, licences, owners, git's own files.
 */
export function isFolderNoise(path: string): boolean {
  const base = posix.basename(path);
  if (/\.(md|markdown|mdx|rst|adoc)$/i.test(base)) return true;
  if (/^(README|LICEN[CS]E|CHANGELOG|CHANGES|NOTICE|AUTHORS|OWNERS|CODEOWNERS|CONTRIBUTING)(\.[\w.-]+)?$/i.test(base)) return true;
  if (['.gitignore', '.gitkeep', '.gitattributes', '.keep', '.DS_Store'].includes(base)) return true;
  return path.split('/').slice(0, -1).some((segment) => segment === 'docs' || segment === 'doc');
}

/**
 * The files that are GitOps content only because an uncovered GitOps folder holds them (its innermost
 * GitOps folder is uncovered and not the repository's top; noise left out) or its kustomization reads them
 * (`reads`, by folder). Files already classified (`known`) and ignored paths are never returned. Pure.
 */
export function uncoveredFolderFiles(args: {
  paths: readonly string[];
  folders: readonly GitOpsFolder[];
  /** Whether an environment reads a file (the marker file of a folder, here). */
  isRead: (file: string) => boolean;
  known: ReadonlySet<string>;
  /** What each uncovered kustomization folder's build reads, by folder: files, and folders whose files all count. */
  reads?: ReadonlyMap<string, { files: readonly string[]; dirs: readonly string[] }>;
  /** Only these paths are wanted (the files a change deletes, on the base side). */
  only?: ReadonlySet<string>;
}): FolderFile[] {
  const byDir = new Map(args.folders.map((f) => [f.dir, f]));
  const uncovered = new Set(args.folders.filter((f) => !args.isRead(f.marker)).map((f) => f.dir));
  if (uncovered.size === 0) return [];
  const out = new Map<string, FolderFile>();
  const wanted = (file: string) => !args.known.has(file) && !isIgnoredPath(file) && (!args.only || args.only.has(file));
  const innermost = (file: string): GitOpsFolder | undefined => {
    for (let dir = posix.dirname(file); ; dir = posix.dirname(dir)) {
      const folder = byDir.get(dir);
      if (folder) return folder;
      if (dir === '.' || dir === '') return undefined;
    }
  };
  for (const file of args.paths) {
    if (!wanted(file) || isFolderNoise(file)) continue;
    const folder = innermost(file);
    // The whole repository as one folder would list every script and config of it: there, only what the
    // kustomization reads counts.
    if (folder && folder.dir !== '.' && uncovered.has(folder.dir)) out.set(file, { file, folder });
  }
  if (args.reads) {
    const all = new Set(args.paths);
    const add = (file: string, folder: GitOpsFolder): void => {
      if (!wanted(file) || out.has(file)) return;
      // What the top-level kustomization reads is never "in" it: it counts only because it is read.
      const inside = folder.dir !== '.' && file.startsWith(`${folder.dir}/`);
      out.set(file, { file, folder, ...(inside ? {} : { readFromOutside: true }) });
    };
    // Folders a kustomization reads whole (one pass over the paths for all of them).
    const readDirs = new Map<string, GitOpsFolder>();
    for (const [dir, read] of args.reads) {
      const folder = byDir.get(dir);
      if (!folder || !uncovered.has(dir)) continue;
      for (const file of read.files) if (all.has(file)) add(file, folder);
      for (const d of read.dirs) if (d !== '.' && d !== '' && !readDirs.has(d)) readDirs.set(d, folder);
    }
    if (readDirs.size > 0) {
      for (const file of args.paths) {
        for (let dir = posix.dirname(file); dir !== '.' && dir !== ''; dir = posix.dirname(dir)) {
          const folder = readDirs.get(dir);
          if (folder) {
            add(file, folder);
            break;
          }
        }
      }
    }
  }
  return [...out.values()];
}
