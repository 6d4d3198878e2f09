import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { lineAt, type DataPath } from '../config/yaml-location.ts';
import { BosunError } from '../model/errors.ts';
import { parseLabelSelector, type LabelSelector } from '../model/label-selector.ts';
import { resolveInRepo } from '../util/paths.ts';
import type { ClusterCriteria } from './fleet-targets.ts';

/**
 * A `fleet.yaml` as Rancher Fleet reads it: the FleetYAML struct (rancher/fleet
 * pkg/apis/fleet.cattle.io/v1alpha1/fleetyaml.go) — name, labels, the inlined BundleSpec (deployment
 * options, paused, targetCustomizationMode, dependsOn) and targetCustomizations / overrideTargets. Fields
 * bosun reads are typed; fields it knows and does not model are returned in `unmodelled` (each becomes a
 * discovery note), and so are fields Fleet does not have (it unmarshals fleet.yaml without strict field
 * checks, so a misspelt field is silently ignored there: bosun says so). A value of the wrong type is
 * refused with its line, as Fleet's unmarshalling fails on it.
 */
export interface FleetYaml {
  file: string;
  name?: string;
  labels: Record<string, string>;
  options: FleetOptions;
  paused: boolean;
  /** `targetCustomizationMode`: the first matching customization (Fleet's default) or all of them, merged in order. */
  customizationMode: 'FirstMatch' | 'AllMatches';
  targetCustomizations: FleetTarget[];
  /** `overrideTargets`: replaces the GitRepo's targets for this bundle. */
  overrideTargets?: FleetTarget[];
  dependsOn: FleetDependency[];
  unmodelled: Array<{ field: string; line?: number; why: string }>;
}

/** BundleDeploymentOptions: what a bundle and each target customization may set. */
export interface FleetOptions {
  defaultNamespace?: string;
  namespace?: string;
  helm?: FleetHelmOptions;
  kustomizeDir?: string;
  overlays?: string[];
  comparePatches?: FleetComparePatch[];
  keepResources?: boolean;
  /** Read from the bundle's own options only (rancher/fleet options/calculate.go Merge never takes a customization's). */
  deleteCRDResources?: boolean;
  correctDrift?: boolean;
  namespaceLabels?: Record<string, string>;
  namespaceAnnotations?: Record<string, string>;
  /** Where these options are (the file's lines for fields bosun names in problems). */
  at: { path: DataPath; line: (path: DataPath) => number | undefined };
}

export interface FleetHelmOptions {
  chart?: string;
  repo?: string;
  version?: string;
  releaseName?: string;
  values?: Record<string, unknown>;
  valuesFiles: string[];
  valuesFrom: Array<{ kind: 'ConfigMap' | 'Secret'; name?: string; namespace?: string; key?: string }>;
  takeOwnership?: boolean;
  disablePreProcess?: boolean;
  templateValues?: Record<string, string>;
}

export interface FleetComparePatch {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  jsonPointers: string[];
  operations: Array<{ op?: string; path?: string; value?: unknown }>;
}

/** A target or target customization of fleet.yaml: which clusters it matches (fleet-targets.ts) and what it sets there. */
export interface FleetTarget extends ClusterCriteria {
  options: FleetOptions;
  line?: number;
}

export interface FleetDependency {
  name?: string;
  selector?: LabelSelector;
  line?: number;
}

type Rec = Record<string, unknown>;

const notAField = 'not a field Fleet reads here (it ignores it without a word): a typo? See https://fleet.rancher.io/ref-fleet-yaml';

/** Fields of fleet.yaml that Fleet has and bosun does not model, with why (each becomes a note). */
const unmodelledTop: Record<string, string> = {
  rolloutStrategy: 'rollout partitions pace Fleet\'s own deployment; bosun applies each cluster\'s environment on merge',
  imageScans: 'image scans write commits back to the repository; bosun previews what is committed',
  ignore: 'ignored status conditions only change how Fleet reports readiness',
  targets: 'fleet.yaml targets are GitRepo targets Fleet appends; use targetCustomizations or overrideTargets',
  resources: 'a Bundle\'s resources are read from the folder, not from fleet.yaml',
  helmOpOptions: 'HelmOps are not GitRepo bundles',
  contentsId: 'set by Fleet itself',
};
const unmodelledOptions: Record<string, string> = {
  serviceAccount: 'bosun applies with its own credentials for the cluster',
  forceSyncGeneration: 'a redeploy counter: bosun applies on every merge',
  deleteNamespace: 'bosun does not delete the namespace when a bundle is removed',
  downstreamResources: 'resources copied from the management cluster are not in the repository',
};
const unmodelledHelm: Record<string, string> = {
  version: 'the version of a remote chart',
  force: 'bosun applies with server-side apply, never a replace',
  atomic: 'bosun stops on the first failed object and prunes nothing after it',
  timeoutSeconds: 'bosun waits for health with the environment\'s healthTimeout',
  maxHistory: 'bosun keeps no Helm release history',
  waitForJobs: 'bosun waits for every object\'s health, Jobs included',
  disableDNS: 'bosun renders without network; lookups of DNS in templates find nothing',
  skipSchemaValidation: 'helm template checks values.schema.json as Fleet does unless this is set',
  disableDependencyUpdate: 'bosun renders vendored chart dependencies only',
};

const knownTop = new Set(['name', 'labels', 'targetCustomizations', 'overrideTargets', 'paused', 'targetCustomizationMode', 'dependsOn', 'defaultNamespace', 'namespace', 'helm', 'kustomize', 'yaml', 'diff', 'keepResources', 'deleteCRDResources', 'correctDrift', 'namespaceLabels', 'namespaceAnnotations', ...Object.keys(unmodelledTop), ...Object.keys(unmodelledOptions)]);
const knownOptions = new Set(['defaultNamespace', 'namespace', 'helm', 'kustomize', 'yaml', 'diff', 'keepResources', 'deleteCRDResources', 'correctDrift', 'namespaceLabels', 'namespaceAnnotations', ...Object.keys(unmodelledOptions)]);
const knownTarget = new Set(['name', 'clusterName', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector', 'doNotDeploy', ...knownOptions]);
const knownHelm = new Set(['chart', 'repo', 'releaseName', 'values', 'valuesFiles', 'valuesFrom', 'takeOwnership', 'disablePreProcess', 'templateValues', ...Object.keys(unmodelledHelm)]);

/** Reads and checks `fleet.yaml` (repo-relative) in the checkout at `root`. */
export function readFleetYaml(root: string, file: string): FleetYaml {
  return parseFleetYaml(readFileSync(resolveInRepo(root, file), 'utf8'), file);
}

export function parseFleetYaml(text: string, file: string): FleetYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    throw new BosunError({ kind: 'config', file, line: lineCounter.linePos(err.pos[0]).line, message: `not valid YAML: ${err.message.split('\n')[0]}; Fleet cannot read this fleet.yaml either` });
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (error) {
    throw new BosunError({ kind: 'config', file, message: `cannot read fleet.yaml: ${(error as Error).message}` });
  }
  const line = (path: DataPath) => lineAt(doc.contents, lineCounter, path);
  const fail = (path: DataPath, message: string): never => {
    throw new BosunError({ kind: 'config', file, line: line(path), field: fieldName(path), message });
  };
  if (!isRec(data)) fail([], 'fleet.yaml must be a mapping of options (name, helm, kustomize, targetCustomizations…)');
  const top = data as Rec;
  const reader = new Reader(fail, line);
  const unmodelled: FleetYaml['unmodelled'] = [];
  for (const key of Object.keys(top)) {
    if (!knownTop.has(key)) unmodelled.push({ field: key, line: line([key]), why: notAField });
    const why = unmodelledTop[key];
    if (why && top[key] !== undefined && top[key] !== null) unmodelled.push({ field: key, line: line([key]), why });
  }
  const options = reader.options(top, [], unmodelled, true);
  const mode = reader.optionalString(top.targetCustomizationMode, ['targetCustomizationMode']);
  if (mode !== undefined && mode !== 'FirstMatch' && mode !== 'AllMatches') fail(['targetCustomizationMode'], 'targetCustomizationMode is FirstMatch or AllMatches');
  const result: FleetYaml = {
    file,
    ...(reader.optionalString(top.name, ['name']) ? { name: reader.optionalString(top.name, ['name']) } : {}),
    labels: reader.stringMap(top.labels, ['labels']) ?? {},
    options,
    paused: reader.optionalBool(top.paused, ['paused']) ?? false,
    customizationMode: (mode as FleetYaml['customizationMode'] | undefined) ?? 'FirstMatch',
    targetCustomizations: reader.targets(top.targetCustomizations, ['targetCustomizations'], unmodelled, true),
    dependsOn: reader.dependencies(top.dependsOn, ['dependsOn']),
    unmodelled,
  };
  if (top.overrideTargets !== undefined && top.overrideTargets !== null) result.overrideTargets = reader.targets(top.overrideTargets, ['overrideTargets'], unmodelled, false);
  return result;
}

/** Type checks with Fleet's field names in the errors. */
class Reader {
  private readonly fail: (path: DataPath, message: string) => never;
  private readonly line: (path: DataPath) => number | undefined;

  constructor(fail: (path: DataPath, message: string) => never, line: (path: DataPath) => number | undefined) {
    this.fail = fail;
    this.line = line;
  }

  options(raw: Rec, path: DataPath, unmodelled: FleetYaml['unmodelled'], top: boolean): FleetOptions {
    for (const key of Object.keys(raw)) {
      if (!top && !knownTarget.has(key)) unmodelled.push({ field: fieldName([...path, key]), line: this.line([...path, key]), why: notAField });
      const why = unmodelledOptions[key];
      if (why && raw[key] !== undefined && raw[key] !== null && raw[key] !== false) unmodelled.push({ field: fieldName([...path, key]), line: this.line([...path, key]), why });
    }
    const out: FleetOptions = { at: { path, line: this.line } };
    const set = <K extends keyof FleetOptions>(key: K, value: FleetOptions[K] | undefined) => {
      if (value !== undefined) out[key] = value;
    };
    set('defaultNamespace', this.optionalString(raw.defaultNamespace, [...path, 'defaultNamespace']));
    set('namespace', this.optionalString(raw.namespace, [...path, 'namespace']));
    set('keepResources', this.optionalBool(raw.keepResources, [...path, 'keepResources']));
    // The agent's post-renderer reads it (no `helm.sh/resource-policy: keep` on CRDs: render/fleet-crds.ts);
    // options Merge copies the bundle's and never takes a target customization's.
    const deleteCrds = this.optionalBool(raw.deleteCRDResources, [...path, 'deleteCRDResources']);
    if (top) set('deleteCRDResources', deleteCrds);
    else if (deleteCrds) unmodelled.push({ field: fieldName([...path, 'deleteCRDResources']), line: this.line([...path, 'deleteCRDResources']), why: 'ignored by Fleet in a target customization (its options Merge keeps the bundle\'s own deleteCRDResources)' });
    set('namespaceLabels', this.stringMap(raw.namespaceLabels, [...path, 'namespaceLabels']));
    set('namespaceAnnotations', this.stringMap(raw.namespaceAnnotations, [...path, 'namespaceAnnotations']));
    if (raw.correctDrift !== undefined && raw.correctDrift !== null) {
      const cd = this.record(raw.correctDrift, [...path, 'correctDrift']);
      set('correctDrift', this.optionalBool(cd.enabled, [...path, 'correctDrift', 'enabled']) ?? false);
    }
    if (raw.kustomize !== undefined && raw.kustomize !== null) {
      const k = this.record(raw.kustomize, [...path, 'kustomize']);
      set('kustomizeDir', this.optionalString(k.dir, [...path, 'kustomize', 'dir']));
    }
    if (raw.yaml !== undefined && raw.yaml !== null) {
      const y = this.record(raw.yaml, [...path, 'yaml']);
      set('overlays', this.stringList(y.overlays, [...path, 'yaml', 'overlays']));
    }
    if (raw.diff !== undefined && raw.diff !== null) {
      const d = this.record(raw.diff, [...path, 'diff']);
      set('comparePatches', this.comparePatches(d.comparePatches, [...path, 'diff', 'comparePatches']));
    }
    if (raw.helm !== undefined && raw.helm !== null) set('helm', this.helm(this.record(raw.helm, [...path, 'helm']), [...path, 'helm'], unmodelled));
    return out;
  }

  helm(raw: Rec, path: DataPath, unmodelled: FleetYaml['unmodelled']): FleetHelmOptions {
    for (const key of Object.keys(raw)) {
      if (!knownHelm.has(key)) unmodelled.push({ field: fieldName([...path, key]), line: this.line([...path, key]), why: notAField });
      const why = unmodelledHelm[key];
      if (why && raw[key] !== undefined && raw[key] !== null && raw[key] !== false && raw[key] !== '' && raw[key] !== 0) unmodelled.push({ field: fieldName([...path, key]), line: this.line([...path, key]), why });
    }
    const out: FleetHelmOptions = { valuesFiles: this.stringList(raw.valuesFiles, [...path, 'valuesFiles']) ?? [], valuesFrom: [] };
    const chart = this.optionalString(raw.chart, [...path, 'chart']);
    if (chart) out.chart = chart;
    const repo = this.optionalString(raw.repo, [...path, 'repo']);
    if (repo) out.repo = repo;
    const version = this.optionalString(raw.version, [...path, 'version']);
    if (version) out.version = version;
    const releaseName = this.optionalString(raw.releaseName, [...path, 'releaseName']);
    if (releaseName) out.releaseName = releaseName;
    if (raw.values !== undefined && raw.values !== null) out.values = this.record(raw.values, [...path, 'values']);
    const takeOwnership = this.optionalBool(raw.takeOwnership, [...path, 'takeOwnership']);
    if (takeOwnership !== undefined) out.takeOwnership = takeOwnership;
    const disable = this.optionalBool(raw.disablePreProcess, [...path, 'disablePreProcess']);
    if (disable !== undefined) out.disablePreProcess = disable;
    const templateValues = this.stringMap(raw.templateValues, [...path, 'templateValues']);
    if (templateValues) out.templateValues = templateValues;
    // An entry may hold both refs: the Fleet agent reads the ConfigMap's values, then the Secret's
    // (rancher/fleet internal/helmdeployer `getValues`).
    for (const [i, item] of this.list(raw.valuesFrom, [...path, 'valuesFrom']).entries()) {
      const at = [...path, 'valuesFrom', i];
      const entry = this.record(item, at);
      const refs = (['configMapKeyRef', 'secretKeyRef'] as const).filter((k) => entry[k] !== undefined && entry[k] !== null);
      if (refs.length === 0) this.fail(at, 'a valuesFrom entry is configMapKeyRef or secretKeyRef with name, namespace and key');
      for (const k of refs) {
        const r = this.record(entry[k], [...at, k]);
        const name = this.optionalString(r.name, [...at, k, 'name']);
        const namespace = this.optionalString(r.namespace, [...at, k, 'namespace']);
        const key = this.optionalString(r.key, [...at, k, 'key']);
        out.valuesFrom.push({ kind: k === 'configMapKeyRef' ? 'ConfigMap' : 'Secret', ...(name ? { name } : {}), ...(namespace ? { namespace } : {}), ...(key ? { key } : {}) });
      }
    }
    return out;
  }

  targets(raw: unknown, path: DataPath, unmodelled: FleetYaml['unmodelled'], customizations: boolean): FleetTarget[] {
    return this.list(raw, path).map((item, i) => {
      const at = [...path, i];
      const t = this.record(item, at);
      if (!customizations) {
        for (const key of Object.keys(t)) {
          if (!['name', 'clusterName', 'clusterSelector', 'clusterGroup', 'clusterGroupSelector', 'doNotDeploy'].includes(key)) unmodelled.push({ field: fieldName([...at, key]), line: this.line([...at, key]), why: notAField });
        }
      }
      const target: FleetTarget = {
        // Fleet names unnamed targets by position (bundlereader setTargetNames: "target%03d").
        name: this.optionalString(t.name, [...at, 'name']) ?? `target${String(i).padStart(3, '0')}`,
        doNotDeploy: this.optionalBool(t.doNotDeploy, [...at, 'doNotDeploy']) ?? false,
        options: customizations ? this.options(t, at, unmodelled, false) : { at: { path: at, line: this.line } },
        line: this.line(at),
      };
      const clusterName = this.optionalString(t.clusterName, [...at, 'clusterName']);
      if (clusterName) target.clusterName = clusterName;
      const clusterGroup = this.optionalString(t.clusterGroup, [...at, 'clusterGroup']);
      if (clusterGroup) target.clusterGroup = clusterGroup;
      const clusterSelector = this.selector(t.clusterSelector, [...at, 'clusterSelector']);
      if (clusterSelector) target.clusterSelector = clusterSelector;
      const groupSelector = this.selector(t.clusterGroupSelector, [...at, 'clusterGroupSelector']);
      if (groupSelector) target.clusterGroupSelector = groupSelector;
      return target;
    });
  }

  dependencies(raw: unknown, path: DataPath): FleetDependency[] {
    return this.list(raw, path).map((item, i) => {
      const d = this.record(item, [...path, i]);
      const dep: FleetDependency = { line: this.line([...path, i]) };
      const name = this.optionalString(d.name, [...path, i, 'name']);
      if (name) dep.name = name;
      const selector = this.selector(d.selector, [...path, i, 'selector']);
      if (selector) dep.selector = selector;
      if (!dep.name && !dep.selector) this.fail([...path, i], 'a dependsOn entry needs a name or a selector');
      return dep;
    });
  }

  comparePatches(raw: unknown, path: DataPath): FleetComparePatch[] {
    return this.list(raw, path).map((item, i) => {
      const p = this.record(item, [...path, i]);
      const out: FleetComparePatch = {
        jsonPointers: this.stringList(p.jsonPointers, [...path, i, 'jsonPointers']) ?? [],
        operations: this.list(p.operations, [...path, i, 'operations']).map((op, j) => this.record(op, [...path, i, 'operations', j]) as FleetComparePatch['operations'][number]),
      };
      for (const key of ['apiVersion', 'kind', 'name', 'namespace'] as const) {
        const value = this.optionalString(p[key], [...path, i, key]);
        if (value) out[key] = value;
      }
      return out;
    });
  }

  selector(raw: unknown, path: DataPath): LabelSelector | undefined {
    const parsed = parseLabelSelector(raw);
    if (parsed.problem) this.fail(path, parsed.problem);
    return parsed.selector;
  }

  record(raw: unknown, path: DataPath): Rec {
    if (!isRec(raw)) this.fail(path, `${fieldName(path)} must be a mapping`);
    return raw as Rec;
  }

  list(raw: unknown, path: DataPath): unknown[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw)) this.fail(path, `${fieldName(path)} must be a list`);
    return raw as unknown[];
  }

  stringList(raw: unknown, path: DataPath): string[] | undefined {
    if (raw === undefined || raw === null) return undefined;
    return this.list(raw, path).map((v, i) => {
      if (typeof v !== 'string') this.fail([...path, i], `${fieldName([...path, i])} must be a string`);
      return v as string;
    });
  }

  optionalString(raw: unknown, path: DataPath): string | undefined {
    if (raw === undefined || raw === null || raw === '') return undefined;
    if (typeof raw !== 'string') this.fail(path, `${fieldName(path)} must be a string`);
    return raw as string;
  }

  optionalBool(raw: unknown, path: DataPath): boolean | undefined {
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'boolean') this.fail(path, `${fieldName(path)} must be true or false`);
    return raw as boolean;
  }

  stringMap(raw: unknown, path: DataPath): Record<string, string> | undefined {
    if (raw === undefined || raw === null) return undefined;
    const rec = this.record(raw, path);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') this.fail([...path, k], `${fieldName([...path, k])} must be a string`);
      out[k] = String(v);
    }
    return out;
  }
}

function isRec(value: unknown): value is Rec {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `targetCustomizations[1].helm.values`: the field as a fleet.yaml author writes it. */
export function fieldName(path: DataPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
