import { hookDeletePolicies, hookPhases } from '../model/sync.ts';

const location = {
  file: { type: 'string', description: 'Repo-relative source file.' },
  line: { type: 'integer', minimum: 1, description: '1-based line in `file`.' },
} as const;

const identity = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  namespace: { type: 'string', description: 'Empty for cluster-scoped objects (and hooks without one).' },
  name: { type: 'string', description: 'The name, or `<generateName>*` for an object the cluster names at each run.' },
} as const;

/** JSON Schema of `environments[].sync` (src/model/sync-plan.ts). */
export const syncPlanSchema = {
  type: 'object',
  description: 'How the head render is synced, when that is more than one plain apply: Argo CD hooks in run order, sync waves and objects a sync never applies.',
  required: ['hooks', 'waves', 'skipped'],
  additionalProperties: false,
  properties: {
    hooks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['phase', 'wave', 'apiVersion', 'kind', 'namespace', 'name', 'deletePolicies', 'declaredBy'],
        additionalProperties: false,
        properties: {
          phase: { enum: hookPhases },
          wave: { type: 'integer' },
          ...identity,
          generateName: { type: 'boolean', description: 'True when the hook has no name of its own (bosun names it at each run).' },
          deletePolicies: { type: 'array', items: { enum: hookDeletePolicies } },
          declaredBy: { type: 'string', description: 'The annotation that makes it a hook, e.g. `helm.sh/hook: pre-upgrade`.' },
          ...location,
        },
      },
    },
    waves: {
      type: 'array',
      description: 'Objects per wave, lowest first.',
      items: { type: 'object', required: ['wave', 'objects'], additionalProperties: false, properties: { wave: { type: 'integer' }, objects: { type: 'integer', minimum: 0 } } },
    },
    skipped: {
      type: 'array',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind', 'namespace', 'name', 'reason'],
        additionalProperties: false,
        properties: { ...identity, reason: { type: 'string' }, ...location },
      },
    },
    kept: {
      type: 'array',
      description: 'Objects the change removes from Git that the controller leaves in the cluster (Argo CD Prune=false, Delete=false, a CRD or helm.sh/resource-policy: keep when the Application is deleted; Flux prune: disabled, spec.prune off; Helm keep…), with why; not among `changes`.',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind', 'namespace', 'name', 'reason'],
        additionalProperties: false,
        properties: { ...identity, reason: { type: 'string' }, ...location },
      },
    },
  },
} as const;
