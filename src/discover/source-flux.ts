import { environmentDefaults, type Environment, type KustomizeOptions } from '../model/environment.ts';
import { parseDuration } from '../config/duration.ts';
import { namespaceProblem } from '../util/argument-rules.ts';
import { assignUniqueNames } from './naming.ts';
import { bool, checkedArgument, field, isRecord, list, repoPathFrom, str, stringMap } from './object-fields.ts';
import type { YamlObjectDoc } from './repo-yaml.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext, DiscoveryResult, DiscoverySource } from './types.ts';

const kustomizationApi = /^kustomize\.toolkit\.fluxcd\.io\//;
const sourceApi = /^source\.toolkit\.fluxcd\.io\//;
/** Flux bootstrap names the repository's own GitRepository `flux-system` in namespace `flux-system`. */
const bootstrapName = 'flux-system';

interface FluxKustomization {
  doc: YamlObjectDoc;
  name: string;
  namespace?: string;
  /** `clusters/<cluster>/…` files belong to that cluster. */
  cluster?: string;
}

export const fluxSource: DiscoverySource = {
  name: 'flux',
  async discover(ctx: DiscoveryContext): Promise<DiscoveryResult> {
    const { docs } = await ctx.repoYaml();
    const notes: string[] = [];
    const ownRepos = docs
      .filter((d) => isKind(d, sourceApi, 'GitRepository') && ctx.repoUrls && isSameRepo(field(d.object, 'spec', 'url'), ctx.repoUrls))
      .map((d) => ({ name: str(field(d.object, 'metadata', 'name')), namespace: str(field(d.object, 'metadata', 'namespace')) }));

    const all: FluxKustomization[] = [];
    for (const doc of docs.filter((d) => isKind(d, kustomizationApi, 'Kustomization'))) {
      const name = str(field(doc.object, 'metadata', 'name'));
      if (!name) {
        notes.push(`${doc.file}:${doc.line}: Flux Kustomization without metadata.name skipped`);
        continue;
      }
      const cluster = /^clusters\/([^/]+)\//.exec(doc.file)?.[1];
      all.push({ doc, name, namespace: str(field(doc.object, 'metadata', 'namespace')), ...(cluster ? { cluster } : {}) });
    }

    const own = all.filter((k) => {
      const why = foreignSource(k, ownRepos);
      if (why) notes.push(`${k.doc.file}:${k.doc.line}: Flux Kustomization ${k.name} skipped: ${why}`);
      return !why;
    });
    const names = assignUniqueNames(
      own.map((k) => ({
        name: k.cluster ? `${k.cluster}/${k.name}` : k.name,
        qualified: [k.cluster, k.namespace, k.name].filter(Boolean).join('/'),
      })),
      notes,
      'Flux Kustomization',
    );
    const environments = own.map((k, i) => toEnvironment(ctx.root, k, names[i], notes));
    own.forEach((k, i) => {
      environments[i].dependsOn = resolveDependsOn(k, own, names, notes);
    });
    return { environments, notes };
  },
};

function isKind(doc: YamlObjectDoc, api: RegExp, kind: string): boolean {
  const apiVersion = doc.object.apiVersion;
  return doc.object.kind === kind && typeof apiVersion === 'string' && api.test(apiVersion);
}

/** Why the Kustomization's source is not this repository, or undefined when it is. */
function foreignSource(k: FluxKustomization, ownRepos: Array<{ name?: string; namespace?: string }>): string | undefined {
  const ref = field(k.doc.object, 'spec', 'sourceRef');
  const kind = str(field(ref, 'kind'));
  const name = str(field(ref, 'name'));
  if (kind !== 'GitRepository') return `its source is ${kind ?? 'not set'}, not this Git repository`;
  if (!name) return 'spec.sourceRef.name is not set';
  const namespace = str(field(ref, 'namespace')) ?? k.namespace;
  // An unset namespace could be anything once applied: treat it as a match rather than miss the environment.
  const nsMatches = (other?: string) => namespace === undefined || other === undefined || namespace === other;
  if (name === bootstrapName && nsMatches(bootstrapName)) return undefined;
  if (ownRepos.some((r) => r.name === name && nsMatches(r.namespace))) return undefined;
  return `its source GitRepository ${namespace ? `${namespace}/` : ''}${name} is not known to be this repository (pass the repository URL so a matching GitRepository is recognised)`;
}

function toEnvironment(root: string, k: FluxKustomization, name: string, notes: string[]): Environment {
  const { doc } = k;
  const spec = field(doc.object, 'spec');
  const where = `${doc.file}:${doc.line}: Flux Kustomization ${k.name}`;
  // Flux resolves spec.path inside the source, so a leading '/' means the repository root.
  const rawPath = (str(field(spec, 'path')) ?? './').replace(/^\/+/, '') || '.';
  const path = repoPathFrom(root, rawPath, { file: doc.file, line: () => doc.lineOf(['spec', 'path']), field: 'spec.path' });
  const suspended = bool(field(spec, 'suspend')) === true;
  if (suspended) notes.push(`${where} is suspended: it is planned but never applied`);

  const env: Environment = {
    ...environmentDefaults,
    name,
    source: 'flux',
    path,
    definedIn: { file: doc.file, line: doc.line },
    render: 'auto',
    prune: bool(field(spec, 'prune')) ?? false,
    autoApply: !suspended,
    dependsOn: [],
    requires: [],
  };
  if (k.cluster) env.cluster = k.cluster;
  const targetNamespace = str(field(spec, 'targetNamespace'));
  if (targetNamespace) {
    env.namespace = checkedArgument(targetNamespace, namespaceProblem, { file: doc.file, line: () => doc.lineOf(['spec', 'targetNamespace']), field: 'spec.targetNamespace' });
  }
  const timeout = parseDuration(str(field(spec, 'timeout')) ?? '');
  if (timeout !== undefined) env.healthTimeoutSeconds = timeout;
  const interval = parseDuration(str(field(spec, 'interval')) ?? '');
  if (interval !== undefined) env.reconcileIntervalSeconds = interval;

  const kustomize = kustomizeOptions(spec);
  if (kustomize) env.kustomize = kustomize;
  const substitute = stringMap(field(spec, 'postBuild', 'substitute'));
  if (substitute && Object.keys(substitute).length > 0) env.substitute = substitute;
  if (list(field(spec, 'postBuild', 'substituteFrom')).length > 0) {
    notes.push(`${where}: postBuild.substituteFrom reads ConfigMaps/Secrets from the cluster and cannot be resolved offline; variables only defined there stay unsubstituted (or take their \${VAR:=default})`);
  }
  for (const unsupported of ['commonMetadata', 'patchesStrategicMerge', 'patchesJson6902']) {
    if (field(spec, unsupported) !== undefined) notes.push(`${where}: spec.${unsupported} is not applied by bosun's render`);
  }
  return env;
}

function kustomizeOptions(spec: unknown): KustomizeOptions | undefined {
  const out: KustomizeOptions = {};
  const patches = list(field(spec, 'patches'))
    .filter((p) => typeof field(p, 'patch') === 'string')
    .map((p) => ({ patch: field(p, 'patch') as string, ...(isRecord(field(p, 'target')) ? { target: field(p, 'target') as Record<string, unknown> } : {}) }));
  if (patches.length > 0) out.patches = patches;
  const images = list(field(spec, 'images')).map(imageOverride).filter((i): i is string => i !== undefined);
  if (images.length > 0) out.images = images;
  const components = list(field(spec, 'components')).filter((c): c is string => typeof c === 'string' && c !== '');
  if (components.length > 0) out.components = components;
  const namePrefix = str(field(spec, 'namePrefix'));
  if (namePrefix) out.namePrefix = namePrefix;
  const nameSuffix = str(field(spec, 'nameSuffix'));
  if (nameSuffix) out.nameSuffix = nameSuffix;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Flux `{name, newName, newTag, digest}` as the `name=newName:tag` / `name@digest` form Argo CD and the config use. */
function imageOverride(image: unknown): string | undefined {
  const name = str(field(image, 'name'));
  if (!name) return undefined;
  const newName = str(field(image, 'newName'));
  const newTag = str(field(image, 'newTag'));
  const digest = str(field(image, 'digest'));
  const target = newName ? `${name}=${newName}` : name;
  if (digest) return `${target}@${digest}`;
  return newTag ? `${target}:${newTag}` : target;
}

/** Flux `dependsOn` entries are Kustomization references; only ones in the same cluster folder can match. */
function resolveDependsOn(k: FluxKustomization, own: FluxKustomization[], names: string[], notes: string[]): string[] {
  const out: string[] = [];
  for (const dep of list(field(k.doc.object, 'spec', 'dependsOn'))) {
    const depName = typeof dep === 'string' ? dep : str(field(dep, 'name'));
    if (!depName) continue;
    const depNamespace = str(field(dep, 'namespace')) ?? k.namespace;
    const index = own.findIndex(
      (o) => o.cluster === k.cluster && o.name === depName && (depNamespace === undefined || o.namespace === undefined || o.namespace === depNamespace),
    );
    if (index >= 0) out.push(names[index]);
    else notes.push(`${k.doc.file}:${k.doc.line}: Flux Kustomization ${k.name} depends on ${depNamespace ? `${depNamespace}/` : ''}${depName}, which is not an environment in this repository; the dependency is ignored`);
  }
  return out;
}
