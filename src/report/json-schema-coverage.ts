import { discoveryNoteStatuses } from '../model/discovery.ts';

/** JSON Schema of the plan's `coverage` (src/model/discovery.ts `Coverage`). */
export const coverageSchema = {
  type: 'object',
  description: 'GitOps-looking files (manifests, kustomizations, Helm charts and values, fleet.yaml, .sops.yaml, jsonnet) and whether an environment reads them.',
  required: ['covered', 'uncovered'],
  additionalProperties: false,
  properties: {
    covered: { type: 'integer', minimum: 0, description: 'GitOps files at head that at least one environment reads.' },
    uncovered: {
      type: 'array',
      description: 'GitOps files no environment bosun found reads ("not deployed by any environment bosun found"): changed ones first, then by path.',
      items: {
        type: 'object',
        required: ['file'],
        additionalProperties: false,
        properties: {
          file: { type: 'string', description: 'Repo-relative path.' },
          reason: { type: 'string', description: 'Why, when known: the object bosun saw and does not preview that reads it, or the file\'s kind.' },
          changed: { const: true, description: 'The change under plan touches this file: bosun cannot judge what it does.' },
          deleted: { const: true, description: 'The change deletes this file (it is not at head).' },
        },
      },
    },
  },
} as const;

/** JSON Schema of the plan's `discovery` notes (src/model/discovery.ts `DiscoveryNote`). */
export const discoverySchema = {
  type: 'array',
  description: 'Every GitOps object discovery saw and did not turn into a previewed environment, with why; and caveats about environments.',
  items: {
    type: 'object',
    required: ['status', 'kind', 'reason'],
    additionalProperties: false,
    properties: {
      status: { enum: discoveryNoteStatuses, description: '`not-an-environment`: seen, not an environment; `not-previewed`: deploys something bosun cannot render; `info`: a caveat.' },
      kind: { type: 'string', description: 'Kubernetes kind (`Application`, `ApplicationSet`, `Kustomization`, `HelmRelease`, `GitRepository`, …), or `Bundle` (fleet.yaml), `Environment`, `Config`, `File`, `Repository`.' },
      apiVersion: { type: 'string' },
      name: { type: 'string' },
      namespace: { type: 'string' },
      file: { type: 'string', description: 'Repo-relative file that holds it.' },
      line: { type: 'integer', minimum: 1 },
      reason: { type: 'string' },
      environments: { type: 'array', items: { type: 'string' }, description: 'The environments it is about, or that deploy the object.' },
      reads: { type: 'array', items: { type: 'string' }, description: 'Folders or files of this repository it deploys or reads while bosun does not preview it (`.` is the whole repository).' },
      changed: { type: 'array', items: { type: 'string' }, description: 'For `not-previewed`: files under `reads` the change touches; bosun cannot judge their effect here.' },
    },
  },
} as const;
