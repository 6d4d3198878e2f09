import type { DiscoveryClusters } from '../../discover/types.ts';
import type { DiscoveryNote } from '../../model/discovery.ts';
import type { Environment } from '../../model/environment.ts';
import { unregisteredCluster, unregisteredClusterNote } from '../../plan/unregistered-clusters.ts';
import type { CliIO } from '../io.ts';

/**
 * `validate` and `render` with a cluster registry: the environments they did offline whose cluster the
 * registry lacks (the rule of plan/unregistered-clusters.ts), each said on stderr; the report carries the
 * returned notes where its format has room. They are never previewed nor applied, so the command did not
 * judge everything: exit 3 when nothing else is wrong.
 */
export function sayUnregistered(envs: readonly Environment[], clusters: DiscoveryClusters | undefined, consequence: string, io: CliIO): DiscoveryNote[] {
  const notes: DiscoveryNote[] = [];
  for (const env of envs) {
    const u = unregisteredCluster(env, clusters);
    if (!u) continue;
    const note = unregisteredClusterNote(env.name, u, consequence);
    notes.push(note);
    io.stderr.write(`bosun: environment \`${env.name}\`${u.file ? ` (${u.file}${u.line ? `:${u.line}` : ''})` : ''}: ${u.what}; never previewed nor applied. ${u.fix}\n`);
  }
  return notes;
}
