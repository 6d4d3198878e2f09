import { groupOf } from '../model/object.ts';
import { loadBuiltinSchemas } from './builtin-schemas.ts';
import type { BuiltinSchemas } from './builtin-schemas.ts';
import { schemaEngine } from './engine.ts';
import type { SchemaEngine } from './engine.ts';
import type { SchemaLookup, SchemaSource } from './schema-source.ts';
import { minorOf, type KubernetesTarget } from '../model/kubernetes-version.ts';
import { removedInMinor, servedFromMinor } from './api-lifecycle.ts';

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
 * (default: the process-wide one) is where they are compiled and cached. With a `target` version, an API
 * removed after it is a warning (still served there), one removed at or before it an error naming both
 * versions, and a stable API newer than the target an error; without one, only what the schemas'
 * Kubernetes serves counts.
 */
export function createBuiltinSource(engine: SchemaEngine = schemaEngine(), target?: KubernetesTarget): SchemaSource {
  const cache = new Map<string, SchemaLookup>();
  const targetMinor = target ? minorOf(target.version) : Number.NaN;
  const theTarget = target ? `the target is ${target.version} (${target.from})` : '';
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
      const removedIn = data.removed[key] !== undefined ? removedInMinor(apiVersion, kind) : undefined;
      const servedFrom = served ? servedFromMinor(apiVersion, kind) : undefined;
      if (group === '' && !/^v\d+((alpha|beta)\d+)?$/.test(apiVersion)) {
        result = { found: 'not-served', message: `apiVersion "${apiVersion}" is not valid: write it as <group>/<version>, e.g. ${apiVersion}/v1` };
      } else if (served && servedFrom !== undefined && targetMinor < servedFrom) {
        const older = Object.keys(data.removed).filter((k) => k.endsWith(`/${kind}`) && groupOf(k.slice(0, k.lastIndexOf('/'))) === group)
          .map((k) => k.slice(0, k.lastIndexOf('/'))).filter((v) => (removedInMinor(v, kind) ?? 0) > targetMinor);
        result = { found: 'not-served', message: `${apiVersion} ${kind} is served from Kubernetes 1.${servedFrom} on; ${theTarget}${older.length ? `: use ${older.join(' or ')} there` : ''}` };
      } else if (served) {
        result = { found: 'schema', schema: engine.builtinDefinition(served.ref), origin: `${k8s} built-in schema` };
      } else if (removedIn !== undefined && targetMinor < removedIn) {
        // Deprecated, still served by the target: a warning, and no schema to check it with.
        const replacement = data.removed[key];
        result = {
          found: 'deprecated',
          message: `${apiVersion} ${kind} is deprecated and removed in Kubernetes 1.${removedIn}; ${theTarget}, which still serves it${replacement ? `: move to ${replacement} before upgrading` : ''} (its fields are not checked: bosun's schemas are ${k8s}'s)`,
        };
      } else if (data.removed[key] !== undefined || groups.has(group)) {
        const replacement = data.removed[key] || versionsOf.get(`${group}/${kind}`)?.[0];
        let message: string;
        if (removedIn !== undefined && target) message = `${apiVersion} ${kind} was removed in Kubernetes 1.${removedIn}; ${theTarget}${replacement ? `: use ${replacement}` : ': remove it or replace it'}`;
        else if (replacement) message = `${apiVersion} ${kind} is not served by ${k8s}: use ${replacement}`;
        else if (data.removed[key] !== undefined) message = `${apiVersion} ${kind} was removed from Kubernetes and is not served by ${k8s}: remove it or replace it`;
        else message = `${apiVersion} ${kind} is not a ${k8s} kind: check the kind and apiVersion for typos`;
        result = { found: 'not-served', message };
      }
      cache.set(key, result);
      return result;
    },
  };
}
