/**
 * What discovery saw and did not turn into a previewed environment, and which GitOps files no
 * environment reads. Both are part of the plan (`bosun plan --format json`: `discovery`, `coverage`)
 * so that whatever bosun does not understand is said out loud instead of reading as "no changes".
 */

/**
 * - `not-an-environment`: a GitOps object (or Fleet bundle…) bosun saw and did not make an environment
 *   (another repository, an unsupported source kind, an ApplicationSet it does not expand…).
 * - `not-previewed`: something that deploys from this repository whose output bosun cannot render
 *   (a chart fetched from a Helm repository, a HelmRelease, jsonnet…): what it deploys is not in the plan.
 * - `info`: a caveat about an environment that is previewed (values from the cluster, another branch…),
 *   or about discovery itself (a file skipped, no environment found).
 */
export type DiscoveryNoteStatus = 'not-an-environment' | 'not-previewed' | 'info';

/** Which tool an API group belongs to, for labels like "Flux Kustomization". */
const toolOfGroup: Array<[RegExp, string]> = [
  [/\.toolkit\.fluxcd\.io$|\.extensions\.fluxcd\.io$/, 'Flux'],
  [/^argoproj\.io$/, 'Argo CD'],
  [/^fleet\.cattle\.io$/, 'Fleet'],
];

/** "Flux Kustomization", "Argo CD ApplicationSet", "Fleet bundle", "environment", or the kind itself. */
export function noteLabel(note: Pick<DiscoveryNote, 'kind' | 'apiVersion'>): string {
  if (note.kind === 'Bundle') return 'Fleet bundle';
  if (note.kind === 'Environment') return 'environment';
  const group = note.apiVersion?.includes('/') ? note.apiVersion.split('/')[0] : undefined;
  const tool = group ? toolOfGroup.find(([pattern]) => pattern.test(group))?.[1] : undefined;
  return tool ? `${tool} ${note.kind}` : note.kind;
}

export const discoveryNoteStatuses = ['not-an-environment', 'not-previewed', 'info'] as const satisfies readonly DiscoveryNoteStatus[];

export interface DiscoveryNote {
  status: DiscoveryNoteStatus;
  /**
   * What was seen: a Kubernetes kind (`Application`, `ApplicationSet`, `Kustomization`, `HelmRelease`,
   * `GitRepository`, `OCIRepository`, `GitRepo`…), or `Bundle` (a Fleet `fleet.yaml`), `Environment`,
   * `Config` (`.bosun.yaml`), `File`, `Repository` (the whole checkout).
   */
  kind: string;
  apiVersion?: string;
  name?: string;
  namespace?: string;
  /** Repo-relative file that holds it. */
  file?: string;
  line?: number;
  /** Why, in words a user acts on. */
  reason: string;
  /** Environments the note is about: the one it qualifies, or those that deploy the object. */
  environments?: string[];
  /**
   * Repository folders (or files) whose content the object deploys or reads while bosun does not
   * preview it: an uncovered file under one of them gets this note as its reason. `.` is the whole repository.
   */
  reads?: string[];
  /**
   * For a `not-previewed` note: files under `reads` that the change under plan touches. Their effect
   * here is not shown, so the plan says bosun cannot judge them even when an environment reads them
   * (a `substituteFrom` ConfigMap is deployed by one environment and changes what another renders).
   */
  changed?: string[];
}

/** A GitOps-looking file that no environment bosun found reads. */
export interface UncoveredFile {
  file: string;
  /** Why, when a discovery note or the file's kind explains it. */
  reason?: string;
  /** The change under plan touches this file (added, modified, or renamed to it). */
  changed?: boolean;
  /** The change deletes (or renames away) this file: it is not at head, and no environment read it at base or head. */
  deleted?: boolean;
}

export interface Coverage {
  /** GitOps-looking files at head that at least one environment reads. */
  covered: number;
  /** GitOps-looking files no environment reads: changed ones first, then by path. */
  uncovered: UncoveredFile[];
}
