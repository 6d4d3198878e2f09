import { applyEnvironment, renderApplySummary, syncEnvironment } from '../../cluster/index.ts';
import type { ProgressEvent } from '../../cluster/types.ts';
import { loadDesiredState } from '../../plan/desired-state.ts';
import { parse, requireOption } from '../args.ts';
import type { CliIO } from '../io.ts';
import { exitCodeHelp } from '../exit-codes.ts';
import { clusterNameOf, connectConfigured, inventoryOf, registryFrom } from './clusters.ts';
import { repoFolder } from '../repo-option.ts';
import { chartOptionsFrom } from '../chart-options.ts';

const options = `Options:
  --repo DIR        git repository (default: current directory)
  --ref REF         the commit, branch or tag to apply (e.g. main)
  --env NAME        the environment
  --clusters FILE   the cluster registry (default: $BOSUN_CLUSTERS)
  --dry-run         server-side dry run: report what would happen, change nothing
  --no-prune        do not delete objects Git no longer has
  --no-wait         do not wait for health
  --repo-url URL    URL the repo is known by, to match Flux / Argo CD sources (repeatable)
  --chart-source S  a chart source bosun may fetch remote charts from (repeatable; also
                    $BOSUN_CHART_SOURCES): a host or a URL prefix; sources REF itself declares are
                    allowed too (run it on commits you trust); charts are cached in $BOSUN_DATA_DIR/charts
  --sops-age-key-file FILE
                    age key file (AGE-SECRET-KEY-1… lines) to decrypt SOPS-encrypted objects with
                    (default: $BOSUN_SOPS_AGE_KEY_FILE); without one such objects refuse the apply
  --part-of NAME    what the environment belongs to (label bosun.dev/part-of, and its inventory): the
                    GitHub App uses the repository's owner/name; pass the same to act on what it
                    applied (default: bosun)`;

export const applyHelp = `Usage: bosun apply --repo DIR --ref REF --env NAME --clusters FILE [--dry-run]

Renders the environment at REF, validates it (nothing is applied when it does not render or validate),
then applies it to its cluster with server-side apply (field manager "bosun"): Namespaces and CRDs first,
then cluster-scoped, then namespaced objects; prunes what bosun applied before and Git no longer has;
waits for health. Prints progress and a per-object summary.

${options}

${exitCodeHelp}`;

export const syncHelp = `Usage: bosun sync --repo DIR --ref REF --env NAME --clusters FILE [--dry-run]

Disaster recovery: applies the full desired state of the environment at REF, trusting nothing in the
cluster — Namespaces still terminating are waited out and re-created, objects bosun owns are found by
label as well as by inventory, and the inventory is rewritten from scratch.

${options}

${exitCodeHelp}`;

function makeCommand(mode: 'apply' | 'sync') {
  return async (argv: string[], io: CliIO): Promise<number> => {
    const { values } = parse(argv, {
      repo: { type: 'string' },
      ref: { type: 'string' },
      env: { type: 'string' },
      clusters: { type: 'string' },
      'dry-run': { type: 'boolean' },
      'no-prune': { type: 'boolean' },
      'no-wait': { type: 'boolean' },
      'repo-url': { type: 'string', multiple: true },
      'part-of': { type: 'string' },
      'sops-age-key-file': { type: 'string' },
      'chart-source': { type: 'string', multiple: true },
    }, mode);
    const ref = requireOption(values.ref, 'ref', mode);
    const envName = requireOption(values.env, 'env', mode);
    const charts = chartOptionsFrom(values['chart-source'], io);
    const registry = registryFrom(values.clusters, io, mode);
    const say = (msg: string): void => { io.stderr.write(`bosun: ${msg}\n`); };
    say(`rendering ${envName} at ${ref}`);
    const repoDir = await repoFolder(values.repo, io, { git: true, why: `${mode} reads the environment at a commit` });
    const desired = await loadDesiredState({ repoDir, ref, env: envName, repoUrls: values['repo-url'], clusters: inventoryOf(registry), charts, refuseUnregisteredCluster: true });
    for (const w of desired.warnings) say(`warning: ${w.file ?? ''}${w.line ? `:${w.line}` : ''} ${w.object}: ${w.message}`);
    const cluster = clusterNameOf(desired.env);
    say(`${values['dry-run'] ? 'dry-run ' : ''}${mode} of ${desired.objects.length} object(s) at ${desired.sha.slice(0, 7)} to cluster "${cluster}"`);
    const client = await connectConfigured(registry, cluster);
    try {
      const run = mode === 'sync' ? syncEnvironment : applyEnvironment;
      const report = await run({
        client,
        env: desired.env,
        objects: desired.objects,
        dryRun: values['dry-run'] ?? false,
        ...(values['no-prune'] ? { prune: false } : {}),
        wait: !values['no-wait'],
        ...(values['part-of'] ? { partOf: values['part-of'] } : {}),
        ...(values['sops-age-key-file'] ? { sopsAgeKeyFile: values['sops-age-key-file'] } : {}),
        onProgress: (e: ProgressEvent) => say(`${e.stage}${e.total ? ` ${e.done}/${e.total}` : ''}: ${e.message}`),
      });
      io.stdout.write(`${renderApplySummary(report)}\n`);
      return report.ok ? 0 : 1;
    } finally {
      client.close();
    }
  };
}

export const applyCommand = makeCommand('apply');
export const syncCommand = makeCommand('sync');
