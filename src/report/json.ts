import { sortByRisk } from '../diff/risk.ts';
import type { Change } from '../model/change.ts';
import type { Coverage, DiscoveryNote, UncoveredFile } from '../model/discovery.ts';
import type { EnvironmentPlan, PlanResult } from '../model/plan.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { scrub } from '../util/scrub.ts';

/**
 * `bosun plan --format json`: 2-space JSON with keys in the order of src/model/plan.ts (described by
 * `planJsonSchema`), absent optional fields left out, changes riskiest first. Fields added to the model later but not listed
 * here still come out, after the known ones, sorted, so nothing is lost before this file catches up.
 * Free-text messages pass through the secret scrubber like every other output.
 */
export function renderJson(plan: PlanResult): string {
  return `${JSON.stringify(ordered(plan, ['base', 'head', 'environments', 'timeBudget', 'coverage', 'discovery'], {
    environments: (envs) => (envs as EnvironmentPlan[]).map(environment),
    coverage: (coverage) => coverageJson(coverage as Coverage),
    discovery: (notes) => (notes as DiscoveryNote[]).map(noteJson),
  }), null, 2)}\n`;
}

function coverageJson(coverage: Coverage): Record<string, unknown> {
  return ordered(coverage, ['covered', 'uncovered'], {
    uncovered: (list) => (list as UncoveredFile[]).map((u) => ordered(u, ['file', 'reason', 'changed', 'deleted'], { reason: (r) => scrub(String(r)) })),
  });
}

function noteJson(note: DiscoveryNote): Record<string, unknown> {
  return ordered(note, ['status', 'kind', 'apiVersion', 'name', 'namespace', 'file', 'line', 'reason', 'environments', 'reads', 'changed'], { reason: (r) => scrub(String(r)) });
}

type Mappers = Record<string, (value: unknown) => unknown>;

function environment(env: EnvironmentPlan): Record<string, unknown> {
  return ordered(env, ['name', 'source', 'path', 'cluster', 'producedBy', 'pinned', 'affected', 'reason', 'lifecycle', 'render', 'validation', 'changes', 'sync'], {
    render: (render) => ordered(render as object, ['objects', 'baseObjects', 'skipped', 'error'], {
      error: (error) => ordered(error as object, ['kind', 'message', 'file', 'line', 'field', 'tool', 'side'], { message: (m) => scrub(String(m)) }),
    }),
    validation: (validation) => ordered(validation as object, ['errors', 'warnings'], {
      errors: (list) => (list as ValidationFinding[]).map(finding),
      warnings: (list) => (list as ValidationFinding[]).map(finding),
    }),
    changes: (changes) => sortByRisk(changes as Change[]).map(change),
  });
}

function finding(f: ValidationFinding): Record<string, unknown> {
  return ordered(f, ['severity', 'file', 'line', 'object', 'path', 'message'], { message: (m) => scrub(String(m)) });
}

function change(c: Change): Record<string, unknown> {
  return ordered(c, ['action', 'apiVersion', 'kind', 'namespace', 'name', 'risk', 'diff', 'secretKeys', 'file', 'line', 'rename', 'renamedReferences', 'referenceOnly'], {
    secretKeys: (keys) => ordered(keys as object, ['added', 'removed', 'changed']),
    rename: (rename) => ordered(rename as object, ['from', 'generator', 'changed']),
    renamedReferences: (refs) => (refs as object[]).map((r) => ordered(r, ['kind', 'name', 'from', 'to'])),
  });
}

function ordered(source: object, keys: readonly string[], mappers: Mappers = {}): Record<string, unknown> {
  const input = source as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const extra = Object.keys(input).filter((key) => !keys.includes(key)).sort();
  for (const key of [...keys, ...extra]) {
    const value = input[key];
    if (value === undefined) continue;
    out[key] = mappers[key] ? mappers[key](value) : value;
  }
  return out;
}
