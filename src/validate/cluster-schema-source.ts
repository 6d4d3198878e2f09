import { groupOf } from '../model/object.ts';
import { schemaEngine } from './engine.ts';
import type { SchemaEngine } from './engine.ts';
import { reachableDefinitions, type ClusterSchemaSet } from './openapi-v2.ts';
import type { SchemaLookup, SchemaSource } from './schema-source.ts';

/**
 * Schemas from a registered cluster's own OpenAPI (a ClusterSchemaSet made by src/cluster/openapi.ts):
 * its built-in kinds at its own version and the CRDs installed on it. Consulted after the repository's
 * CRDs and before the built-in ecosystem and Kubernetes schemas. A group/kind the cluster serves at other
 * versions only is an error naming what it serves; a group/kind it does not know is left to the next
 * source (its CRD may come with the same change).
 */
export function createClusterSchemaSource(set: ClusterSchemaSet, engine: SchemaEngine = schemaEngine()): SchemaSource {
  const versionsOf = new Map<string, string[]>();
  for (const key of Object.keys(set.kinds)) {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const gk = `${groupOf(apiVersion)}/${key.slice(slash + 1)}`;
    versionsOf.set(gk, [...(versionsOf.get(gk) ?? []), apiVersion]);
  }
  const cache = new Map<string, SchemaLookup>();
  const where = `cluster ${set.cluster} (Kubernetes ${set.kubernetesVersion})`;
  return {
    name: `cluster ${set.cluster}`,
    lookup(apiVersion, kind) {
      const key = `${apiVersion}/${kind}`;
      if (cache.has(key)) return cache.get(key);
      let result: SchemaLookup;
      const definition = set.kinds[key];
      if (definition) {
        const schema = { $ref: `#/definitions/${definition}`, definitions: reachableDefinitions(set, definition) };
        result = { found: 'schema', schema: engine.schema(`cluster:${set.hash}:${definition}`, schema), origin: `the OpenAPI of ${where}` };
      } else {
        const others = versionsOf.get(`${groupOf(apiVersion)}/${kind}`);
        if (others) result = { found: 'not-served', message: `${apiVersion} ${kind} is not served by ${where}: it serves ${others.join(', ')}` };
      }
      cache.set(key, result);
      return result;
    },
  };
}
