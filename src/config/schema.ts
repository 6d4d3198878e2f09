import { z } from 'zod';
import { maxReleaseNameLength, releaseNamePattern, valueFileProblem } from '../util/argument-rules.ts';
import { classifyRef, remoteRefusal } from '../util/remote-refs.ts';
import { durationPattern } from './duration.ts';
import { defaultKubernetesVersion, kubernetesVersionPattern } from '../model/kubernetes-version.ts';

/**
 * The `.bosun.yaml` schema: the single source for validation, the `RepoConfig` type and the
 * configuration reference in docs/configuration.md (see reference.ts). Objects are strict: a misspelt key is an
 * error, never silently ignored.
 */

const duration = z.string().regex(durationPattern, { error: 'expected a duration such as "90s", "5m" or "1h30m"' });

/** Paths in the repository; a URL or git spec would have a render tool fetch it, so it is refused here already. */
const relativePath = z
  .string()
  .min(1, { error: 'must not be empty' })
  .refine((v) => classifyRef(v) !== 'remote', { error: `is a remote reference: ${remoteRefusal} and give its path relative to the repository` });

/** helm reads `--values` as a comma-separated list, so a comma would name a second file. */
const valueFile = relativePath.refine((v) => valueFileProblem(v) === undefined, { error: 'must not contain a comma or a double quote: helm would read it as several files' });

/** Helm's own rule (chartutil.ValidateReleaseName); the name is an argument of `helm template`. */
const releaseName = z
  .string()
  .max(maxReleaseNameLength, { error: `must be at most ${maxReleaseNameLength} characters (Helm's limit for release names)` })
  .regex(releaseNamePattern, { error: 'must be a valid Helm release name: lower-case letters, digits, "-" and ".", starting and ending with a letter or digit' });

const dnsLabel = z
  .string()
  .max(63, { error: 'must be at most 63 characters' })
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'must be a DNS label: lower-case letters, digits and "-"' });

/**
 * `1.29`, `v1.29` or `1.29.3`, as a string: YAML reads an unquoted 1.30 as the number 1.3, so a number is
 * refused with that hint rather than silently meaning another version.
 */
export const kubernetesVersion = z
  .string({ error: 'must be a quoted string such as "1.30": YAML reads an unquoted 1.30 as the number 1.3' })
  .regex(kubernetesVersionPattern, { error: 'must be a Kubernetes minor version such as "1.30" (or "v1.30", "1.30.2")' });

export const renderKinds = ['auto', 'plain', 'kustomize', 'helm'] as const;
export const applyRequirements = ['approved', 'mergeable', 'up-to-date'] as const;
export const permissionLevels = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
const missingSchema = z.enum(['warn', 'error']);

const patchTarget = z.strictObject({
  group: z.string().optional(),
  version: z.string().optional(),
  kind: z.string().optional(),
  name: z.string().optional(),
  namespace: z.string().optional(),
  labelSelector: z.string().optional(),
  annotationSelector: z.string().optional(),
});

const helmOptions = z
  .strictObject({
    releaseName: releaseName.optional().describe('Helm release name (default: the environment name).'),
    valueFiles: z.array(valueFile).optional().describe('Value files, relative to the chart folder, applied in order.'),
    values: z.record(z.string(), z.unknown()).optional().describe('Inline values, applied after the value files.'),
  })
  .describe('Options for a Helm chart folder.');

const kustomizeOptions = z
  .strictObject({
    namespace: dnsLabel.optional().describe('Rewrites the namespace of every namespaced object (kustomize `namespace:`).'),
    namePrefix: z.string().optional(),
    nameSuffix: z.string().optional(),
    images: z.array(z.string()).optional().describe('Image overrides as `name=newName:tag`, `name:tag` or `name@digest`.'),
    commonLabels: z.record(z.string(), z.string()).optional(),
    commonAnnotations: z.record(z.string(), z.string()).optional(),
    patches: z
      .array(z.strictObject({ patch: z.string().min(1), target: patchTarget.optional() }))
      .optional()
      .describe('Inline strategic-merge or JSON6902 patches with an optional target selector.'),
    components: z.array(relativePath).optional().describe('Kustomize components, relative to the environment path.'),
  })
  .describe('Kustomize options applied on top of the folder’s own kustomization.');

/** Settings an environment may set and `defaults` may provide for all of them. */
const environmentSettings = {
  cluster: z.string().min(1).optional().describe('A cluster name from the server-side cluster registry; never credentials.'),
  namespace: dnsLabel.optional().describe('Default namespace for namespaced objects that set none (use `kustomize.namespace` to rewrite all).'),
  render: z.enum(renderKinds).optional().describe('How the path is rendered; `auto` decides from the folder contents.'),
  prune: z.boolean().optional().describe('Delete objects that bosun applied and Git no longer has (default true).'),
  autoApply: z.boolean().optional().describe('Apply on merge to the default branch (default true).'),
  selfHeal: z.boolean().optional().describe('Correct drift automatically; otherwise drift is only reported (default false).'),
  requires: z.array(z.enum(applyRequirements)).optional().describe('Gates for `/bosun apply` before merge.'),
  allowPreMergeApply: z.boolean().optional().describe('Allow `/bosun apply` before merge (default false).'),
  forceConflicts: z.boolean().optional().describe('Take over fields owned by other managers on server-side apply (default false).'),
  allowEmpty: z.boolean().optional().describe('Allow pruning everything when the render is empty (default false).'),
  healthTimeout: duration.optional().describe('How long to wait for health after apply (default 5m).'),
  reconcileInterval: duration.optional().describe('How often to check for drift (default 10m).'),
  requireMatchingPlan: z.boolean().optional().describe('Apply after merge only when the render matches the approved plan (default false).'),
  missingSchema: missingSchema.optional().describe('Whether an object without a schema is a warning or an error.'),
  kubernetesVersion: kubernetesVersion.optional().describe(`Kubernetes version the environment runs, e.g. "1.29" (quoted): removed APIs are judged against it. Default: the cluster registry's \`kubernetesVersion\` for the cluster, else the live cluster's version when it is registered, else ${defaultKubernetesVersion}.`),
  helm: helmOptions.optional(),
  kustomize: kustomizeOptions.optional(),
};

export const environmentSchema = z.strictObject({
  name: z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, { error: 'may contain only letters, digits, ".", "_", "-" and "/" and must start with a letter or digit' })
    // Its plan check run would be `bosun / apply`, the name of the one run of a merge bosun could not plan (github/names.ts).
    .refine((name) => name !== 'apply', { error: '"apply" is reserved: `bosun / apply` is the check run of a merge whose configuration is broken; choose another name' })
    .describe('Unique environment name, shown in reports and used in commands.'),
  path: relativePath.describe('Folder relative to the repository root: plain manifests, a kustomization or a Helm chart.'),
  ...environmentSettings,
  dependsOn: z.array(z.string().min(1)).optional().describe('Environments applied (and healthy) before this one.'),
});

const permission = z.enum(permissionLevels);

export const repoConfigSchema = z.strictObject({
  version: z.literal(1, { error: 'must be 1' }).describe('Config format version; always 1.'),
  environments: z
    .array(environmentSchema)
    .min(1, { error: 'must list at least one environment; remove the key to let bosun discover environments' })
    .optional()
    .describe('The environments; when absent, bosun discovers them (Flux, Argo CD, clusters/<name>/).'),
  defaults: z.strictObject(environmentSettings).optional().describe('Settings applied to every environment that does not set them.'),
  validation: z
    .strictObject({
      missingSchema: missingSchema.optional().describe('Default for environments that do not set `missingSchema` (default warn).'),
      skipKinds: z.array(z.string().min(1)).optional().describe('Kinds (`Kind` or `group/Kind`) not validated.'),
    })
    .optional(),
  commands: z
    .strictObject({
      permissions: z
        .strictObject({
          plan: permission.default('write').describe('Repository permission needed for `/bosun plan` (default write).'),
          apply: permission.default('maintain').describe('Repository permission needed for `/bosun apply` (default maintain).'),
          unlock: permission.default('maintain').describe('Repository permission needed for `/bosun unlock` (default maintain).'),
          rollback: permission.default('maintain').describe('Repository permission needed for `/bosun rollback` (default maintain).'),
          sync: permission.default('maintain').describe('Repository permission needed for `/bosun sync` (default maintain).'),
          drift: permission.default('write').describe('Repository permission needed for `/bosun drift` (default write).'),
        })
        .default({ plan: 'write', apply: 'maintain', unlock: 'maintain', rollback: 'maintain', sync: 'maintain', drift: 'write' }),
    })
    .default({ permissions: { plan: 'write', apply: 'maintain', unlock: 'maintain', rollback: 'maintain', sync: 'maintain', drift: 'write' } }),
});

export type RepoConfig = z.output<typeof repoConfigSchema>;
export type RepoConfigInput = z.input<typeof repoConfigSchema>;
export type ConfigEnvironment = z.output<typeof environmentSchema>;
export type ConfigDefaults = NonNullable<RepoConfig['defaults']>;
export type PermissionLevel = (typeof permissionLevels)[number];
