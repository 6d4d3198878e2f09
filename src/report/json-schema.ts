import { riskClasses } from '../model/change.ts';
import type { Change } from '../model/change.ts';
import type { EnvironmentSource } from '../model/environment.ts';
import type { ProblemKind } from '../model/errors.ts';
import { coverageSchema, discoverySchema } from './json-schema-coverage.ts';
import { syncPlanSchema } from './json-schema-sync.ts';

const environmentSources = ['config', 'flux', 'argocd', 'fleet', 'directory', 'path'] as const satisfies readonly EnvironmentSource[];
const problemKinds = ['usage', 'config', 'yaml', 'render', 'validation', 'path', 'git', 'cluster', 'internal', 'no-environments'] as const satisfies readonly ProblemKind[];
const actions = ['create', 'update', 'delete'] as const satisfies readonly Change['action'][];

// Compile-time guard: a value added to one of the model's unions must be added to the lists above.
type Missing<Union, Listed> = Exclude<Union, Listed> extends never ? true : Exclude<Union, Listed>;
const listsAreComplete: [Missing<EnvironmentSource, (typeof environmentSources)[number]>, Missing<ProblemKind, (typeof problemKinds)[number]>, Missing<Change['action'], (typeof actions)[number]>] = [true, true, true];
void listsAreComplete;

const location = {
  file: { type: 'string', description: 'Repo-relative source file.' },
  line: { type: 'integer', minimum: 1, description: '1-based line in `file`.' },
} as const;

const finding = {
  type: 'object',
  description: 'One schema finding on a rendered object.',
  required: ['severity', 'object', 'path', 'message'],
  additionalProperties: false,
  properties: {
    severity: { enum: ['error', 'warning'] },
    ...location,
    object: { type: 'string', description: 'Object identity, e.g. `apps/v1 Deployment web/frontend`.' },
    path: { type: 'string', description: 'JSON-pointer-like path inside the object, e.g. `/spec/replicas`.' },
    message: { type: 'string' },
  },
} as const;

const keyList = { type: 'array', items: { type: 'string' } } as const;

const change = {
  type: 'object',
  description: 'One object that differs between the base and head renders.',
  required: ['action', 'apiVersion', 'kind', 'namespace', 'name', 'risk', 'diff'],
  additionalProperties: false,
  properties: {
    action: { enum: actions },
    apiVersion: { type: 'string', description: 'Head apiVersion (base for deletions).' },
    kind: { type: 'string' },
    namespace: { type: 'string', description: 'Empty for cluster-scoped objects.' },
    name: { type: 'string' },
    risk: { enum: riskClasses, description: 'Risk class; the enum order is riskiest first.' },
    diff: { type: 'string', description: 'Unified diff of the normalised YAML, Secret values masked.' },
    secretKeys: {
      type: 'object',
      description: 'For Secrets: data/stringData keys added, removed or changed (never values).',
      required: ['added', 'removed', 'changed'],
      additionalProperties: false,
      properties: { added: keyList, removed: keyList, changed: keyList },
    },
    ...location,
    rename: {
      type: 'object',
      description: "A kustomize generator's hash-suffix rename shown as one update (applied, the new object is created and the old one pruned).",
      required: ['from', 'generator', 'changed'],
      additionalProperties: false,
      properties: {
        from: { type: 'string', description: 'The base-side name.' },
        generator: { type: 'string', description: 'ConfigMapGenerator or SecretGenerator.' },
        changed: { ...keyList, description: 'Fields whose content changed, e.g. data.LOG_LEVEL (Secrets: key names only).' },
      },
    },
    renamedReferences: {
      type: 'array',
      description: 'Objects renamed by a hash suffix that this object now references by their new name.',
      items: {
        type: 'object',
        required: ['kind', 'name', 'from', 'to'],
        additionalProperties: false,
        properties: {
          kind: { type: 'string' },
          name: { type: 'string', description: 'Name without the hash suffix.' },
          from: { type: 'string' },
          to: { type: 'string' },
        },
      },
    },
    referenceOnly: { type: 'boolean', description: 'True when the renamed references are the only change.' },
  },
} as const;

const renderError = {
  type: 'object',
  required: ['kind', 'message'],
  additionalProperties: false,
  properties: {
    kind: { enum: problemKinds },
    message: { type: 'string' },
    ...location,
    field: { type: 'string', description: 'Dotted path of the offending field.' },
    tool: { type: 'string', description: 'The renderer that failed, e.g. `kustomize`, `helm`.' },
    side: { enum: ['base', 'head'] },
  },
} as const;

/**
 * JSON Schema (draft-07) of `renderJson` output, i.e. `bosun plan --format json`. Strict on purpose: a
 * field added to the model must be added here too (a test renders a full plan and validates it).
 */
export const planJsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://bosun.dev/schemas/plan.json',
  title: 'bosun plan',
  description: 'The result of planning every environment between two commits.',
  type: 'object',
  required: ['base', 'head', 'environments'],
  additionalProperties: false,
  properties: {
    base: { type: 'string', description: 'Base commit.' },
    head: { type: 'string', description: 'Head commit.' },
    environments: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'source', 'path', 'affected', 'reason', 'render', 'validation', 'changes'],
        additionalProperties: false,
        properties: {
          name: { type: 'string' },
          source: { enum: environmentSources, description: 'What defined the environment.' },
          path: { type: 'string', description: 'Repo-relative folder that is rendered.' },
          cluster: { type: 'string', description: 'Name in the server-side cluster registry.' },
          producedBy: {
            type: 'object',
            required: ['kind', 'name'],
            additionalProperties: false,
            description: 'Argo CD: the parent Application (app of apps) or ApplicationSet that produces this environment.',
            properties: {
              kind: { enum: ['Application', 'ApplicationSet'] },
              name: { type: 'string' },
              environment: { type: 'string', description: 'The environment whose render holds the parent (absent for a parent in a file no environment renders).' },
            },
          },
          pinned: { type: 'string', description: 'Argo CD: the tag, branch or commit it follows instead of the branch the change merges into; such an environment is not affected by the change.' },
          affected: { type: 'boolean', description: 'Whether any input of the render changed.' },
          reason: { type: 'string', description: 'Why it was rendered or skipped.' },
          lifecycle: { enum: ['added', 'removed'], description: 'Present when the environment exists only at head / only at base.' },
          render: {
            description: 'Object counts, `skipped` when not rendered, or the render error.',
            oneOf: [
              {
                type: 'object',
                required: ['objects'],
                additionalProperties: false,
                properties: { objects: { type: 'integer', minimum: 0 }, baseObjects: { type: 'integer', minimum: 0 } },
              },
              { type: 'object', required: ['skipped'], additionalProperties: false, properties: { skipped: { const: true } } },
              { type: 'object', required: ['error'], additionalProperties: false, properties: { error: renderError } },
            ],
          },
          validation: {
            type: 'object',
            required: ['errors', 'warnings'],
            additionalProperties: false,
            properties: { errors: { type: 'array', items: finding }, warnings: { type: 'array', items: finding } },
          },
          changes: { type: 'array', items: change, description: 'Riskiest first as reported; unchanged objects omitted.' },
          sync: syncPlanSchema,
          preview: {
            type: 'object',
            description: 'Apply preview against the live cluster (with `--clusters`): `{ environment, cluster, objects, prunes, counts, notes, ok }` — per object `action` create|update|unchanged|conflict|rejected|prune, `diff` (Secrets masked), `conflicts`, `message` — or `{ error }` when the cluster could not be reached.',
            oneOf: [
              {
                type: 'object',
                required: ['environment', 'cluster', 'objects', 'prunes', 'counts', 'notes', 'ok'],
                properties: { environment: { type: 'string' }, cluster: { type: 'string' }, objects: { type: 'array' }, prunes: { type: 'array' }, counts: { type: 'object' }, notes: { type: 'array', items: { type: 'string' } }, ok: { type: 'boolean' } },
              },
              { type: 'object', required: ['error'], additionalProperties: false, properties: { error: renderError } },
            ],
          },
          timeBudgetSpent: { const: true, description: 'The plan\'s time budget was spent before this affected environment rendered: not previewed (`render` is `skipped`, `reason` says so).' },
        },
      },
    },
    timeBudget: {
      type: 'object',
      required: ['budget', 'setting', 'rendered', 'affected', 'notPreviewed'],
      additionalProperties: false,
      description: 'Present when the plan\'s time budget (`--plan-timeout`, `BOSUN_PLAN_TIMEOUT`) was spent before every affected environment rendered; exit code 3.',
      properties: {
        budget: { type: 'string', description: 'The budget as set, e.g. `30m`.' },
        setting: { type: 'string', description: 'How it is changed: `--plan-timeout` or `BOSUN_PLAN_TIMEOUT`.' },
        rendered: { type: 'integer', minimum: 0, description: 'Affected environments that rendered (or failed) within it.' },
        affected: { type: 'integer', minimum: 0, description: 'Every affected environment of the plan.' },
        notPreviewed: { type: 'array', items: { type: 'string' }, description: 'The affected environments it left unrendered.' },
      },
    },
    coverage: coverageSchema,
    discovery: discoverySchema,
  },
} as const;
