import type { PlannedHook, SyncPlan } from '../model/sync-plan.ts';
import type { HookDeletePolicy, HookPhase } from '../model/sync.ts';
import { codeSpan, escapeHtml, plural } from './format.ts';

/** Hooks listed before the rest are counted: a chart with hundreds of test hooks must not flood the report. */
const maxListed = 30;

const phaseText: Record<HookPhase, string> = {
  PreSync: 'runs before sync',
  Sync: 'runs with wave',
  PostSync: 'runs after sync',
  SyncFail: 'runs if the sync fails',
};

const policyText: Record<HookDeletePolicy, string> = {
  BeforeHookCreation: 'replaced at the next sync',
  HookSucceeded: 'deleted when the sync succeeds',
  HookFailed: 'deleted when the sync fails',
  Never: 'kept',
};

/**
 * The environment's sync as markdown (a `#### Sync` block): hooks in run order ("runs before sync: Job
 * `db/upgrade-sql-schema-*`"), the waves, and what is never applied. Empty when there is no sync plan.
 */
export function syncSectionLines(sync: SyncPlan | undefined): string[] {
  if (!sync) return [];
  const title = [
    ...(sync.hooks.length > 0 ? [plural(sync.hooks.length, 'hook')] : []),
    ...(sync.waves.length > 1 ? [plural(sync.waves.length, 'wave')] : []),
    ...(sync.skipped.length > 0 ? [`${sync.skipped.length} not applied`] : []),
    ...(sync.kept?.length ? [`${sync.kept.length} kept`] : []),
  ].join(', ');
  const lines = [`#### Sync: ${title}`, ''];
  const shownHooks = sync.hooks.slice(0, maxListed);
  const hookLine = (h: PlannedHook): string => {
    const label = h.phase === 'Sync' ? `${phaseText.Sync} ${codeSpan(String(h.wave))}` : `${phaseText[h.phase]}${h.wave !== 0 ? ` (wave ${codeSpan(String(h.wave))})` : ''}`;
    const where = h.file ? ` · from ${codeSpan(h.line ? `${h.file}:${h.line}` : h.file)}` : '';
    const policies = h.deletePolicies.map((p) => policyText[p]).join(', ');
    return `- ${label}: ${escapeHtml(h.kind)} ${codeSpan(h.namespace ? `${h.namespace}/${h.name}` : h.name)} (${codeSpan(h.declaredBy)}; ${policies})${where}`;
  };
  const before = shownHooks.filter((h) => h.phase === 'PreSync');
  const during = shownHooks.filter((h) => h.phase === 'Sync');
  const after = shownHooks.filter((h) => h.phase === 'PostSync' || h.phase === 'SyncFail');
  for (const h of before) lines.push(hookLine(h));
  if (sync.waves.length > 1) {
    lines.push(`- waves: ${sync.waves.map((w) => `${codeSpan(String(w.wave))} ${plural(w.objects, 'object')}`).join(' → ')} (each wave is applied once the one before is healthy; prune runs in the reverse order)`);
  }
  for (const h of during) lines.push(hookLine(h));
  for (const h of after) lines.push(hookLine(h));
  if (sync.hooks.length > shownHooks.length) lines.push(`- ✂️ ${plural(sync.hooks.length - shownHooks.length, 'more hook')} not listed (see \`bosun plan --format json\`)`);
  for (const s of sync.skipped.slice(0, maxListed)) {
    lines.push(`- not applied: ${escapeHtml(s.kind)} ${codeSpan(s.namespace ? `${s.namespace}/${s.name}` : s.name)}: ${escapeHtml(s.reason)}`);
  }
  if (sync.skipped.length > maxListed) lines.push(`- ✂️ ${plural(sync.skipped.length - maxListed, 'more object')} not applied, not listed`);
  // Removed from Git but left in the cluster by its controller: not deletions (plan/kept.ts).
  const kept = sync.kept ?? [];
  for (const k of kept.slice(0, maxListed)) {
    lines.push(`- kept: ${escapeHtml(k.kind)} ${codeSpan(k.namespace ? `${k.namespace}/${k.name}` : k.name)} (${escapeHtml(k.reason)})`);
  }
  if (kept.length > maxListed) lines.push(`- ✂️ ${plural(kept.length - maxListed, 'more object')} kept, not listed`);
  return lines;
}
