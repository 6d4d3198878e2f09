import { renderAndValidate, selectEnvironments, withTree } from '../../plan/desired-state.ts';
import type { EnvRender } from '../../plan/desired-state.ts';
import { stderrProgress } from '../../plan/progress.ts';
import { formatProblem } from '../../model/errors.ts';
import { oneOf } from '../args.ts';
import type { CliIO } from '../io.ts';
import { exitCodeHelp } from '../exit-codes.ts';
import { parseSelection, selectionHelp } from './select-options.ts';
import { repoFolder } from '../repo-option.ts';
import { clustersFile, dataDirOf } from './cluster-file.ts';
import { sayUnregistered } from './unregistered-output.ts';
import type { DiscoveryNote } from '../../model/discovery.ts';

export const validateHelp = `Usage: bosun validate --repo DIR [--ref REF] [--env NAME]... [--path P [--values F]...] [--format text|json]

Renders each environment (or one folder) and validates every object offline against strict Kubernetes
schemas and the CRDs found in the render and the repository, like kubeconform -strict.

Options:
${selectionHelp}
  --clusters FILE   cluster registry (default: $BOSUN_CLUSTERS): environments whose cluster is registered
                    are validated against that cluster's own OpenAPI (its CRDs, its Kubernetes version)
  --format FORMAT   text (default) or json

${exitCodeHelp}`;

export async function validateCommand(argv: string[], io: CliIO): Promise<number> {
  const opts = parseSelection(argv, io, 'validate', { clusters: true });
  const format = oneOf(opts.format, ['text', 'json'] as const, 'text', 'format');
  const repoDir = await repoFolder(opts.repoFlag, io, { git: opts.ref !== undefined, why: '--ref reads a commit (leave it out to read the folder as it is)' });
  const progress = stderrProgress({ stream: io.stderr });
  const file = clustersFile(opts.clusters, io);
  // The Kubernetes client is loaded only when a cluster registry is given.
  const registry = file ? await import('./clusters.ts').then((m) => ({ checks: m.clusterChecksHook(m.loadRegistry(file), { cacheDir: dataDirOf(io) }), inventory: m.inventoryOf(m.loadRegistry(file)) })) : undefined;
  const checks = registry?.checks;
  const results = await withTree(repoDir, opts.ref, async (dir) => {
    // Fleet bundles and ApplicationSet clusters generators target the registered clusters.
    const envs = await selectEnvironments(dir, { ...opts.selection, ...(registry ? { clusters: registry.inventory } : {}) });
    return renderAndValidate(dir, envs, { progress, limits: opts.limits, ...(checks ? { clusterChecks: checks.hook } : {}) });
  }).finally(() => checks?.close());
  progress.done();
  const unregistered = sayUnregistered(results.map((r) => r.env), registry?.inventory, 'validated offline only (not against the cluster\'s own OpenAPI), never previewed against a cluster, and bosun applies nothing to it', io);
  const byEnv = new Map(unregistered.map((n) => [n.name, n]));
  if (format === 'json') io.stdout.write(`${JSON.stringify({ environments: results.map(toJson), discovery: unregistered }, null, 2)}\n`);
  else io.stdout.write(results.map((r) => toText(r, byEnv.get(r.env.name))).join(''));
  // The content is wrong (1) comes first; then not all of it judged (3).
  if (results.some((r) => !r.outcome.ok || r.findings.some((f) => f.severity === 'error'))) return 1;
  return unregistered.length > 0 ? 3 : 0;
}

function toJson(r: EnvRender) {
  return {
    name: r.env.name,
    source: r.env.source,
    path: r.env.path,
    render: r.outcome.ok ? { objects: r.outcome.objects.length } : { error: r.outcome.error },
    validation: {
      errors: r.findings.filter((f) => f.severity === 'error'),
      warnings: r.findings.filter((f) => f.severity === 'warning'),
    },
  };
}

function toText(r: EnvRender, unregistered?: DiscoveryNote): string {
  const note = unregistered ? `  ${unregistered.file ? `${unregistered.file}${unregistered.line ? `:${unregistered.line}` : ''}: ` : ''}not previewed: ${unregistered.reason}\n` : '';
  if (!r.outcome.ok) return `✗ ${r.env.name} (${r.env.path}): render failed\n  ${formatProblem(r.outcome.error).replace(/\n/g, '\n  ')}\n${note}`;
  const errors = r.findings.filter((f) => f.severity === 'error');
  const warnings = r.findings.filter((f) => f.severity === 'warning');
  const mark = errors.length ? '✗' : warnings.length ? '!' : '✓';
  const lines = [`${mark} ${r.env.name} (${r.env.path}): ${r.outcome.objects.length} objects, ${errors.length} error(s), ${warnings.length} warning(s)`];
  for (const f of [...errors, ...warnings]) {
    const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
    lines.push(`  ${where}${f.severity}: ${f.object}: ${f.path ? `${f.path}: ` : ''}${f.message}`);
  }
  return `${lines.join('\n')}\n${note}`;
}
