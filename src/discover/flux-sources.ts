import type { FluxCopyOperation, FluxSourceSpec } from '../model/flux-source.ts';
import { field, list, str } from './object-fields.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';

const sourceApi = /^source\.toolkit\.fluxcd\.io\//;
const extensionsApi = /^source\.extensions\.fluxcd\.io\//;
/** Flux bootstrap names the repository's own GitRepository `flux-system` in namespace `flux-system`. */
export const bootstrapName = 'flux-system';

/** What a Kustomization's (or an ArtifactGenerator's) source comes to. */
export type SourceResolution =
  /** This repository at the branch under plan: an environment, with how its files are assembled. */
  | { kind: 'here'; spec: FluxSourceSpec; notes: string[] }
  /** This repository at another branch, a tag, a semver range or a commit: what it deploys does not change with this branch. */
  | { kind: 'pinned'; reason: string; doc: YamlObjectDoc }
  /** Another repository, an OCIRepository or Bucket, an ExternalArtifact built elsewhere, a reference bosun cannot resolve. */
  | { kind: 'external'; reason: string; mayReadHere: boolean; doc?: YamlObjectDoc };

interface GitRef {
  kind: 'branch' | 'tag' | 'semver' | 'name' | 'commit';
  value: string;
}

function is(doc: YamlObjectDoc, api: RegExp, kind: string): boolean {
  const apiVersion = doc.object.apiVersion;
  return doc.object.kind === kind && typeof apiVersion === 'string' && api.test(apiVersion);
}

const nameOf = (doc: YamlObjectDoc) => str(field(doc.object, 'metadata', 'name'));
const namespaceOf = (doc: YamlObjectDoc) => str(field(doc.object, 'metadata', 'namespace'));
const clusterFolder = (file: string) => /^clusters\/[^/]+\//.exec(file)?.[0];

/**
 * The revision a GitRepository follows, by source-controller's precedence (gitrepositories.md: "latter
 * listed fields taking precedence": branch < tag < semver < name < commit; no ref means branch `master`).
 * A `name` of `refs/heads/<b>` is that branch.
 */
export function gitRefOf(doc: YamlObjectDoc): GitRef {
  const ref = field(doc.object, 'spec', 'ref');
  for (const kind of ['commit', 'name', 'semver', 'tag', 'branch'] as const) {
    const value = str(field(ref, kind));
    if (value === undefined) continue;
    const head = kind === 'name' ? /^refs\/heads\/(.+)$/.exec(value) : null;
    return head ? { kind: 'branch', value: head[1] } : { kind, value };
  }
  return { kind: 'branch', value: 'master' };
}

function describeRef(ref: GitRef): string {
  return ref.kind === 'semver' ? `semver range \`${ref.value}\`` : `${ref.kind} \`${ref.value}\``;
}

/**
 * Flux sources of one checkout, resolved the way source-controller and source-watcher would fetch them
 * for the branch under plan. A GitRepository is this repository when its URL is one of the repository's
 * (or, without known URLs, when it is bootstrap's `flux-system`); it is "here" when it follows the branch
 * under plan — the pull request's base, else the branch bootstrap's `flux-system` GitRepository follows
 * (what the cluster deploys), else any branch.
 */
export class FluxSources {
  private readonly ctx: DiscoveryContext;
  private readonly gitRepos: YamlObjectDoc[];
  private readonly generators: YamlObjectDoc[];
  private readonly sourceIgnoreFiles: string[];
  private readonly deployBranches: Set<string>;

  constructor(ctx: DiscoveryContext, docs: readonly YamlObjectDoc[], sourceIgnoreFiles: readonly string[]) {
    this.ctx = ctx;
    this.gitRepos = docs.filter((d) => is(d, sourceApi, 'GitRepository'));
    this.generators = docs.filter((d) => is(d, extensionsApi, 'ArtifactGenerator'));
    this.sourceIgnoreFiles = [...sourceIgnoreFiles].sort();
    this.deployBranches = new Set(this.gitRepos.filter((d) => nameOf(d) === bootstrapName && this.isThisRepository(d))
      .map(gitRefOf).filter((r) => r.kind === 'branch').map((r) => r.value));
  }

  /** The GitRepository objects of this repository the checkout defines (own URL, or bootstrap's without known URLs). */
  isThisRepository(doc: YamlObjectDoc): boolean {
    const url = str(field(doc.object, 'spec', 'url'));
    if (this.ctx.repoUrls) return isSameRepo(url, this.ctx.repoUrls);
    return nameOf(doc) === bootstrapName;
  }

  /** The GitRepository a reference names, preferring one in the referring file's cluster folder. */
  findGitRepository(name: string, namespace: string | undefined, fromFile: string): YamlObjectDoc | undefined {
    const matches = this.gitRepos.filter((r) => nameOf(r) === name && (namespace === undefined || namespaceOf(r) === undefined || namespaceOf(r) === namespace));
    const cluster = clusterFolder(fromFile);
    return matches.find((r) => cluster !== undefined && r.file.startsWith(cluster)) ?? (matches.length === 1 ? matches[0] : matches.find((r) => clusterFolder(r.file) === undefined));
  }

  /** The branch the change merges into, or what the cluster follows when that is not known. */
  private branchMatches(branch: string): boolean {
    if (this.ctx.branch) return branch === this.ctx.branch;
    return this.deployBranches.size === 0 || this.deployBranches.has(branch);
  }

  private get branchName(): string {
    return this.ctx.branch ?? [...this.deployBranches].sort().join('` or `');
  }

  /** A GitRepository reference (`sourceRef` or an ArtifactGenerator source) of an object in `fromFile`. */
  resolveGitRepository(name: string | undefined, namespace: string | undefined, fromFile: string): SourceResolution {
    if (!name) return { kind: 'external', reason: 'spec.sourceRef.name is not set', mayReadHere: false };
    const doc = this.findGitRepository(name, namespace, fromFile);
    if (!doc) {
      // Bootstrap's GitRepository is often not committed (flux bootstrap writes it into gotk-sync.yaml, but
      // older layouts or hand-made clusters may not): flux-system/flux-system is this repository.
      if (name === bootstrapName && (namespace === undefined || namespace === bootstrapName)) return { kind: 'here', spec: this.specFor(undefined), notes: [] };
      return {
        kind: 'external',
        reason: `its source GitRepository ${namespace ? `${namespace}/` : ''}${name} is not defined in this repository, so bosun cannot tell what it fetches`,
        mayReadHere: true,
      };
    }
    const url = str(field(doc.object, 'spec', 'url'));
    if (!this.isThisRepository(doc)) {
      if (!this.ctx.repoUrls) {
        return { kind: 'external', doc, mayReadHere: true, reason: `its source GitRepository ${namespace ? `${namespace}/` : ''}${name} is not known to be this repository (pass the repository URL, --repo-url, so a matching GitRepository is recognised)` };
      }
      return { kind: 'external', doc, mayReadHere: false, reason: `its source GitRepository ${name} is another repository (${url ?? 'no spec.url'}), which bosun does not fetch` };
    }
    const ref = gitRefOf(doc);
    if (ref.kind !== 'branch' || !this.branchMatches(ref.value)) {
      const what = ref.kind === 'branch' ? `follows branch \`${ref.value}\` of this repository, not \`${this.branchName}\`` : `is pinned to ${describeRef(ref)} of this repository`;
      return {
        kind: 'pinned',
        doc,
        reason: `pinned: its source GitRepository ${name} (${doc.file}) ${what}, so Flux deploys that revision and a change to \`${this.branchName || 'this branch'}\` does not change what it deploys`,
      };
    }
    return { kind: 'here', spec: this.specFor(doc), notes: this.includeNotes(doc) };
  }

  /** The files source-controller puts in this GitRepository's artifact: `.spec.ignore`, `.sourceignore`, includes of this repository. */
  private specFor(doc: YamlObjectDoc | undefined): FluxSourceSpec {
    const spec: FluxSourceSpec = {
      label: `GitRepository ${doc ? `${namespaceOf(doc) ?? bootstrapName}/${nameOf(doc)}` : 'flux-system/flux-system'}`,
      files: doc ? [doc.file] : [],
    };
    const ignore = doc ? field(doc.object, 'spec', 'ignore') : undefined;
    if (typeof ignore === 'string') spec.ignore = ignore;
    if (this.sourceIgnoreFiles.length > 0) spec.sourceIgnoreFiles = [...this.sourceIgnoreFiles];
    const includes = doc ? this.localIncludes(doc) : [];
    if (includes.length > 0) spec.includes = includes;
    return spec;
  }

  /** `.spec.include` entries whose GitRepository is this repository at the same branch (source-controller copies fromPath to toPath). */
  private localIncludes(doc: YamlObjectDoc): Array<{ fromPath: string; toPath: string }> {
    const out: Array<{ fromPath: string; toPath: string }> = [];
    for (const include of list(field(doc.object, 'spec', 'include'))) {
      const name = str(field(include, 'repository', 'name'));
      if (!name) continue;
      const included = this.findGitRepository(name, namespaceOf(doc), doc.file);
      if (!included || !this.isThisRepository(included)) continue;
      const ref = gitRefOf(included);
      if (ref.kind !== 'branch' || !this.branchMatches(ref.value)) continue;
      // gitrepositories.md: all files when fromPath is unset; toPath defaults to the repository's name.
      out.push({ fromPath: str(field(include, 'fromPath')) ?? '', toPath: str(field(include, 'toPath')) ?? name });
    }
    return out;
  }

  /** Includes bosun does not fetch (another repository or revision): their files are missing from the preview. */
  private includeNotes(doc: YamlObjectDoc): string[] {
    const notes: string[] = [];
    for (const include of list(field(doc.object, 'spec', 'include'))) {
      const name = str(field(include, 'repository', 'name'));
      if (!name) continue;
      const included = this.findGitRepository(name, namespaceOf(doc), doc.file);
      const local = included && this.isThisRepository(included) && gitRefOf(included).kind === 'branch' && this.branchMatches(gitRefOf(included).value);
      if (local) continue;
      const toPath = str(field(include, 'toPath')) ?? name;
      notes.push(`its GitRepository ${nameOf(doc)} includes GitRepository ${name} at \`${toPath}\`, which bosun does not fetch: a kustomization that reads files there does not render in the preview`);
    }
    return notes;
  }

  /**
   * An `ExternalArtifact` reference: the ArtifactGenerator (source-watcher) that builds it, when every copy
   * operation of that artifact reads this repository at the branch under plan.
   */
  resolveExternalArtifact(name: string | undefined, namespace: string | undefined, fromFile: string): SourceResolution {
    if (!name) return { kind: 'external', reason: 'spec.sourceRef.name is not set', mayReadHere: false };
    const cluster = clusterFolder(fromFile);
    const producing = this.generators.filter((g) => (namespace === undefined || (namespaceOf(g) ?? namespace) === namespace)
      && list(field(g.object, 'spec', 'artifacts')).some((a) => str(field(a, 'name')) === name));
    const generator = producing.find((g) => cluster !== undefined && g.file.startsWith(cluster)) ?? (producing.length === 1 ? producing[0] : undefined);
    if (!generator) {
      return { kind: 'external', mayReadHere: true, reason: `its source ExternalArtifact ${name} is built by no ArtifactGenerator in this repository${producing.length > 1 ? ' that bosun can tell apart from the others' : ''}, so bosun does not know its files` };
    }
    const generatorName = `${namespaceOf(generator) ?? namespace ?? ''}/${nameOf(generator) ?? '?'}`.replace(/^\//, '');
    const aliases = new Map<string, SourceResolution>();
    for (const source of list(field(generator.object, 'spec', 'sources'))) {
      const alias = str(field(source, 'alias'));
      if (!alias) continue;
      const kind = str(field(source, 'kind'));
      const sourceNamespace = str(field(source, 'namespace')) ?? namespaceOf(generator) ?? namespace;
      aliases.set(alias, kind === 'GitRepository'
        ? this.resolveGitRepository(str(field(source, 'name')), sourceNamespace, generator.file)
        : { kind: 'external', mayReadHere: false, reason: `its ArtifactGenerator ${generatorName} copies from ${kind ?? 'a source'} ${str(field(source, 'name')) ?? ''} (alias ${alias}), which bosun does not fetch` });
    }
    const artifact = list(field(generator.object, 'spec', 'artifacts')).find((a) => str(field(a, 'name')) === name);
    const copy: FluxCopyOperation[] = [];
    let here: Extract<SourceResolution, { kind: 'here' }> | undefined;
    for (const op of list(field(artifact, 'copy'))) {
      const from = /^@([^/]+)\/(.*)$/.exec(str(field(op, 'from')) ?? '');
      const to = /^@artifact\/(.*)$/.exec(str(field(op, 'to')) ?? '');
      if (!from || !to) {
        return { kind: 'external', doc: generator, mayReadHere: false, reason: `its ArtifactGenerator ${generatorName} has a copy operation bosun cannot read (from \`${String(field(op, 'from'))}\` to \`${String(field(op, 'to'))}\`)` };
      }
      const source = aliases.get(from[1]);
      if (!source) return { kind: 'external', doc: generator, mayReadHere: false, reason: `its ArtifactGenerator ${generatorName} copies from alias ${from[1]}, which is not among its sources` };
      if (source.kind !== 'here') {
        return source.kind === 'pinned'
          ? { ...source, reason: `${source.reason} (read through ArtifactGenerator ${generatorName})` }
          : { ...source, doc: source.doc ?? generator, reason: `${source.reason}${source.reason.includes('ArtifactGenerator') ? '' : ` (read through ArtifactGenerator ${generatorName})`}` };
      }
      if (here && here.spec.label !== source.spec.label) {
        return { kind: 'external', doc: generator, mayReadHere: true, reason: `its ArtifactGenerator ${generatorName} combines two GitRepositories of this repository; bosun models one per artifact` };
      }
      here = source;
      const strategy = str(field(op, 'strategy'));
      if (strategy !== undefined && strategy !== 'Overwrite' && strategy !== 'Merge') {
        return { kind: 'external', doc: generator, mayReadHere: true, reason: `its ArtifactGenerator ${generatorName} copies with strategy ${strategy}, which bosun does not model` };
      }
      const exclude = list(field(op, 'exclude')).filter((e): e is string => typeof e === 'string');
      copy.push({
        from: from[2],
        to: to[1],
        ...(exclude.length > 0 ? { exclude } : {}),
        ...(strategy ? { strategy } : {}),
        ...(field(op, 'optional') === true ? { optional: true } : {}),
      });
    }
    if (!here) return { kind: 'external', doc: generator, mayReadHere: false, reason: `its ArtifactGenerator ${generatorName} copies nothing into artifact ${name}` };
    return {
      kind: 'here',
      notes: here.notes,
      spec: {
        ...here.spec,
        label: `ExternalArtifact ${namespace ? `${namespace}/` : ''}${name} (ArtifactGenerator ${generatorName}, from ${here.spec.label})`,
        files: [...new Set([...here.spec.files, generator.file])].sort(),
        copy,
      },
    };
  }

  /** The artifacts ArtifactGenerators build, for the notes on those no Kustomization reads. */
  generatorDocs(): readonly YamlObjectDoc[] {
    return this.generators;
  }
}
