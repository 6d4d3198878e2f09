import type { ArgoProject, GroupKindPattern } from '../model/environment.ts';
import { field, isRecord, list, str } from './object-fields.ts';

/** An AppProject object of this repository as the rules bosun checks (see ArgoProject). */
export function argocdProjectOf(object: Record<string, unknown>, file: string): ArgoProject | undefined {
  const name = str(field(object, 'metadata', 'name'));
  if (!name) return undefined;
  const spec = field(object, 'spec');
  const patterns = (key: string): GroupKindPattern[] => list(field(spec, key)).filter(isRecord).map((p) => ({ group: typeof p.group === 'string' ? p.group : '', kind: typeof p.kind === 'string' ? p.kind : '' }));
  const namespaceWhitelist = field(spec, 'namespaceResourceWhitelist');
  return {
    name,
    file,
    clusterResourceWhitelist: patterns('clusterResourceWhitelist'),
    clusterResourceBlacklist: patterns('clusterResourceBlacklist'),
    ...(Array.isArray(namespaceWhitelist) ? { namespaceResourceWhitelist: patterns('namespaceResourceWhitelist') } : {}),
    namespaceResourceBlacklist: patterns('namespaceResourceBlacklist'),
    destinationNamespaces: list(field(spec, 'destinations')).map((d) => (typeof field(d, 'namespace') === 'string' ? (field(d, 'namespace') as string) : '')),
  };
}
