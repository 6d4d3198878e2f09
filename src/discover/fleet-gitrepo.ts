import { BosunError } from '../model/errors.ts';
import { parseLabelSelector } from '../model/label-selector.ts';
import type { DataPath } from '../config/yaml-location.ts';
import { fieldName, type FleetTarget } from './fleet-yaml.ts';
import { field, isRecord, list, str, stringMap } from './object-fields.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';

/**
 * A Rancher Fleet `GitRepo` object of the repository (pkg/apis/fleet.cattle.io/v1alpha1/gitrepo_types.go):
 * the fields that decide which folders become bundles, where they go and how.
 */
export interface FleetGitRepo {
  doc: YamlObjectDoc;
  name: string;
  repo?: string;
  branch?: string;
  revision?: string;
  /** `spec.paths`; Fleet's default is the repository root. */
  paths: string[];
  /** `spec.targets`; empty: Fleet's default target (cluster group `default`). */
  targets: FleetTarget[];
  targetNamespace?: string;
  paused: boolean;
  keepResources: boolean;
  correctDrift: boolean;
  /** Labels of the GitRepo, which Fleet copies to its bundles (for dependsOn selectors). */
  labels: Record<string, string>;
  /** `spec.bundles` (user-driven scan), which bosun does not model. */
  drivenScan: boolean;
  /** Fields bosun does not model, with why. */
  unmodelled: Array<{ field: string; why: string }>;
}

const unmodelledSpec: Record<string, string> = {
  serviceAccount: 'bosun applies with its own credentials for the cluster',
  helmSecretName: 'remote charts are not previewed',
  helmSecretNameForPaths: 'remote charts are not previewed',
  helmRepoURLRegex: 'remote charts are not previewed',
  forceSyncGeneration: 'a redeploy counter: bosun applies on every merge',
  deleteNamespace: 'bosun does not delete namespaces when a bundle is removed',
  ociRegistry: 'bundles stored in an OCI registry are what bosun renders from the repository',
  imageScanCommit: 'image scans write commits back to the repository; bosun previews what is committed',
};

export function isFleetGitRepo(doc: YamlObjectDoc): boolean {
  const apiVersion = doc.object.apiVersion;
  return doc.object.kind === 'GitRepo' && typeof apiVersion === 'string' && /^fleet\.cattle\.io\//.test(apiVersion);
}

export function readFleetGitRepo(doc: YamlObjectDoc): FleetGitRepo {
  const spec = field(doc.object, 'spec');
  const fail = (path: DataPath, message: string): never => {
    throw new BosunError({ kind: 'config', file: doc.file, line: doc.lineOf(path) ?? doc.line, field: fieldName(path), message });
  };
  const name = str(field(doc.object, 'metadata', 'name'));
  if (!name) fail(['metadata', 'name'], 'a Fleet GitRepo needs metadata.name (its bundles are named after it)');
  const paths = list(field(spec, 'paths'));
  paths.forEach((p, i) => {
    if (typeof p !== 'string') fail(['spec', 'paths', i], 'spec.paths entries are folder paths (globs allowed)');
  });
  const targets: FleetTarget[] = list(field(spec, 'targets')).map((raw, i) => {
    const at: DataPath = ['spec', 'targets', i];
    if (!isRecord(raw)) fail(at, 'a GitRepo target is a mapping (name, clusterName, clusterSelector, clusterGroup, clusterGroupSelector)');
    const t = raw as Record<string, unknown>;
    const target: FleetTarget = { name: str(t.name) ?? `target${String(i).padStart(3, '0')}`, doNotDeploy: t.doNotDeploy === true, options: { at: { path: at, line: (p) => doc.lineOf(p) } }, line: doc.lineOf(at) };
    if (str(t.clusterName)) target.clusterName = str(t.clusterName);
    if (str(t.clusterGroup)) target.clusterGroup = str(t.clusterGroup);
    for (const key of ['clusterSelector', 'clusterGroupSelector'] as const) {
      const parsed = parseLabelSelector(t[key]);
      if (parsed.problem) fail([...at, key], parsed.problem);
      if (parsed.selector) target[key] = parsed.selector;
    }
    return target;
  });
  const unmodelled: FleetGitRepo['unmodelled'] = [];
  for (const [key, why] of Object.entries(unmodelledSpec)) {
    const value = field(spec, key);
    if (value !== undefined && value !== null && value !== '' && value !== false && value !== 0) unmodelled.push({ field: `spec.${key}`, why });
  }
  return {
    doc,
    name: name!,
    ...(str(field(spec, 'repo')) ? { repo: str(field(spec, 'repo')) } : {}),
    ...(str(field(spec, 'branch')) ? { branch: str(field(spec, 'branch')) } : {}),
    ...(str(field(spec, 'revision')) ? { revision: str(field(spec, 'revision')) } : {}),
    paths: paths as string[],
    targets,
    ...(str(field(spec, 'targetNamespace')) ? { targetNamespace: str(field(spec, 'targetNamespace')) } : {}),
    paused: field(spec, 'paused') === true,
    keepResources: field(spec, 'keepResources') === true,
    correctDrift: field(spec, 'correctDrift', 'enabled') === true,
    labels: stringMap(field(doc.object, 'metadata', 'labels')) ?? {},
    drivenScan: list(field(spec, 'bundles')).length > 0,
    unmodelled,
  };
}
