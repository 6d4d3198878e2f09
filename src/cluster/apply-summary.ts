import { pushAll } from '../util/push-all.ts';
import type { ApplyAction, ApplyReport, ObjectResult, SyncStep } from './types.ts';
import { objectLabel } from '../model/object.ts';

const actionOrder: ApplyAction[] = ['failed', 'created', 'configured', 'pruned', 'skipped', 'unchanged'];

/**
 * Plain text for the CLI: a verdict line, counts, health, notes, then one line per object (failures
 * first, then what changed) so the end of the output is what a user scrolls to.
 */
export function renderApplySummary(report: ApplyReport): string {
  const lines: string[] = [];
  const verb = report.mode === 'sync' ? 'sync' : 'apply';
  const title = `${report.dryRun ? `${verb} (dry run)` : verb} of environment "${report.environment}" to cluster "${report.cluster}"`;
  lines.push(`${report.ok ? 'OK' : 'FAILED'}: ${title} in ${(report.durationMs / 1000).toFixed(1)} s`);
  const c = report.counts;
  lines.push(`  ${c.created} created, ${c.configured} configured, ${c.unchanged} unchanged, ${c.pruned} pruned, ${c.skipped} skipped, ${c.failed} failed`);
  if (report.health) {
    const h = report.health;
    const notHealthy = h.objects.filter((o) => o.status !== 'healthy');
    lines.push(`  health: ${h.verdict} after ${(h.elapsedMs / 1000).toFixed(1)} s (${h.objects.length - notHealthy.length} of ${h.objects.length} healthy)`);
    for (const o of notHealthy) lines.push(`    ${o.status.padEnd(11)} ${objectLabel(o)}: ${o.message}`);
  }
  pushAll(lines, syncStepLines(report).map((l) => `  ${l}`));
  for (const note of report.notes) lines.push(`  note: ${note}`);
  const sorted = [...report.objects].sort((a, b) => actionOrder.indexOf(a.action) - actionOrder.indexOf(b.action));
  if (sorted.length > 0) lines.push('');
  for (const o of sorted) lines.push(objectLine(o));
  return `${lines.join('\n')}\n`;
}

function objectLine(o: ObjectResult): string {
  const where = o.source ? ` (${o.source.file}${o.source.line ? `:${o.source.line}` : ''})` : '';
  const why = o.error ? `: ${o.error}` : '';
  const hook = o.hook ? ` [${o.hook.phase} hook${o.hook.wave !== 0 ? `, wave ${o.hook.wave}` : ''}: ${o.hook.outcome}${o.hook.deleted ? ', deleted' : ''}]` : o.wave !== undefined ? ` [wave ${o.wave}]` : '';
  return `${o.action.padEnd(10)} ${objectLabel(o)}${hook}${where}${why}`;
}

const stepNames: Record<SyncStep['phase'], string> = { PreSync: 'PreSync', Sync: 'wave', PostSync: 'PostSync', SyncFail: 'SyncFail', Prune: 'prune' };

/**
 * The sync's steps, one line each ("wave -1: 2 objects, healthy after 1.2 s"), when there were hooks or
 * several waves: the CLI summary and the apply check run show them in the order they ran.
 */
export function syncStepLines(report: Pick<ApplyReport, 'steps'>): string[] {
  if (!report.steps || report.steps.length === 0) return [];
  return ['sync steps:', ...report.steps.map((step) => {
    const name = step.phase === 'Sync' ? `wave ${step.wave}` : `${stepNames[step.phase]}${step.wave !== undefined && step.wave !== 0 ? ` (wave ${step.wave})` : ''}`;
    const what = [
      ...(step.objects > 0 ? [`${step.objects} object${step.objects === 1 ? '' : 's'}`] : []),
      ...(step.hooks > 0 ? [`${step.hooks} hook${step.hooks === 1 ? '' : 's'}`] : []),
    ].join(', ') || 'nothing';
    const outcome = step.outcome === 'ok' ? `done in ${(step.elapsedMs / 1000).toFixed(1)} s` : step.outcome;
    return `  ${name}: ${what}: ${outcome}${step.message ? ` (${step.message})` : ''}`;
  })];
}

