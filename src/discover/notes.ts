import { statSync } from 'node:fs';
import { posix } from 'node:path';
import { noteLabel, type DiscoveryNote, type DiscoveryNoteStatus } from '../model/discovery.ts';
import { resolveInRepo } from '../util/paths.ts';
import { field, str } from './object-fields.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';

export { noteLabel } from '../model/discovery.ts';

/** The one-line text form, for logs and tests: `file:line: Flux Kustomization podinfo: reason`. */
export function noteText(note: DiscoveryNote): string {
  const where = note.file ? `${note.file}${note.line ? `:${note.line}` : ''}: ` : '';
  const what = ['Repository', 'File', 'Config'].includes(note.kind) ? '' : `${noteLabel(note)}${note.name ? ` ${note.name}` : ''}: `;
  return `${where}${what}${note.reason}`;
}

/** A note about a parsed GitOps object: kind, apiVersion, name, namespace, file and line from the document. */
export function objectNote(doc: YamlObjectDoc, status: DiscoveryNoteStatus, reason: string, extra: Partial<DiscoveryNote> = {}): DiscoveryNote {
  const name = str(field(doc.object, 'metadata', 'name'));
  const namespace = str(field(doc.object, 'metadata', 'namespace'));
  const apiVersion = str(doc.object.apiVersion);
  return {
    status,
    kind: str(doc.object.kind) ?? 'Object',
    ...(apiVersion ? { apiVersion } : {}),
    ...(name ? { name } : {}),
    ...(namespace ? { namespace } : {}),
    file: doc.file,
    line: doc.line,
    reason,
    ...extra,
  };
}

/** A note about a file (skipped for discovery, say). */
export function fileNote(file: string, reason: string, line?: number): DiscoveryNote {
  return { status: 'info', kind: 'File', file, ...(line ? { line } : {}), reason };
}

/** A caveat about an environment that is previewed. */
export function environmentNote(environment: string, reason: string, at?: { file?: string; line?: number }, extra: Partial<DiscoveryNote> = {}): DiscoveryNote {
  return { status: 'info', kind: 'Environment', name: environment, ...(at?.file ? { file: at.file } : {}), ...(at?.line ? { line: at.line } : {}), reason, environments: [environment], ...extra };
}

/**
 * The literal folder a path pattern starts with: `apps/*` → `apps`, `clusters/{{name}}/apps` → `clusters`,
 * `./infra/` → `infra`. Undefined when the first segment is already a pattern.
 */
export function literalPrefix(pattern: string): string | undefined {
  const segments = pattern.replace(/^\.\/+/, '').replace(/^\/+/, '').split('/').filter((s) => s !== '' && s !== '.');
  const literal: string[] = [];
  for (const segment of segments) {
    if (/[*?[\]{}$]/.test(segment)) break;
    literal.push(segment);
  }
  if (literal.length === 0) return undefined;
  if (literal.includes('..')) return undefined;
  return literal.join('/');
}

/**
 * `raw` as a normalised repo path when it names a file or folder inside the checkout (symlinks that
 * leave it do not count); undefined otherwise. For `reads`: only paths that exist here can explain a file.
 */
export function existingRepoPath(root: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const normal = posix.normalize(raw.replace(/\\/g, '/').replace(/^\/+/, '')).replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
  if (normal === '..' || normal.startsWith('../')) return undefined;
  try {
    return statSync(resolveInRepo(root, normal), { throwIfNoEntry: false }) ? normal : undefined;
  } catch {
    return undefined;
  }
}

/** `reads` from candidate paths: the literal folders that exist here, without duplicates. */
export function readsFrom(root: string, candidates: ReadonlyArray<string | undefined>): string[] {
  const out = new Set<string>();
  for (const candidate of candidates) {
    const path = existingRepoPath(root, candidate);
    if (path !== undefined) out.add(path);
  }
  return [...out].sort();
}
