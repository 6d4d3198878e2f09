import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DiscoveryNote } from '../model/discovery.ts';
import { field, list, str } from './object-fields.ts';
import { environmentNote, literalPrefix, objectNote, readsFrom } from './notes.ts';
import type { YamlObjectDoc } from './repo-yaml.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';

const sourceApi = /^source\.toolkit\.fluxcd\.io\//;
const extensionsApi = /^source\.extensions\.fluxcd\.io\//;
const helmApi = /^helm\.toolkit\.fluxcd\.io\//;
const bootstrapName = 'flux-system';

/** Flux sources bosun never follows: what reads them is not previewed. */
const artifactKinds = new Set(['OCIRepository', 'Bucket', 'ExternalArtifact']);

function is(doc: YamlObjectDoc, api: RegExp, kind?: string): boolean {
  const apiVersion = doc.object.apiVersion;
  return typeof apiVersion === 'string' && api.test(apiVersion) && (kind === undefined || doc.object.kind === kind);
}

function nameOf(doc: YamlObjectDoc): { name?: string; namespace?: string } {
  return { name: str(field(doc.object, 'metadata', 'name')), namespace: str(field(doc.object, 'metadata', 'namespace')) };
}

/**
 * Notes on the Flux objects that are not Kustomizations: sources that are not this repository,
 * artifact sources and generators bosun does not follow, and every HelmRelease (bosun does not render
 * what helm-controller would install; the HelmRelease object itself is previewed as part of its
 * environment).
 */
export function fluxObjectNotes(ctx: DiscoveryContext, docs: readonly YamlObjectDoc[], ownRepos: Array<{ name?: string; namespace?: string }>): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  const isOwnGitRepository = (name: string | undefined, namespace: string | undefined): boolean =>
    (name === bootstrapName && (namespace === undefined || namespace === bootstrapName))
    || ownRepos.some((r) => r.name === name && (namespace === undefined || r.namespace === undefined || r.namespace === namespace));
  const gitRepoUrl = new Map<string, string | undefined>();
  for (const doc of docs) {
    if (!is(doc, sourceApi, 'GitRepository')) continue;
    const { name, namespace } = nameOf(doc);
    gitRepoUrl.set(`${namespace ?? ''}/${name ?? ''}`, str(field(doc.object, 'spec', 'url')));
  }
  /** Whether a GitRepository reference may be this repository: own, or of unknown URL (so its paths may be here). */
  const mayBeHere = (name: string | undefined, namespace: string | undefined): boolean => {
    if (isOwnGitRepository(name, namespace)) return true;
    if (!ctx.repoUrls) return true;
    const url = gitRepoUrl.get(`${namespace ?? ''}/${name ?? ''}`);
    return url === undefined || isSameRepo(url, ctx.repoUrls);
  };

  for (const doc of docs) {
    if (is(doc, sourceApi, 'GitRepository')) {
      const { name } = nameOf(doc);
      const url = str(field(doc.object, 'spec', 'url'));
      if (name === bootstrapName || !ctx.repoUrls || !url || isSameRepo(url, ctx.repoUrls)) continue;
      notes.push(objectNote(doc, 'not-an-environment', `another repository (${url}): what Kustomizations and HelmReleases deploy from it is not previewed`));
    } else if (is(doc, sourceApi) && artifactKinds.has(String(doc.object.kind))) {
      notes.push(objectNote(doc, 'not-an-environment', `a ${String(doc.object.kind)} source, which bosun does not follow: Kustomizations and HelmReleases that read it are not previewed`));
    } else if (is(doc, extensionsApi, 'ArtifactGenerator')) {
      notes.push(artifactGeneratorNote(ctx, doc, mayBeHere));
    } else if (is(doc, helmApi, 'HelmRelease')) {
      notes.push(helmReleaseNote(ctx, doc, mayBeHere));
    }
  }
  return notes;
}

/** The folders of this repository an ArtifactGenerator copies into ExternalArtifacts (`@alias/path/**`). */
function artifactGeneratorNote(ctx: DiscoveryContext, doc: YamlObjectDoc, mayBeHere: (name?: string, namespace?: string) => boolean): DiscoveryNote {
  const ownAliases = new Set<string>();
  for (const source of list(field(doc.object, 'spec', 'sources'))) {
    const alias = str(field(source, 'alias'));
    if (alias && str(field(source, 'kind')) === 'GitRepository' && mayBeHere(str(field(source, 'name')), str(field(source, 'namespace')) ?? nameOf(doc).namespace)) ownAliases.add(alias);
  }
  const candidates: string[] = [];
  for (const artifact of list(field(doc.object, 'spec', 'artifacts'))) {
    for (const copy of list(field(artifact, 'copy'))) {
      const match = /^@([^/]+)\/(.*)$/.exec(str(field(copy, 'from')) ?? '');
      if (!match || !ownAliases.has(match[1])) continue;
      candidates.push(literalPrefix(match[2]) ?? '.');
    }
  }
  const reads = readsFrom(ctx.root, candidates);
  return objectNote(doc, 'not-an-environment', 'builds ExternalArtifacts, which bosun does not follow: Kustomizations and HelmReleases that read them are not previewed', reads.length > 0 ? { reads } : {});
}

/**
 * A HelmRelease is deployed as an object, but what helm-controller installs from it is not previewed:
 * its own file (values, version) and a chart of this repository are `reads`, so a change to them is
 * one bosun cannot judge.
 */
function helmReleaseNote(ctx: DiscoveryContext, doc: YamlObjectDoc, mayBeHere: (name?: string, namespace?: string) => boolean): DiscoveryNote {
  const namespace = nameOf(doc).namespace;
  const chartRef = field(doc.object, 'spec', 'chartRef');
  const tail = 'bosun does not render HelmReleases yet: what helm-controller installs is not previewed, only changes to the HelmRelease object itself';
  if (chartRef !== undefined) {
    return objectNote(doc, 'not-previewed', `chart from ${str(field(chartRef, 'kind')) ?? 'a source'} ${str(field(chartRef, 'name')) ?? ''}`.trimEnd() + `; ${tail}`, { reads: [doc.file] });
  }
  const spec = field(doc.object, 'spec', 'chart', 'spec');
  const chart = str(field(spec, 'chart')) ?? '?';
  const version = str(field(spec, 'version'));
  const sourceKind = str(field(spec, 'sourceRef', 'kind')) ?? 'an unnamed source';
  const sourceName = str(field(spec, 'sourceRef', 'name'));
  const from = `${sourceKind}${sourceName ? ` ${sourceName}` : ''}`;
  if (sourceKind === 'GitRepository' && mayBeHere(sourceName, str(field(spec, 'sourceRef', 'namespace')) ?? namespace)) {
    const valuesFiles = list(field(spec, 'valuesFiles')).filter((v): v is string => typeof v === 'string');
    const reads = readsFrom(ctx.root, [doc.file, chart, ...valuesFiles]);
    return objectNote(doc, 'not-previewed', `chart \`${chart}\` from ${from}; ${tail}`, { reads });
  }
  return objectNote(doc, 'not-previewed', `chart \`${chart}\`${version ? ` ${version}` : ''} from ${from}, which bosun does not fetch; ${tail}`, { reads: [doc.file] });
}

/**
 * Kustomizations that are environments but whose GitRepository (this repository) is pinned to a tag,
 * semver range or commit, or follows another branch than the one the change is planned against: Flux
 * deploys a different revision than the one bosun previews.
 */
export function fluxSourceRefNotes(ctx: DiscoveryContext, docs: readonly YamlObjectDoc[], own: Array<{ doc: YamlObjectDoc; environment: string }>): DiscoveryNote[] {
  const users = new Map<YamlObjectDoc, string[]>();
  const repos = docs.filter((d) => is(d, sourceApi, 'GitRepository'));
  for (const k of own) {
    const ref = field(k.doc.object, 'spec', 'sourceRef');
    const name = str(field(ref, 'name'));
    const namespace = str(field(ref, 'namespace')) ?? str(field(k.doc.object, 'metadata', 'namespace'));
    // Prefer the GitRepository in the same cluster folder (clusters/<c>/…) as the Kustomization.
    const cluster = /^clusters\/[^/]+\//.exec(k.doc.file)?.[0];
    const matches = repos.filter((r) => nameOf(r).name === name && (namespace === undefined || nameOf(r).namespace === undefined || nameOf(r).namespace === namespace));
    const repo = matches.find((r) => cluster !== undefined && r.file.startsWith(cluster)) ?? (matches.length === 1 ? matches[0] : undefined);
    if (!repo) continue;
    users.set(repo, [...(users.get(repo) ?? []), k.environment]);
  }
  const notes: DiscoveryNote[] = [];
  for (const [repo, environments] of users) {
    const ref = field(repo.object, 'spec', 'ref');
    const pinned = (['tag', 'semver', 'commit', 'name'] as const).find((key) => str(field(ref, key)) !== undefined);
    const branch = str(field(ref, 'branch'));
    const extra = { environments: environments.sort() };
    if (pinned) {
      notes.push(objectNote(repo, 'info', `pins this repository to ${pinned} \`${str(field(ref, pinned))}\`: Flux deploys that revision, not the branch this change merges into; bosun previews its Kustomizations from the change's commits anyway`, extra));
    } else if (branch && ctx.branch && branch !== ctx.branch) {
      notes.push(objectNote(repo, 'info', `follows branch \`${branch}\`, not \`${ctx.branch}\` (the base of this change): Flux deploys this change only once it reaches \`${branch}\`; bosun previews its Kustomizations from the change's commits anyway`, extra));
    }
  }
  return notes;
}

/**
 * Kustomizations with `postBuild.substituteFrom`: kustomize-controller reads those ConfigMaps and Secrets
 * from the cluster, bosun does not substitute them, so what their values do in the environment is not
 * previewed. Files of this repository that define them (by kind and name) are `reads`: a change to one is
 * a change bosun cannot judge in this environment.
 */
export function substituteFromNotes(ctx: DiscoveryContext, files: readonly string[], own: Array<{ doc: YamlObjectDoc; environment: string }>): DiscoveryNote[] {
  const users = own
    .map(({ doc, environment }) => ({
      doc,
      environment,
      refs: list(field(doc.object, 'spec', 'postBuild', 'substituteFrom')).map((r) => ({ kind: str(field(r, 'kind')) ?? '?', name: str(field(r, 'name')) ?? '?' })),
    }))
    .filter((u) => u.refs.length > 0);
  if (users.length === 0) return [];
  // One pass over the repository's YAML for every reference: `kind name` → files defining it.
  const wanted = new Map<string, { kind: string; name: string; files: string[] }>();
  for (const ref of users.flatMap((u) => u.refs)) wanted.set(`${ref.kind} ${ref.name}`, { ...ref, files: [] });
  for (const file of files) {
    const stat = lstatSync(join(ctx.root, file), { throwIfNoEntry: false });
    if (!stat?.isFile() || stat.size > 1024 * 1024) continue;
    const text = readFileSync(join(ctx.root, file), 'utf8');
    for (const ref of wanted.values()) if (defines(text, ref.kind, ref.name)) ref.files.push(file);
  }
  return users.map(({ doc, environment, refs }) => {
    const reads = new Set<string>();
    const named = refs.map((ref) => {
      const defining = wanted.get(`${ref.kind} ${ref.name}`)?.files ?? [];
      for (const file of defining) reads.add(file);
      return `${ref.kind} ${ref.name}${defining.length > 0 ? ` (${defining.join(', ')})` : ''}`;
    });
    return environmentNote(environment, `postBuild.substituteFrom ${named.join(', ')}: kustomize-controller takes these values from the cluster and bosun does not substitute them, so what they change in this environment is not shown (variables stay \${VAR} or take their \${VAR:=default})`, { file: doc.file, line: doc.line }, { status: 'not-previewed', ...(reads.size > 0 ? { reads: [...reads].sort() } : {}) });
  });
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a YAML text defines an object of that kind and name (a line scan: these are plain core objects). */
function defines(text: string, kind: string, name: string): boolean {
  return new RegExp(`^kind:\\s*["']?${escapeRegExp(kind)}["']?\\s*$`, 'm').test(text) && new RegExp(`^\\s+name:\\s*["']?${escapeRegExp(name)}["']?\\s*$`, 'm').test(text);
}
