import type { DiscoveryNote } from '../model/discovery.ts';
import { field, list, str } from './object-fields.ts';
import { bootstrapName, type FluxSources } from './flux-sources.ts';
import { literalPrefix, objectNote, readsFrom } from './notes.ts';
import type { YamlObjectDoc } from './yaml-object-doc.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';

const sourceApi = /^source\.toolkit\.fluxcd\.io\//;
const extensionsApi = /^source\.extensions\.fluxcd\.io\//;

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
export function fluxObjectNotes(ctx: DiscoveryContext, docs: readonly YamlObjectDoc[], sources: FluxSources, usedArtifacts: ReadonlySet<string>): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  /** Whether a GitRepository reference may be this repository at the planned branch (so its paths are here). */
  const mayBeHere = (name: string | undefined, namespace: string | undefined, file: string): boolean => {
    const resolved = sources.resolveGitRepository(name, namespace, file);
    return resolved.kind === 'here' || (resolved.kind === 'external' && resolved.mayReadHere);
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
      const note = artifactGeneratorNote(ctx, doc, mayBeHere, usedArtifacts);
      if (note) notes.push(note);
    }
    // HelmReleases are environments or notes of their own (helmrelease.ts).
  }
  return notes;
}

/**
 * An ArtifactGenerator whose artifacts no environment reads: the folders of this repository it copies
 * (`@alias/path/**`) are listed, so their files are explained. Artifacts a Kustomization of this repository
 * reads are rendered as that environment (source-flux.ts).
 */
function artifactGeneratorNote(ctx: DiscoveryContext, doc: YamlObjectDoc, mayBeHere: (name: string | undefined, namespace: string | undefined, file: string) => boolean, usedArtifacts: ReadonlySet<string>): DiscoveryNote | undefined {
  const namespace = nameOf(doc).namespace ?? '';
  const unread = list(field(doc.object, 'spec', 'artifacts')).filter((a) => !usedArtifacts.has(`${namespace}/${str(field(a, 'name')) ?? ''}`));
  if (unread.length === 0) return undefined;
  const ownAliases = new Set<string>();
  for (const source of list(field(doc.object, 'spec', 'sources'))) {
    const alias = str(field(source, 'alias'));
    if (alias && str(field(source, 'kind')) === 'GitRepository' && mayBeHere(str(field(source, 'name')), str(field(source, 'namespace')) ?? nameOf(doc).namespace, doc.file)) ownAliases.add(alias);
  }
  const candidates: string[] = [];
  for (const artifact of unread) {
    for (const copy of list(field(artifact, 'copy'))) {
      const match = /^@([^/]+)\/(.*)$/.exec(str(field(copy, 'from')) ?? '');
      if (!match || !ownAliases.has(match[1])) continue;
      candidates.push(literalPrefix(match[2]) ?? '.');
    }
  }
  const reads = readsFrom(ctx.root, candidates);
  const names = unread.map((a) => str(field(a, 'name')) ?? '?').join(', ');
  return objectNote(doc, 'not-an-environment', `builds ExternalArtifacts (${names}) that no Kustomization of this repository reads, or whose copies bosun cannot follow: what reads them is not previewed`, reads.length > 0 ? { reads } : {});
}
