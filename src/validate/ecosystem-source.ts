import { groupOf } from '../model/object.ts';
import { loadBuiltinSchemas } from './builtin-schemas.ts';
import type { BuiltinSchemas } from './builtin-schemas.ts';
import { schemaEngine } from './engine.ts';
import type { SchemaEngine } from './engine.ts';
import { distance } from './messages.ts';
import type { SchemaLookup, SchemaSource } from './schema-source.ts';

type Ecosystem = BuiltinSchemas['ecosystem'];
type Project = Ecosystem['projects'][number];

function stability(apiVersion: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(apiVersion.slice(apiVersion.indexOf('/') + 1));
  if (!m) return -1;
  const level = m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2;
  return level * 1e6 + Number(m[1]) * 1e3 + Number(m[3] ?? 0);
}

interface Index {
  eco: Ecosystem;
  projects: Map<string, Project>;
  /** group → projects that define kinds in it (argoproj.io: Argo CD and Argo Rollouts). */
  groups: Map<string, Project[]>;
  /** group → every kind bosun knows in it, at any version. */
  kindsOf: Map<string, Set<string>>;
  /** `group/Kind` → served apiVersions, most stable first. */
  versionsOf: Map<string, string[]>;
}

let index: Index | undefined;

function ecosystemIndex(): Index {
  if (index) return index;
  const eco = loadBuiltinSchemas().ecosystem;
  const projects = new Map(eco.projects.map((p) => [p.id, p]));
  const groups = new Map<string, Project[]>();
  const kindsOf = new Map<string, Set<string>>();
  const versionsOf = new Map<string, string[]>();
  const add = (key: string, project: string, served: boolean): void => {
    const slash = key.lastIndexOf('/');
    const apiVersion = key.slice(0, slash);
    const kind = key.slice(slash + 1);
    const group = groupOf(apiVersion);
    const p = projects.get(project);
    const list = groups.get(group) ?? [];
    if (p && !list.includes(p)) groups.set(group, [...list, p]);
    kindsOf.set(group, (kindsOf.get(group) ?? new Set()).add(kind));
    if (served) versionsOf.set(`${group}/${kind}`, [...(versionsOf.get(`${group}/${kind}`) ?? []), apiVersion]);
  };
  for (const [key, k] of Object.entries(eco.kinds)) add(key, k.project, true);
  for (const [key, r] of Object.entries(eco.removed)) add(key, r.project, false);
  for (const list of versionsOf.values()) list.sort((a, b) => stability(b) - stability(a));
  index = { eco, projects, groups, kindsOf, versionsOf };
  return index;
}

function projectsText(list: readonly Project[]): string {
  return list.map((p) => `${p.project}, ${p.package}@${p.version}`).join('; ');
}

/** The known kind nearest to `kind` by edit distance, when it is close enough to be a typo. */
function nearestKind(kind: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const k of known) {
    const d = distance(kind, k);
    if (d < bestScore) {
      best = k;
      bestScore = d;
    }
  }
  return best !== undefined && bestScore <= Math.min(2, Math.max(1, Math.floor(kind.length / 4))) ? best : undefined;
}

/**
 * Schemas of the custom resources GitOps repositories are full of (Flux, Argo CD, cert-manager…), generated
 * at install time from the `@kubernetes-models/*` packages into the built-in schema file. Consulted after
 * CRDs and a cluster's own OpenAPI, before the Kubernetes built-ins. Besides schemas it knows which
 * versions a project no longer serves (an error naming the release and the version to use) and which
 * kinds exist in a project's groups (a near miss is an error with a suggestion; anything else is left to
 * the missing-schema warning, so a kind newer than the package is never called a typo).
 */
export function createEcosystemSource(engine: SchemaEngine = schemaEngine()): SchemaSource {
  const cache = new Map<string, SchemaLookup>();
  return {
    name: 'built-in ecosystem',
    lookup(apiVersion, kind) {
      const key = `${apiVersion}/${kind}`;
      if (cache.has(key)) return cache.get(key);
      const { eco, projects, groups, kindsOf, versionsOf } = ecosystemIndex();
      const group = groupOf(apiVersion);
      const known = eco.kinds[key];
      const removed = eco.removed[key];
      const served = versionsOf.get(`${group}/${kind}`) ?? [];
      let result: SchemaLookup;
      if (known) {
        const p = projects.get(known.project);
        result = { found: 'schema', schema: engine.builtinDefinition(known.ref), origin: `${p?.project ?? known.project} built-in schema (${p ? `${p.package}@${p.version}` : 'generated'})` };
      } else if (removed) {
        const p = projects.get(removed.project);
        const use = removed.use ?? served[0];
        const hint = p?.hint ? ` (${p.hint})` : '';
        result = {
          found: 'not-served',
          message: `${apiVersion} ${kind} was removed in ${removed.since} and is not served any more: ${use ? `use ${use}${hint}` : 'remove it or replace it'}`,
        };
      } else if (groups.has(group)) {
        const owners = groups.get(group) ?? [];
        if (served.length > 0 && stability(apiVersion) < stability(served[0])) {
          result = { found: 'not-served', message: `${apiVersion} ${kind} is not served (bosun's built-in schemas: ${projectsText(owners)}): use ${served[0]}` };
        } else if (served.length === 0 && !kindsOf.get(group)?.has(kind)) {
          const near = nearestKind(kind, kindsOf.get(group) ?? []);
          if (near) {
            result = { found: 'not-served', message: `${kind} — did you mean ${near}? ${group} (${owners.map((p) => p.project).join(', ')}) has no kind ${kind}` };
          }
        }
      }
      cache.set(key, result);
      return result;
    },
  };
}
