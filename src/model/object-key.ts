import { idKey, objectId, type KubeObject, type ObjectId } from './object.ts';
import { syncRoleOf } from './sync.ts';

/**
 * The identity an object is shown under: its ObjectId, named `<generateName>*` when the cluster names it
 * at each run (`metadata.generateName` and no name: an Argo CD hook).
 */
export function shownId(obj: KubeObject): ObjectId {
  const id = objectId(obj);
  const generateName = obj.metadata?.generateName;
  if (id.name === '' && typeof generateName === 'string' && generateName !== '') id.name = `${generateName}*`;
  return id;
}

/**
 * The keys one render's objects are compared under across commits — by the diff, and by what a sync never
 * applies — one per object, in order. A named object's key is `idKey` of its identity (two of one identity
 * share it: the later wins, as when applied). An object the cluster names at each run is no object of a
 * fixed name: Argo CD never merges two of them (argo-cd controller/state.go, DeduplicateTargetObjects, keys
 * each by its generateName and position) and names each at sync time after the phase it runs in
 * (gitops-engine sync_context.go: `<generateName><revision>-<phase>-<time>`). Its key is therefore its
 * shown name `<generateName>*`, how a sync treats it (its phases, or never applied) and its rank among the
 * render's objects with the same two: two hooks of one prefix are two objects, each paired with the one
 * of the same rank at the other commit, and a hook of another phase or a skipped one never shifts them.
 */
export function objectKeys(objects: readonly KubeObject[]): string[] {
  const seen = new Map<string, number>();
  return objects.map((obj) => {
    const id = shownId(obj);
    if (id.name === (obj.metadata?.name ?? '')) return idKey(id);
    const role = syncRoleOf(obj);
    const how = role.role === 'hook' ? role.phases.join(',') : role.role;
    const stem = `${idKey(id)}@${how}`;
    const rank = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, rank);
    return `${stem}#${rank}`;
  });
}
