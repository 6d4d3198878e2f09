import { previewEnvironment } from '../../cluster/index.ts';
import { driftCounts, driftReport, isDrifted, objectLabel, type DriftReport } from '../../drift/index.ts';
import { loadDesiredState } from '../../plan/desired-state.ts';
import { cellCode, codeSpan, fenceFor, plural } from '../../report/format.ts';
import { oneOf, parse, requireOption } from '../args.ts';
import type { CliIO } from '../io.ts';
import { exitCodeHelp } from '../exit-codes.ts';
import { repoFolder } from '../repo-option.ts';
import { chartOptionsFrom } from '../chart-options.ts';
import { clusterNameOf, connectConfigured, inventoryOf, registryFrom } from './clusters.ts';

export const driftHelp = `Usage: bosun drift --repo DIR --env NAME [--ref main] [--clusters FILE] [--format markdown|json]

Checks one environment for drift now: renders it at REF and compares the live cluster with it through
a server-side-apply dry run, the same comparison the GitHub App's scheduled drift check makes (objects
changed by hand with who changed them, objects missing from the cluster, objects bosun applied that Git
no longer has, fields held by another field manager). Prints the drifted objects and their diffs
(Secret values masked). Never applies, heals or prunes anything, whatever selfHeal says.

The App compares with the default branch's tip, or with the commit a rollback pinned or the last commit
it applied when autoApply is off; here the reference is REF.

Options:
  --repo DIR        git repository (default: current directory)
  --ref REF         the commit, branch or tag the cluster should match (default: main)
  --env NAME        the environment
  --clusters FILE   the cluster registry (default: $BOSUN_CLUSTERS)
  --format FORMAT   markdown (default) or json
  --repo-url URL    URL the repo is known by, to match Flux / Argo CD sources (repeatable)
  --chart-source S  a chart source bosun may fetch remote charts from (repeatable; also
                    $BOSUN_CHART_SOURCES): a host or a URL prefix; sources REF itself declares are
                    allowed too (run it on commits you trust); charts are cached in $BOSUN_DATA_DIR/charts
  --part-of NAME    whose objects count as applied by bosun (label bosun.dev/part-of, and its
                    inventory): the GitHub App uses the repository's owner/name (default: bosun)

For drift: exit 0 when the cluster matches Git, 1 when something drifted, 3 when nothing drifted but
some objects could not be compared (the output lists them).

${exitCodeHelp}`;

export async function driftCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse(argv, {
    repo: { type: 'string' },
    ref: { type: 'string' },
    env: { type: 'string' },
    clusters: { type: 'string' },
    format: { type: 'string' },
    'repo-url': { type: 'string', multiple: true },
    'part-of': { type: 'string' },
    'chart-source': { type: 'string', multiple: true },
  }, 'drift');
  const envName = requireOption(values.env, 'env', 'drift');
  const charts = chartOptionsFrom(values['chart-source'], io);
  const ref = values.ref ?? 'main';
  const format = oneOf(values.format, ['markdown', 'json'] as const, 'markdown', 'format');
  const registry = registryFrom(values.clusters, io, 'drift');
  const say = (msg: string): void => { io.stderr.write(`bosun: ${msg}\n`); };
  const repoDir = await repoFolder(values.repo, io, { git: true, why: 'drift compares the cluster with the environment at a commit' });
  say(`rendering ${envName} at ${ref}`);
  const desired = await loadDesiredState({ repoDir, ref, env: envName, repoUrls: values['repo-url'], clusters: inventoryOf(registry), charts, refuseUnregisteredCluster: true });
  for (const w of desired.warnings) say(`warning: ${w.file ?? ''}${w.line ? `:${w.line}` : ''} ${w.object}: ${w.message}`);
  const cluster = clusterNameOf(desired.env);
  say(`comparing ${plural(desired.objects.length, 'object')} of ${envName} on cluster "${cluster}" with ${desired.sha.slice(0, 7)}`);
  const client = await connectConfigured(registry, cluster);
  let report: DriftReport;
  try {
    // As the App's check: force shows a field taken by `kubectl edit` / `scale` as a change with its author.
    const env = { ...desired.env, forceConflicts: true };
    report = driftReport(await previewEnvironment({ client, env, objects: desired.objects, ...(values['part-of'] ? { partOf: values['part-of'] } : {}) }));
  } finally {
    client.close();
  }
  const context = { ref, sha: desired.sha };
  io.stdout.write(format === 'json' ? `${JSON.stringify({ ...context, drifted: isDrifted(report), ...report }, null, 2)}\n` : driftMarkdown(report, context));
  say(driftCounts(report));
  return isDrifted(report) ? 1 : report.unchecked.length > 0 ? 3 : 0;
}

/** The drift of one environment for a terminal or a CI log. */
export function driftMarkdown(report: DriftReport, at: { ref: string; sha: string }): string {
  const lines = [
    `## ${isDrifted(report) ? '⚠️ Drift' : '✅ No drift'} in ${codeSpan(report.environment)}`,
    '',
    `Cluster ${codeSpan(report.cluster)} compared with ${codeSpan(at.ref)} at \`${at.sha.slice(0, 7)}\`: ${driftCounts(report)} (${plural(report.compared, 'object')} compared).`,
    '',
  ];
  for (const note of report.notes) lines.push(`- ${note}`);
  for (const u of report.unchecked) lines.push(`- could not compare ${objectLabel(u)}: ${u.message}`);
  if (report.notes.length > 0 || report.unchecked.length > 0) lines.push('');
  if (report.items.length > 0) {
    lines.push('| Kind | Namespace | Name | What | Changed by |', '| --- | --- | --- | --- | --- |');
    for (const i of report.items) {
      lines.push(`| ${cellCode(i.objectKind)} | ${i.namespace ? cellCode(i.namespace) : ''} | ${cellCode(i.name)} | ${what[i.kind]} | ${(i.changedBy ?? []).map((m) => cellCode(m)).join(', ')} |`);
    }
    lines.push('');
    for (const i of report.items.filter((item) => item.diff)) {
      const body = (i.diff ?? '').replace(/\n$/, '');
      const fence = fenceFor(body);
      lines.push(`### ${what[i.kind]}: ${objectLabel(i)}`, '', `${fence}diff`, body, fence, '');
    }
    lines.push('`-` is the live object, `+` what Git makes it. To undo the drift: `bosun sync` (or `/bosun sync <env>` on a pull request); to keep it, change Git.', '');
  }
  return lines.join('\n');
}

const what = { changed: 'changed', missing: 'missing', extra: 'no longer in Git', conflict: 'held by another manager' } as const;
