import { planChange } from '../../plan/plan.ts';
import { stderrProgress } from '../../plan/progress.ts';
import { renderJson, renderMarkdown } from '../../report/index.ts';
import type { PlanResult } from '../../model/plan.ts';
import { oneOf, parse, requireOption } from '../args.ts';
import type { CliIO } from '../io.ts';
import { exitCodeHelp } from '../exit-codes.ts';
import { limitHelp, limitOptions, objectLimitsFrom, planTimeoutFrom, planTimeoutHelp, planTimeoutOptions } from '../limit-options.ts';
import { clustersFile, dataDirOf } from './cluster-file.ts';
import { repoFolder } from '../repo-option.ts';
import { noEnvironmentsError } from '../../discover/nothing-found.ts';
import { exitCodeFor } from '../../model/errors.ts';
import { changedUncovered } from '../../report/coverage-section.ts';
import { chartOptionsFrom, chartSourceHelp } from '../chart-options.ts';
import { cliIndexOption } from '../index-cache.ts';
import { budgetSpentText } from '../../plan/time-budget.ts';

export const planHelp = `Usage: bosun plan --repo DIR --base REF --head REF [--env NAME]... [--format markdown|json]

Shows what a change between two commits does to each environment: which environments it affects (and
why), the change diff per object (riskiest first, Secret values masked) and validation findings.

Options:
  --repo DIR        git repository (default: current directory)
  --base REF        base commit, branch or tag (e.g. main)
  --head REF        head commit, branch or tag (e.g. the PR branch)
  --env NAME        only this environment (repeatable)
  --format FORMAT   markdown (default; the PR report) or json (stable schema, see docs/cli.md)
  --repo-url URL    URL the repo is known by, to match Flux GitRepository / Argo CD sources (repeatable)
  --base-branch NAME the branch the change merges into (default: --base when it names a branch, else
                    origin's default branch, else main or master): Argo CD Applications and
                    ApplicationSet git generators following another branch or a tag are pinned
  --default-branch NAME the repository's default branch, which Argo CD's targetRevision HEAD follows
                    (default: origin's, as the clone recorded it); when it is not the base branch,
                    Applications following HEAD are pinned
  --concurrency N   parallel renders (default: 2 x CPUs)
  --clusters FILE   cluster registry (default: $BOSUN_CLUSTERS): for environments whose cluster is
                    registered, validates against that cluster's own OpenAPI (its CRDs and its
                    Kubernetes version) and adds the apply preview (server-side dry run)
  --no-index-cache  do not read or write the input index in <repo>/.git/bosun/input-index/ (each
                    environment's inputs per commit, so only what a change reaches is re-walked);
                    also BOSUN_NO_INDEX_CACHE=1
  --part-of NAME    with --clusters: whose objects the preview compares with (would-be prunes); the
                    GitHub App uses the repository's owner/name (default: bosun)
${chartSourceHelp}
${limitHelp}
${planTimeoutHelp}

For plan, 1 also means the apply preview (--clusters) predicts a failed apply.

${exitCodeHelp}`;

export async function planCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    repo: { type: 'string' },
    base: { type: 'string' },
    head: { type: 'string' },
    env: { type: 'string', multiple: true },
    format: { type: 'string' },
    'repo-url': { type: 'string', multiple: true },
    'base-branch': { type: 'string' },
    'default-branch': { type: 'string' },
    concurrency: { type: 'string' },
    clusters: { type: 'string' },
    'part-of': { type: 'string' },
    'chart-source': { type: 'string', multiple: true },
    'no-index-cache': { type: 'boolean' },
    ...limitOptions,
    ...planTimeoutOptions,
  }, 'plan');
  const format = oneOf(values.format, ['markdown', 'json'] as const, 'markdown', 'format');
  const base = requireOption(values.base, 'base', 'plan');
  const head = requireOption(values.head, 'head', 'plan');
  const limits = objectLimitsFrom(values);
  const timeBudget = planTimeoutFrom(values);
  const charts = chartOptionsFrom(values['chart-source'], io);
  const repoDir = await repoFolder(values.repo, io, { git: true, why: 'plan compares two of its commits' });
  const progress = stderrProgress({ stream: io.stderr });
  const file = clustersFile(values.clusters, io);
  // The Kubernetes client is loaded only when a preview was asked for.
  const clusters = file ? await import('./clusters.ts').then((m) => {
    const registry = m.loadRegistry(file);
    return { preview: m.previewHook(registry, values['part-of'] ? { partOf: values['part-of'] } : {}), checks: m.clusterChecksHook(registry, { cacheDir: dataDirOf(io) }), inventory: m.inventoryOf(registry) };
  }) : undefined;
  const preview = clusters?.preview;
  const inputIndex = await cliIndexOption(repoDir, io, values['no-index-cache']);
  const result = await planChange({
    repoDir,
    base,
    head,
    envs: values.env,
    repoUrls: values['repo-url'],
    ...(values['base-branch'] ? { baseBranch: values['base-branch'] } : {}),
    ...(values['default-branch'] ? { defaultBranch: values['default-branch'] } : {}),
    ...(clusters ? { clusters: clusters.inventory } : {}),
    concurrency: values.concurrency ? Number(values.concurrency) : undefined,
    progress,
    preview: preview?.hook,
    ...(clusters ? { clusterChecks: clusters.checks.hook } : {}),
    limits,
    charts,
    ...(inputIndex ? { inputIndex } : {}),
    ...(timeBudget ? { timeBudget } : {}),
  }).finally(() => Promise.all([preview?.close(), clusters?.checks.close()]));
  progress.done();
  if (format === 'json') io.stdout.write(`${renderJson(result)}\n`);
  else io.stdout.write(`${renderMarkdown(result).join('\n\n---\n\n')}\n`);
  if (result.environments.length === 0) {
    // The report above is the truth (no environments); the exit code says that is nothing to judge.
    const nothing = noEnvironmentsError({ where: 'the repository at either commit' });
    io.stderr.write(`bosun: ${nothing.message}\n`);
    return exitCodeFor(nothing.kind);
  }
  // Not all of it judged: the environments the budget left are listed in the report as not previewed (exit 3; 1 comes first).
  if (result.timeBudget) {
    io.stderr.write(`bosun: ${budgetSpentText(result.timeBudget)}: ${result.timeBudget.notPreviewed.length} not previewed (see the report); raise --plan-timeout or plan fewer environments (--env)\n`);
  }
  if (planFailed(result)) return 1;
  // Never a silent 0 for a change bosun could not judge (the App's neutral `bosun` check run).
  const unjudged = changedUncovered(result);
  if (unjudged.length > 0) {
    io.stderr.write(`bosun: cannot judge ${unjudged.length} changed file(s): ${unjudged.slice(0, 5).map((u) => u.file).join(', ')}${unjudged.length > 5 ? ', …' : ''} (see the report's "cannot judge" list)\n`);
  }
  return unjudged.length > 0 || result.timeBudget ? 3 : 0;
}

/** A render or validation failed, or the apply preview predicts the apply would fail (conflict, rejection, unreachable cluster). */
export function planFailed(result: PlanResult): boolean {
  return result.environments.some((e) => 'error' in e.render || e.validation.errors.length > 0
    || (e.preview !== undefined && ('error' in e.preview || !e.preview.ok)));
}
