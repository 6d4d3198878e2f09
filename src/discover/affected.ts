import { isDeepStrictEqual } from 'node:util';
import { bosunRemovalKeepReason } from '../model/apply-options.ts';
import type { Environment } from '../model/environment.ts';
import type { RemovalContext, RemovalVerdict } from './argocd-removal.ts';
import type { EnvInputs } from './types.ts';

export interface AffectedInput {
  base?: Environment;
  head?: Environment;
  baseInputs?: EnvInputs;
  headInputs?: EnvInputs;
  /** Repo-relative paths changed between base and head (both sides of renames). */
  changedFiles: string[];
  /**
   * Both sides' environments (argocd-removal.ts RemovalContext), so that an Argo CD Application removed
   * together with its parent Application or ApplicationSet gets Argo CD's verdict for that case. Without it
   * the parent is taken to stay.
   */
  removal?: RemovalContext;
}

export interface AffectedDecision {
  affected: boolean;
  reason: string;
  lifecycle?: 'added' | 'removed';
}

/**
 * Whether an environment must be rendered for a change. Skipping is only allowed when both sides'
 * inputs are known and none of them changed: a false "no changes" is the worst thing a plan can say,
 * so every doubt renders.
 */
export function decideAffected(input: AffectedInput): AffectedDecision {
  const { base, head } = input;
  if (!base && !head) return { affected: false, reason: 'skipped: not defined at base or head' };
  if (!base) return { affected: true, reason: `new environment${where(head)}`, lifecycle: 'added' };
  // What the GitOps tool does with what it deployed (an Argo CD Application without the resources
  // finalizer, or that nothing deletes, keeps its objects): not affected, so the plan shows no deletions
  // and a merge queues no prune (queue/workflows/push/push.ts prunes only affected removed environments).
  if (!head) {
    const gone = input.removal?.verdict(base);
    if (gone) return removedDecision(base, gone);
  }
  if (!head && base.keepObjectsOnRemoval) return { affected: false, reason: `environment removed${where(base, 'was defined in')}; its objects stay in the cluster (${base.keepObjectsOnRemoval})`, lifecycle: 'removed' };
  // `.bosun.yaml` `prune: false`: the merge still queues the removed environment's prune job, which prunes
  // nothing and says so on its check run (apply-job.ts pruneRemoved, removalKeepReason): affected, each object
  // listed as kept (plan/kept.ts), none as deleted.
  const bosunKeeps = !head ? bosunRemovalKeepReason(base) : undefined;
  if (bosunKeeps) return { affected: true, reason: `environment removed${where(base, 'was defined in')}; its objects stay in the cluster (${bosunKeeps})`, lifecycle: 'removed' };
  if (!head) return { affected: true, reason: `environment removed${where(base, 'was defined in')}; its objects will be deleted${base.deleteObjectsOnRemoval ? ` (${base.deleteObjectsOnRemoval})` : ''}`, lifecycle: 'removed' };

  if (!sameDefinition(base, head)) {
    // Name the file that changed when the definition spans several (a git files generator's file, an Argo CD parameter override file).
    const changedFiles = new Set(input.changedFiles.map(normalize));
    const definitions = [head.definedIn?.file, base.definedIn?.file, ...(head.definedByFiles ?? []), ...(base.definedByFiles ?? [])];
    const file = definitions.find((f) => f !== undefined && changedFiles.has(f)) ?? head.definedIn?.file ?? base.definedIn?.file;
    return { affected: true, reason: file ? `definition in ${file} changed` : 'definition changed' };
  }
  // An Argo CD Application that follows a tag or another branch deploys that revision: a change to the
  // branch this change merges into does not change what it deploys (its definition did not change either).
  if (head.pinned && base.pinned === head.pinned) return { affected: false, reason: `skipped: pinned to ${head.pinned} (targetRevision), so this change does not reach it` };
  if (!input.baseInputs || !input.headInputs) return { affected: true, reason: 'rendered because its inputs could not be determined' };

  const changed = input.changedFiles.map(normalize).filter((f) => touches(input.baseInputs!, f) || touches(input.headInputs!, f));
  if (changed.length > 0) {
    const sorted = [...new Set(changed)].sort();
    return { affected: true, reason: `${sorted[0]} changed${sorted.length > 1 ? ` (+${sorted.length - 1} more)` : ''}` };
  }
  const unsure = input.headInputs.unsure ?? input.baseInputs.unsure;
  if (unsure !== undefined) return { affected: true, reason: `rendered because ${unsure}` };

  const count = new Set([...input.headInputs.files, ...input.headInputs.dirs, ...input.baseInputs.files, ...input.baseInputs.dirs]).size;
  return { affected: false, reason: `skipped: none of its ${count} input${count === 1 ? '' : 's'} changed` };
}

function removedDecision(base: Environment, verdict: RemovalVerdict): AffectedDecision {
  if (verdict.keeps !== undefined) return { affected: false, reason: `environment removed${where(base, 'was defined in')}; its objects stay in the cluster (${verdict.keeps})`, lifecycle: 'removed' };
  return { affected: true, reason: `environment removed${where(base, 'was defined in')}; its objects will be deleted (${verdict.deletes})`, lifecycle: 'removed' };
}

function where(env: Environment | undefined, verb = 'defined in'): string {
  const file = env?.definedIn?.file;
  return file ? ` (${verb} ${file})` : '';
}

/**
 * Settings equal, ignoring where the definition sits (a line shift alone changes nothing) and what happens
 * on removal (a parent's prune or a finalizer changes nothing the environment deploys now).
 */
function sameDefinition(a: Environment, b: Environment): boolean {
  const { definedIn: _a, keepObjectsOnRemoval: _ka, deleteObjectsOnRemoval: _da, argocdRemoval: _ra, ...restA } = a;
  const { definedIn: _b, keepObjectsOnRemoval: _kb, deleteObjectsOnRemoval: _db, argocdRemoval: _rb, ...restB } = b;
  return isDeepStrictEqual(stripUndefined(restA), stripUndefined(restB));
}

function stripUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = stripUndefined(v);
  return out;
}

function normalize(file: string): string {
  return file.replace(/\\/g, '/').replace(/^\.\//, '');
}

function touches(inputs: EnvInputs, file: string): boolean {
  if (inputs.files.includes(file)) return true;
  return inputs.dirs.some((d) => d === '.' || file === d || file.startsWith(`${d}/`));
}
