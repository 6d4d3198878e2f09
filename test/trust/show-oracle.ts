// Prints what the trust corpus's oracle computes for each commit of the corpus repositories: the
// deployments that change and their object changes. For writing a new repository's oracle.yaml and commits:
//   npx tsx test/trust/show-oracle.ts [repo…]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCorpusRepo, listCorpus } from './corpus.ts';
import { Oracle } from './oracle.ts';
import { oracleScratch } from './oracle-tools.ts';

const work = await mkdtemp(join(tmpdir(), 'bosun-trust-show-'));
try {
  for (const repo of listCorpus(process.argv.slice(2))) {
    const built = await buildCorpusRepo(repo, join(work, repo.spec.name));
    const oracle = new Oracle(repo, built);
    for (const c of built.commits) {
      const lines = await Promise.all(oracle.deployments.map(async (d) => {
        try {
          const change = await oracle.change(d.env, c.parent, c.sha);
          if (change.status === 'unchanged') return undefined;
          return `  ${d.env}: ${change.status === 'changed' ? change.changes.map((x) => `${x.action} ${x.key}${x.hook ? ' (hook)' : ''}`).join('; ') : change.why}`;
        } catch (e) {
          return `  ${d.env}: ERROR ${(e as Error).message}`;
        }
      }));
      const changed = lines.filter((l): l is string => l !== undefined);
      process.stdout.write(`${repo.spec.name} @ ${c.id} (${c.commit.what})\n${changed.join('\n') || '  (nothing changes)'}\n`);
    }
  }
} finally {
  await rm(work, { recursive: true, force: true });
  await rm(await oracleScratch(), { recursive: true, force: true });
}
