import type { DiscoveryNote } from '../model/discovery.ts';
import { field, list, str } from './object-fields.ts';
import { bootstrapName, type FluxSources } from './flux-sources.ts';
import { literalPrefix, objectNote, readsFrom } from './notes.ts';
import type { YamlObjectDoc } from './repo-yaml.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';

const sourceApi = /^source\.toolkit\.fluxcd\.io\//;
const extensionsApi = /^source\.extensions\.fluxcd\.io\//;
const helmApi = /^helm\.toolkit\.fluxcd\.io\//;

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
    } else if (is(doc, helmApi, 'HelmRelease')) {
      notes.push(helmReleaseNote(ctx, doc, (name, namespace) => mayBeHere(name, namespace, doc.file)));
    }
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
