/**
 * Shared across walks (all environments of a plan, base and head): parsed kustomizations and walked
 * folders by absolute path, so a base used by 200 overlays is read once.
 */
export type InputsCache = Map<string, unknown>;

/** Inputs as repo-relative POSIX paths; `unsure` is the first reason static analysis cannot be trusted. */
export interface InputSet {
  files: Set<string>;
  dirs: Set<string>;
  unsure?: string;
}

export function emptyInputSet(): InputSet {
  return { files: new Set(), dirs: new Set() };
}

export function addInputs(target: InputSet, source: InputSet): void {
  for (const f of source.files) target.files.add(f);
  for (const d of source.dirs) target.dirs.add(d);
  if (source.unsure !== undefined && target.unsure === undefined) target.unsure = source.unsure;
}
