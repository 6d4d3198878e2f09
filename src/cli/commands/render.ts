import { stringify } from 'yaml';
import { renderAndValidate, selectEnvironments, withTree } from '../../plan/desired-state.ts';
import { stderrProgress } from '../../plan/progress.ts';
import { formatProblem } from '../../model/errors.ts';
import { sourceSummary } from '../../model/object.ts';
import { oneOf } from '../args.ts';
import type { CliIO } from '../io.ts';
import { exitCodeHelp } from '../exit-codes.ts';
import { parseSelection, selectionHelp } from './select-options.ts';
import { repoFolder } from '../repo-option.ts';
import { clustersFile } from './cluster-file.ts';
import { sayUnregistered } from './unregistered-output.ts';
import { inventoryOf, loadClusterRegistry } from '../../cluster/registry.ts';

export const renderHelp = `Usage: bosun render --repo DIR [--ref REF] [--env NAME]... [--path P [--values F]...] [--format yaml|json]

Prints the objects each environment renders to, as bosun sees them (the input of validate, plan and
apply), each with its source file and line.

Options:
${selectionHelp}
  --clusters FILE   cluster registry (default: $BOSUN_CLUSTERS): only its cluster names, labels and
                    groups are read, for Rancher Fleet bundles (one environment per target cluster)
  --format FORMAT   yaml (default; multi-document with "# Source:" comments) or json

${exitCodeHelp}`;

export async function renderCommand(argv: string[], io: CliIO): Promise<number> {
  const opts = parseSelection(argv, io, 'render', { clusters: true });
  const format = oneOf(opts.format, ['yaml', 'json'] as const, 'yaml', 'format');
  const repoDir = await repoFolder(opts.repoFlag, io, { git: opts.ref !== undefined, why: '--ref reads a commit (leave it out to read the folder as it is)' });
  const progress = stderrProgress({ stream: io.stderr });
  const file = clustersFile(opts.clusters, io);
  const clusters = file ? inventoryOf(loadClusterRegistry(file)) : undefined;
  const results = await withTree(repoDir, opts.ref, async (dir) => renderAndValidate(dir, await selectEnvironments(dir, { ...opts.selection, ...(clusters ? { clusters } : {}) }), { progress, limits: opts.limits }));
  progress.done();
  const unregistered = sayUnregistered(results.map((r) => r.env), clusters, 'rendered offline, never previewed against a cluster, and bosun applies nothing to it', io);
  let failed = false;
  if (format === 'json') {
    io.stdout.write(`${JSON.stringify({
      environments: results.map((r) => ({
        name: r.env.name,
        path: r.env.path,
        ...(r.outcome.ok ? { objects: r.outcome.objects.map((o) => (o.source ? { ...o, source: sourceSummary(o.source) } : o)) } : { error: r.outcome.error }),
      })),
      discovery: unregistered,
    }, null, 2)}\n`);
    failed = results.some((r) => !r.outcome.ok);
  } else {
    for (const r of results) {
      if (!r.outcome.ok) {
        failed = true;
        io.stderr.write(`bosun: ${r.env.name}: render failed: ${formatProblem(r.outcome.error)}\n`);
        continue;
      }
      for (const o of r.outcome.objects) {
        const src = o.source ? `${o.source.file}${o.source.line ? `:${o.source.line}` : ''}` : 'unknown';
        io.stdout.write(`---\n# Environment: ${r.env.name}\n# Source: ${src}\n${stringify(o.object, { lineWidth: 0 })}`);
      }
    }
  }
  // A render failure (1) comes first; then not all of it judged (3).
  return failed ? 1 : unregistered.length > 0 ? 3 : 0;
}
