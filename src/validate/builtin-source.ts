import { groupOf } from '../model/object.ts';
import { loadBuiltinSchemas } from './builtin-schemas.ts';
import type { BuiltinSchemas } from './builtin-schemas.ts';
import { schemaEngine } from './engine.ts';
import type { SchemaEngine } from './engine.ts';
import type { SchemaLookup, SchemaSource } from './schema-source.ts';

function stability(apiVersion: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(apiVersion.slice(apiVersion.indexOf('/') + 1));
  if (!m) return -1;
  const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return level * 1e6 + Number(m[1]) * 1e3 + Number(m[3] ?? 0);
}

interface Index {
  data: BuiltinSchemas;
  groups: Set<string>;
  /** `group/Kind` → served apiVersions, most stable first. */
  versionsOf: Map<string, string[]>;
}

let index: Index | undefined;

function builtinIndex(): Index {
  if (index) return index;
  const data = loadBuiltinSchemas();
  const groups = new Set(data.groups);
  const versionsOf = new Map<string, string[]>();
  for (const key of Object.keys(data.kinds)) {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const gk = `${groupOf(apiVersion)}/${key.slice(slash + 1)}`;
    const list = versionsOf.get(gk) ?? [];
    list.push(apiVersion);
    versionsOf.set(gk, list);
  }
  for (const list of versionsOf.values()) list.sort((a, b) => stability(b) - stability(a));
  for (const key of Object.keys(data.removed)) groups.add(groupOf(key.slice(0, key.lastIndexOf('/'))));
  index = { data, groups, versionsOf };
  return index;
}

/**
 * Schemas of the kinds Kubernetes itself serves, generated from the installed client models. `engine`
 * (default: the process-wide one) is where they are compiled and cached.
 */
export function createBuiltinSource(engine: SchemaEngine = schemaEngine()): SchemaSource {
  const cache = new Map<string, SchemaLookup>();
  return {
    name: 'built-in',
    lookup(apiVersion, kind) {
      const key = `${apiVersion}/${kind}`;
      if (cache.has(key)) return cache.get(key);
      const { data, groups, versionsOf } = builtinIndex();
      const k8s = `Kubernetes ${data.kubernetesVersion}`;
      let result: SchemaLookup;
      const served = data.kinds[key];
      const group = groupOf(apiVersion);
      if (group === '' && !/^v\d+((alpha|beta)\d+)?$/.test(apiVersion)) {
        result = { found: 'not-served', message: `apiVersion "${apiVersion}" is not valid: write it as <group>/<version>, e.g. ${apiVersion}/v1` };
      } else if (served) {
        result = { found: 'schema', schema: engine.builtinDefinition(served.ref), origin: `${k8s} built-in schema` };
      } else if (data.removed[key] !== undefined || groups.has(group)) {
        const replacement = data.removed[key] || versionsOf.get(`${group}/${kind}`)?.[0];
        let message: string;
        if (replacement) message = `${apiVersion} ${kind} is not served by ${k8s}: use ${replacement}`;
        else if (data.removed[key] !== undefined) message = `${apiVersion} ${kind} was removed from Kubernetes and is not served by ${k8s}: remove it or replace it`;
        else message = `${apiVersion} ${kind} is not a ${k8s} kind: check the kind and apiVersion for typos`;
        result = { found: 'not-served', message };
      }
      cache.set(key, result);
      return result;
    },
  };
}
