import { createHash } from 'node:crypto';
import type { KubeObject } from '../model/object.ts';
import { crdVersions } from './crd-schema.ts';
import type { CrdVersion } from './crd-schema.ts';
import { schemaEngine } from './engine.ts';
import type { CompiledSchema } from './engine.ts';
import type { SchemaLookup, SchemaSource } from './schema-source.ts';

// The same CRD objects (the repo's) are passed to a new validator per environment: convert them once.
const converted = new WeakMap<KubeObject, CrdVersion[]>();

function versionsOf(crd: KubeObject): CrdVersion[] {
  let v = converted.get(crd);
  if (!v) {
    v = crdVersions(crd);
    converted.set(crd, v);
  }
  return v;
}

const anything: CompiledSchema = { check: () => true, explain: () => [] };

/**
 * Schemas from CustomResourceDefinitions. The first CRD that defines a group/kind wins, so pass the
 * render's own CRDs before the repository's.
 */
export function createCrdSource(crds: readonly KubeObject[], name = 'CRDs'): SchemaSource {
  const byGvk = new Map<string, CrdVersion>();
  const byGroupKind = new Map<string, CrdVersion[]>();
  const owner = new Map<string, string>();
  const seen = new Set<string>();
  for (const crd of crds) {
    const versions = versionsOf(crd);
    // A later copy of the same CRD (the repo's, after the render's) adds nothing, not even old versions.
    if (versions.length === 0 || seen.has(versions[0].crdName)) continue;
    seen.add(versions[0].crdName);
    for (const v of versions) {
      const gk = `${v.group}/${v.kind}`;
      // Versions of one group/kind come from one CRD only; a second definition elsewhere is ignored.
      if ((owner.get(gk) ?? v.crdName) !== v.crdName) continue;
      owner.set(gk, v.crdName);
      const key = `${v.group}/${v.version}/${v.kind}`;
      if (byGvk.has(key)) continue;
      byGvk.set(key, v);
      byGroupKind.set(gk, [...(byGroupKind.get(gk) ?? []), v]);
    }
  }
  const engine = schemaEngine();
  const cache = new Map<string, SchemaLookup>();
  return {
    name,
    lookup(apiVersion, kind) {
      const key = `${apiVersion}/${kind}`;
      if (cache.has(key)) return cache.get(key);
      let result: SchemaLookup;
      const v = byGvk.get(key);
      const slash = apiVersion.indexOf('/');
      const group = slash < 0 ? '' : apiVersion.slice(0, slash);
      if (v && v.served) {
        const schema = v.schema
          ? engine.schema(createHash('sha1').update(JSON.stringify(v.schema)).digest('hex'), v.schema)
          : anything;
        result = { found: 'schema', schema, origin: `CustomResourceDefinition ${v.crdName}` };
      } else if (v || byGroupKind.has(`${group}/${kind}`)) {
        const all = byGroupKind.get(`${group}/${kind}`) ?? [];
        const served = all.filter((x) => x.served).map((x) => `${x.group}/${x.version}`);
        const crdName = (v ?? all[0]).crdName;
        result = {
          found: 'not-served',
          message: served.length
            ? `${apiVersion} ${kind} is not served by CustomResourceDefinition ${crdName}: use ${served.join(' or ')}`
            : `${apiVersion} ${kind}: CustomResourceDefinition ${crdName} serves no version of it; set served: true on one`,
        };
      }
      cache.set(key, result);
      return result;
    },
  };
}
