import { posix } from 'node:path';
import type { DiscoveryNote } from '../model/discovery.ts';
import { field, list, str } from './object-fields.ts';
import { literalPrefix, objectNote, readsFrom } from './notes.ts';
import { isSameRepo } from './repo-url.ts';
import type { DiscoveryContext } from './types.ts';

const fleetApi = /^fleet\.cattle\.io\//;
const tail = 'bosun does not deploy Rancher Fleet bundles yet, so what it deploys is not previewed';

/**
 * Rancher Fleet is seen, not modelled: every `fleet.yaml` is a bundle, and every `GitRepo` object
 * names the folders of a repository Fleet turns into bundles. Both are listed with the folders they
 * deploy, so the files there that no environment reads are explained.
 */
export async function fleetNotes(ctx: DiscoveryContext): Promise<DiscoveryNote[]> {
  const scan = await ctx.repoYaml();
  const notes: DiscoveryNote[] = [];
  for (const file of scan.files) {
    if (!/(^|\/)fleet\.ya?ml$/.test(file)) continue;
    const folder = posix.dirname(file);
    notes.push({ status: 'not-an-environment', kind: 'Bundle', name: folder, file, reason: tail, reads: [folder] });
  }
  for (const doc of scan.docs) {
    const apiVersion = doc.object.apiVersion;
    if (doc.object.kind !== 'GitRepo' || typeof apiVersion !== 'string' || !fleetApi.test(apiVersion)) continue;
    const repo = str(field(doc.object, 'spec', 'repo'));
    if (ctx.repoUrls && repo && !isSameRepo(repo, ctx.repoUrls)) {
      notes.push(objectNote(doc, 'not-an-environment', `another repository (${repo}): ${tail}`));
      continue;
    }
    const paths = list(field(doc.object, 'spec', 'paths')).filter((p): p is string => typeof p === 'string');
    // Without paths Fleet takes the whole repository.
    const reads = readsFrom(ctx.root, paths.length > 0 ? paths.map((p) => literalPrefix(p) ?? '.') : ['.']);
    notes.push(objectNote(doc, 'not-an-environment', tail, reads.length > 0 ? { reads } : {}));
  }
  return notes;
}
