import type { Environment } from '../model/environment.ts';
import type { RenderedObject } from '../model/object.ts';
import type { KeptObject } from '../model/sync-plan.ts';

export interface ClusterMove {
  from: string;
  to: string;
}

/**
 * An Argo CD Application whose destination moves to another cluster of the registry (`destination.name` /
 * `server` changed): Argo CD then compares and syncs it against the new cluster only — everything it
 * renders is created there — and no longer looks at the old one, where what it deployed stays, unmanaged
 * (the controller's live state and prune are per destination). Undefined for anything else.
 */
export function argocdClusterMove(base: Environment | undefined, head: Environment | undefined): ClusterMove | undefined {
  if (!base || !head || base.source !== 'argocd' || head.source !== 'argocd') return undefined;
  if (!base.cluster || !head.cluster || base.cluster === head.cluster) return undefined;
  return { from: base.cluster, to: head.cluster };
}

/** The base's objects, left on the cluster the Application moves away from: kept, with why. */
export function leftOnOldCluster(move: ClusterMove, baseObjects: readonly RenderedObject[]): KeptObject[] {
  return baseObjects.map((o) => ({
    apiVersion: o.object.apiVersion,
    kind: o.object.kind,
    namespace: o.object.metadata?.namespace ?? '',
    name: o.object.metadata?.name ?? '',
    reason: `stays on cluster ${move.from}: the Application now deploys to ${move.to}, and Argo CD neither prunes nor manages what it left on ${move.from} (delete it there by hand)`,
    ...(o.source?.file ? { file: o.source.file } : {}),
    ...(o.source?.line ? { line: o.source.line } : {}),
  }));
}

export function clusterMoveReason(move: ClusterMove): string {
  return `moves from cluster ${move.from} to ${move.to}: everything it renders is created on ${move.to}`;
}
