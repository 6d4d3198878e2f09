import type { KubeObject } from './object.ts';
import { annotationValues, hasAnnotationOption, syncOptionsAnnotation, syncWave, type SyncSemantics } from './sync.ts';

/**
 * How the cluster engine applies one environment beyond what every environment gets (server-side apply,
 * inventory, prune, health). Discovery fills it from the tool's own fields — Argo CD's
 * `syncPolicy.syncOptions`, `ignoreDifferences` and `managedNamespaceMetadata`; a Flux Kustomization's
 * fields — so the engine reads one typed structure whatever defined the environment. Add fields here
 * (optional, absent = today's behaviour) rather than new parameters through the engine.
 */
export interface ApplyPolicy {
  /** Whose object annotations are honoured; default from the environment's source (see syncSemanticsOf). */
  semantics?: SyncSemantics;
  /**
   * Argo CD `CreateNamespace=true`: the environment's namespace is created before anything else when
   * missing, with `managedNamespaceMetadata`; it is not in the inventory, so it is never pruned.
   */
  createNamespace?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  /** Application-level `Prune=false` / `Prune=confirm`; an object's own `Prune=` option wins. */
  prune?: 'false' | 'confirm';
  /** Application-level `Delete=false` / `Delete=confirm` (when the environment is removed); an object's own wins. */
  delete?: 'false' | 'confirm';
  /** `PruneLast=true`: prune after every other step. */
  pruneLast?: boolean;
  /** `Replace=true`: replace (create) objects instead of server-side applying them. */
  replace?: boolean;
  /** `PrunePropagationPolicy=`: how prune deletes (default background, as `kubectl delete`). */
  prunePropagationPolicy?: 'foreground' | 'background' | 'orphan';
  /** Fields left out of the apply preview and drift detection (Argo CD `spec.ignoreDifferences`). */
  ignoreDifferences?: IgnoreDifferenceRule[];
}

/** One Argo CD `ignoreDifferences` entry. `group`/`kind` may be globs (`*`); name and namespace match exactly. */
export interface IgnoreDifferenceRule {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  jsonPointers?: string[];
  jqPathExpressions?: string[];
  managedFieldsManagers?: string[];
}

/** The environment's policy and one object's own annotations, resolved. */
export interface ObjectApplyOptions {
  /** Sync wave (0 when the environment does not honour waves). */
  wave: number;
  /** `no`: kept when Git no longer has it (`Prune=false`); `confirm`: kept until someone deletes it by hand. */
  prune: 'yes' | 'no' | 'confirm';
  /** Whether it is deleted when its environment is removed (`Delete=false` / `Delete=confirm`). */
  delete: 'yes' | 'no' | 'confirm';
  pruneLast: boolean;
  replace: boolean;
}

/** Argo CD semantics for everything but Flux, whose controllers do not read Argo CD's annotations. */
export function syncSemanticsOf(env: { source?: string; apply?: ApplyPolicy }): SyncSemantics {
  return env.apply?.semantics ?? (env.source === 'flux' ? 'none' : 'argocd');
}

/**
 * The options for one object. Per-object `Prune=`/`Delete=` override the Application's (sync-options.md:
 * "setting a Prune sync option on the resource will always override a Prune sync policy defined in the
 * Application"); `PruneLast` and `Replace` apply when either asks (sync_context.go: pruneLast ||
 * annotation, replace || annotation).
 */
export function objectApplyOptions(obj: KubeObject | undefined, policy: ApplyPolicy | undefined, semantics: SyncSemantics): ObjectApplyOptions {
  const argo = semantics === 'argocd';
  const own = argo ? annotationValues(obj, syncOptionsAnnotation) : [];
  const pick = (key: 'Prune' | 'Delete', app: 'false' | 'confirm' | undefined): 'yes' | 'no' | 'confirm' => {
    const value = [...own].reverse().find((o) => o.startsWith(`${key}=`))?.slice(key.length + 1) ?? (argo ? app : undefined);
    return value === 'false' ? 'no' : value === 'confirm' ? 'confirm' : 'yes';
  };
  return {
    wave: argo && obj ? syncWave(obj) : 0,
    prune: pick('Prune', policy?.prune),
    delete: pick('Delete', policy?.delete),
    pruneLast: argo && (policy?.pruneLast === true || hasAnnotationOption(obj, syncOptionsAnnotation, 'PruneLast=true')),
    replace: argo && !hasAnnotationOption(obj, syncOptionsAnnotation, 'Replace=false')
      && (policy?.replace === true || hasAnnotationOption(obj, syncOptionsAnnotation, 'Replace=true')),
  };
}
