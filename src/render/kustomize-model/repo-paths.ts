import { lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { BosunError, type Problem } from '../../model/errors.ts';
import { isWithin, resolveInRepo, toRepoPath } from '../../util/paths.ts';
import { classifyRef, refusalMessage, remoteWhenMissing } from '../../util/remote-refs.ts';
import type { InputsCache } from './inputs.ts';
import { kustomizationFilesIn } from './names.ts';

/**
 * A remote reference (a remote base, a URL), refused before any tool runs: Flux and Argo CD fetch it, bosun
 * renders offline, so what the environment deploys is not previewed (issue #11: said out loud, exit 3) —
 * not content that is wrong (exit 1). An absolute path or one leaving the repository stays a 'path' problem.
 */
export class RemoteReferenceRefused extends BosunError {
  override toProblem(): Problem & { notPreviewed: true } {
    return { ...super.toProblem(), notPreviewed: true };
  }
}

/** Where a reference was written: a field of a YAML file, located lazily (only errors need the line). */
export interface RefSite {
  file: string;
  field: string;
  line(): number | undefined;
}

/** A repository path a reference leads to; `symlinkTarget` is its real location when a symlink leads elsewhere in the repository. */
export interface Resolved {
  rel: string;
  abs: string;
  kind: 'file' | 'dir' | 'missing';
  symlinkTarget?: string;
}

/**
 * The one check of where a reference in repository content leads. A remote reference (URL, git spec,
 * `host/org/repo` that is not a path here) or an absolute path is refused, and so is a local one that
 * leaves the repository by `..` or a symlink: kustomize runs with LoadRestrictionsNone (as Flux does), so
 * this check is what keeps `../../../etc/passwd` out of a rendered ConfigMap. Each refusal names the file,
 * line and field that holds the reference. The cache may be shared between walks of one checkout.
 */
export class RepoPaths {
  readonly root: string;
  readonly cache: InputsCache;
  private readonly realRoot: string;

  constructor(root: string, cache: InputsCache) {
    this.root = root;
    this.cache = cache;
    const key = `realroot:${root}`;
    let real = cache.get(key) as string | undefined;
    if (real === undefined) {
      real = realpathSync.native(root);
      cache.set(key, real);
    }
    this.realRoot = real;
  }

  /**
   * A reference as written in a kustomization (or a file it reads): refused when remote or absolute,
   * then resolved. `mayBeRemote`: kustomize tries a `resources`-like entry it cannot find locally as a
   * remote target, so a missing `host/org/repo` is refused as remote.
   */
  reference(baseDir: string, value: string, site: RefSite, mayBeRemote = false): Resolved {
    const cls = classifyRef(value);
    if (cls === 'remote') throw refuseRemote(site, refusalMessage(value, cls));
    if (cls !== 'local') throw refuse(site, 'path', refusalMessage(value, cls));
    const r = this.resolve(baseDir, value, site);
    if (r.kind === 'missing' && mayBeRemote && remoteWhenMissing(value)) {
      throw refuseRemote(site, `${refusalMessage(value, 'remote')} (it is not a path in this repository)`);
    }
    return r;
  }

  /**
   * Whether a `resources`-like entry is a remote target kustomize would fetch: a URL or git spec, or a
   * `host/org/repo` that is not a path here. Local references that escape are still refused by `resolve`.
   */
  isRemoteTarget(baseDir: string, value: string, site: RefSite): boolean {
    const cls = classifyRef(value);
    if (cls !== 'local') return cls === 'remote';
    return remoteWhenMissing(value) && this.resolve(baseDir, value, site).kind === 'missing';
  }

  /**
   * Resolves `ref` written at `site`, relative to repo folder `baseDir`. Escapes are `BosunError` kind
   * 'path'. `resolveInRepo` is the authority on escapes; it is consulted whenever a path could escape
   * (`..` past the root, an absolute path, a symlink, a folder whose real location is elsewhere). Plain
   * paths under an already-checked folder skip it: its uncached realpath calls dominated large repos.
   */
  resolve(baseDir: string, ref: string, site: RefSite): Resolved {
    const rel = posix.normalize(posix.join(baseDir, ref)).replace(/\/+$/, '') || '.';
    const abs = join(this.root, rel);
    const link = lstatSync(abs, { throwIfNoEntry: false });
    const parentReal = this.realDir(dirname(abs));
    const mayEscape = posix.isAbsolute(ref) || rel === '..' || rel.startsWith('../') || link?.isSymbolicLink() === true
      || (parentReal !== undefined && !isWithin(this.realRoot, parentReal));
    if (mayEscape) {
      try {
        resolveInRepo(this.root, posix.isAbsolute(ref) ? ref : rel);
      } catch (error) {
        if (error instanceof BosunError) throw refuse(site, 'path', `${error.message}; refer only to files inside the repository`);
        throw error;
      }
    }
    if (!link) return { rel, abs, kind: 'missing' };
    const stat = link.isSymbolicLink() ? statSync(abs, { throwIfNoEntry: false }) : link;
    if (!stat) return { rel, abs, kind: 'missing' };
    const resolved: Resolved = { rel, abs, kind: stat.isDirectory() ? 'dir' : 'file' };
    // Git reports changes under the real path, so when a symlink (the leaf or a folder on the way) leads
    // elsewhere in the repository, that location is an input too. Escapes were refused above.
    let real: string | undefined;
    if (link.isSymbolicLink()) real = realpathSync.native(abs);
    else if (rel !== '.' && parentReal !== undefined && parentReal !== join(this.realRoot, posix.dirname(rel))) real = join(parentReal, posix.basename(rel));
    if (real !== undefined) resolved.symlinkTarget = toRepoPath(this.realRoot, real);
    return resolved;
  }

  /** Kustomization file names present in a folder, cached (every overlay asks about its bases). */
  kustomizationFiles(abs: string): string[] {
    const key = `kfiles:${abs}`;
    let files = this.cache.get(key) as string[] | undefined;
    if (files === undefined) {
      files = kustomizationFilesIn(abs);
      this.cache.set(key, files);
    }
    return files;
  }

  private realDir(abs: string): string | undefined {
    const key = `realdir:${abs}`;
    if (this.cache.has(key)) return (this.cache.get(key) as string | null) ?? undefined;
    let real: string | null;
    try {
      real = realpathSync.native(abs);
    } catch {
      real = null;
    }
    this.cache.set(key, real);
    return real ?? undefined;
  }
}

/** The error for a reference bosun does not follow or cannot find, at the file, line and field that holds it. */
export function refuse(site: RefSite, kind: 'path' | 'render', message: string): BosunError {
  return new BosunError({ kind, file: site.file, line: site.line(), field: site.field || undefined, message });
}

/** A remote reference refused where it is written: not previewed (RemoteReferenceRefused). */
function refuseRemote(site: RefSite, message: string): RemoteReferenceRefused {
  return new RemoteReferenceRefused({ kind: 'render', file: site.file, line: site.line(), field: site.field || undefined, message });
}

/** A reference to something that is not there. */
export function missing(site: RefSite, ref: string, rel: string, what = 'file or folder'): BosunError {
  return refuse(site, 'render', `${what} "${ref}" does not exist (looked for ${rel}); fix the reference or add the ${what === 'file' ? 'file' : 'missing path'}`);
}
