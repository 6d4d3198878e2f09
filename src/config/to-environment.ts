import { posix } from 'node:path';
import { environmentDefaults, type Environment, type EnvironmentSettingDefaults, type HelmOptions, type KustomizeOptions } from '../model/environment.ts';
import type { SourceRef } from '../model/object.ts';
import { parseDuration } from './duration.ts';
import { normalizeKubernetesVersion } from '../model/kubernetes-version.ts';
import type { ConfigEnvironment, RepoConfig } from './schema.ts';

/** Repo-relative POSIX folder without './' or trailing '/'; '' and './' become '.'. */
export function normalizeRepoPath(path: string): string {
  const normal = posix.normalize(path.replace(/\\/g, '/')).replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return normal === '' ? '.' : normal;
}

/**
 * A `.bosun.yaml` environment as the shared `Environment`. Precedence: the environment's own setting,
 * then `defaults`, then (for `missingSchema`) `validation.missingSchema`, then `environmentDefaults`.
 * `helm` and `kustomize` blocks merge key by key with the defaults' blocks.
 */
export function configEnvironmentToEnvironment(env: ConfigEnvironment, config: RepoConfig, definedIn?: SourceRef): Environment {
  const d = config.defaults ?? {};
  const pick = <K extends keyof typeof d>(key: K) => (env[key] ?? d[key]) as ConfigEnvironment[K];
  const helm = mergeHelm(d.helm, env.helm);
  const kustomize = mergeKustomize(d.kustomize, env.kustomize);
  const healthTimeout = pick('healthTimeout');
  const reconcileInterval = pick('reconcileInterval');

  const result: Environment = {
    name: env.name,
    source: 'config',
    path: normalizeRepoPath(env.path),
    render: pick('render') ?? environmentDefaults.render,
    prune: pick('prune') ?? environmentDefaults.prune,
    autoApply: pick('autoApply') ?? environmentDefaults.autoApply,
    selfHeal: pick('selfHeal') ?? environmentDefaults.selfHeal,
    dependsOn: [...(env.dependsOn ?? [])],
    requires: [...(pick('requires') ?? environmentDefaults.requires)],
    allowPreMergeApply: pick('allowPreMergeApply') ?? environmentDefaults.allowPreMergeApply,
    forceConflicts: pick('forceConflicts') ?? environmentDefaults.forceConflicts,
    allowEmpty: pick('allowEmpty') ?? environmentDefaults.allowEmpty,
    healthTimeoutSeconds: (healthTimeout ? parseDuration(healthTimeout) : undefined) ?? environmentDefaults.healthTimeoutSeconds,
    reconcileIntervalSeconds: (reconcileInterval ? parseDuration(reconcileInterval) : undefined) ?? environmentDefaults.reconcileIntervalSeconds,
    requireMatchingPlan: pick('requireMatchingPlan') ?? environmentDefaults.requireMatchingPlan,
    missingSchema: pick('missingSchema') ?? config.validation?.missingSchema ?? environmentDefaults.missingSchema,
  };
  if (definedIn) result.definedIn = definedIn;
  const cluster = pick('cluster');
  if (cluster !== undefined) result.cluster = cluster;
  const namespace = pick('namespace');
  if (namespace !== undefined) result.namespace = namespace;
  const kubernetesVersion = normalizeKubernetesVersion(pick('kubernetesVersion'));
  if (kubernetesVersion !== undefined) result.kubernetesVersion = kubernetesVersion;
  if (helm) result.helm = helm;
  if (kustomize) result.kustomize = kustomize;
  return result;
}

/**
 * `defaults` as the settings of a discovered environment (one `.bosun.yaml` does not list): only what
 * `defaults` sets, durations in seconds. `render`, `helm` and `kustomize` are left out: how a Flux
 * Kustomization, an Argo CD Application or a Fleet bundle is rendered is what its controller does.
 */
export function discoveredDefaults(config: RepoConfig | undefined): EnvironmentSettingDefaults {
  const d = config?.defaults ?? {};
  const out: EnvironmentSettingDefaults = {};
  for (const key of ['cluster', 'namespace', 'prune', 'autoApply', 'selfHeal', 'allowPreMergeApply', 'forceConflicts', 'allowEmpty', 'requireMatchingPlan'] as const) {
    if (d[key] !== undefined) (out as Record<string, unknown>)[key] = d[key];
  }
  if (d.requires) out.requires = [...d.requires];
  const healthTimeout = d.healthTimeout ? parseDuration(d.healthTimeout) : undefined;
  if (healthTimeout !== undefined) out.healthTimeoutSeconds = healthTimeout;
  const reconcileInterval = d.reconcileInterval ? parseDuration(d.reconcileInterval) : undefined;
  if (reconcileInterval !== undefined) out.reconcileIntervalSeconds = reconcileInterval;
  const missingSchema = d.missingSchema ?? config?.validation?.missingSchema;
  if (missingSchema) out.missingSchema = missingSchema;
  const kubernetesVersion = normalizeKubernetesVersion(d.kubernetesVersion);
  if (kubernetesVersion !== undefined) out.kubernetesVersion = kubernetesVersion;
  return out;
}

/** All environments of a config, with `definedIn` pointing at each entry's line when known. */
export function configEnvironments(config: RepoConfig, source?: { file: string; lines?: Array<number | undefined> }): Environment[] {
  return (config.environments ?? []).map((env, i) =>
    configEnvironmentToEnvironment(env, config, source ? { file: source.file, ...(source.lines?.[i] ? { line: source.lines[i] } : {}) } : undefined),
  );
}

function mergeHelm(defaults: ConfigEnvironment['helm'], own: ConfigEnvironment['helm']): HelmOptions | undefined {
  if (!defaults && !own) return undefined;
  const merged = { ...defaults, ...own };
  const out: HelmOptions = { valueFiles: [...(merged.valueFiles ?? [])] };
  if (merged.releaseName !== undefined) out.releaseName = merged.releaseName;
  if (merged.values !== undefined) out.values = merged.values;
  return out;
}

function mergeKustomize(defaults: ConfigEnvironment['kustomize'], own: ConfigEnvironment['kustomize']): KustomizeOptions | undefined {
  if (!defaults && !own) return undefined;
  const merged = { ...defaults, ...own };
  const out: KustomizeOptions = {};
  for (const [key, value] of Object.entries(merged)) if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  return out;
}
