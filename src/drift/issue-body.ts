import { cellCode, codeSpan, escapeHtml, fenceFor, plural } from '../report/format.ts';
import { driftCounts, objectLabel, type DriftItem, type DriftKind, type DriftReport } from './report.ts';

/**
 * The drift issue of one environment, as markdown: pure, so what people read is tested without GitHub.
 * The body always fits GitHub's 65,536 characters: diffs are cut per object and, when there are too
 * many, the rest is counted instead of shown.
 */

/** GitHub's limit for an issue body. */
export const maxIssueBodyChars = 65_536;
/** Lines of one object's diff shown before it is cut. */
export const maxDiffLines = 150;

/** Where the drift stands, as the issue shows it. */
export type DriftIssueStatus =
  /** Drift found and still there. */
  | { status: 'drifted'; heal: HealNote }
  /** bosun re-applied Git and the next check found the cluster in sync. */
  | { status: 'healed'; healedAt: number };

/** What bosun does about drift that is still there. */
export type HealNote =
  | { mode: 'off' }
  /** selfHeal is on, but this drift must not be healed (empty render, autoApply off and nothing applied yet…). */
  | { mode: 'refused'; reason: string }
  /** selfHeal is on, bosun re-applied, and drift remains (or the apply failed). */
  | { mode: 'failed'; at: number; message: string };

export interface DriftIssueInput {
  env: string;
  cluster: string;
  /** The commit the cluster was compared with. */
  sha: string;
  /** Why the reference is not the tip of the default branch (pin, autoApply off). */
  baselineNote?: string;
  defaultBranch: string;
  checkedAt: number;
  report: DriftReport;
  state: DriftIssueStatus;
  lastApply?: { sha: string; ok: boolean; at: number };
}

export function driftMarker(env: string): string {
  return `<!-- bosun:drift env="${encodeURIComponent(env)}" -->`;
}

/** Whether an issue body is the drift issue of `env`: its first line is the marker. */
export function isDriftIssueBody(body: string | null | undefined, env: string): boolean {
  if (!body) return false;
  const first = body.replace(/\r\n/g, '\n').trimStart().split('\n', 1)[0];
  return first.trim() === driftMarker(env);
}

export function driftIssueTitle(env: string): string {
  return `Drift in ${env}`;
}

export function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const short = (sha: string): string => sha.slice(0, 7);

const whatLabel: Record<DriftKind, string> = {
  changed: '✏️ changed',
  missing: '➕ missing',
  extra: '🗑️ extra (Git no longer has it)',
  conflict: '⚠️ conflict',
};

function verdict(input: DriftIssueInput): string[] {
  const { state, env } = input;
  const heal = `\`/bosun sync ${env}\` on any pull request re-applies \`${env}\` from Git, or set \`selfHeal: true\` for it in \`.bosun.yaml\` and bosun heals drift by itself`;
  switch (state.status) {
    case 'healed':
      return [`✅ **Healed at ${when(state.healedAt)}**: bosun re-applied \`${short(input.sha)}\` (\`selfHeal: true\`, recorded as a GitHub deployment to \`${env}\`) and the cluster is in sync again. The objects below had drifted.`];
    case 'drifted':
      if (state.heal.mode === 'off') return [`**What bosun does:** nothing by itself: \`selfHeal\` is off for \`${env}\`. To undo these changes: ${heal}. To keep them, change Git to match.`];
      if (state.heal.mode === 'refused') return [`**What bosun does:** \`selfHeal\` is on, but this drift is not healed: ${state.heal.reason}.`];
      return [`❌ **Heal failed at ${when(state.heal.at)}**: ${state.heal.message}. bosun tries again at the next check; ${heal.replace(/, or set .*$/, '')}.`];
  }
}

function headerLines(input: DriftIssueInput): string[] {
  const { report } = input;
  const compared = input.baselineNote ?? `the tip of \`${input.defaultBranch}\``;
  const lines = [
    `## ${input.state.status === 'drifted' ? '⚠️ Drift' : 'Drift'} in ${codeSpan(input.env)}`,
    '',
    ...verdict(input),
    '',
    '| | |',
    '| --- | --- |',
    `| Environment | ${cellCode(input.env)} |`,
    `| Cluster | ${cellCode(input.cluster)} |`,
    `| Compared with | \`${short(input.sha)}\` (${compared.replace(/\|/g, '\\|')}) |`,
    `| Checked | ${when(input.checkedAt)} |`,
    `| Drift | ${driftCounts(report)} (${plural(report.compared, 'object')} compared) |`,
  ];
  if (input.lastApply) lines.push(`| Last apply | \`${short(input.lastApply.sha)}\` ${input.lastApply.ok ? 'succeeded' : 'failed'} at ${when(input.lastApply.at)} |`);
  lines.push('');
  for (const note of report.notes) lines.push(`- ${escapeHtml(note)}`);
  if (report.unchecked.length > 0) {
    lines.push(`- ${plural(report.unchecked.length, 'object')} could not be compared: ${report.unchecked.slice(0, 5).map((u) => `${escapeHtml(objectLabel(u))} (${escapeHtml(u.message)})`).join('; ')}${report.unchecked.length > 5 ? `; and ${report.unchecked.length - 5} more` : ''}`);
  }
  if (report.notes.length > 0 || report.unchecked.length > 0) lines.push('');
  return lines;
}

function tableRow(i: DriftItem): string {
  const by = i.changedBy ? i.changedBy.map((m) => cellCode(m)).join(', ') : '';
  return `| ${cellCode(i.objectKind)} | ${i.namespace ? cellCode(i.namespace) : ''} | ${cellCode(i.name)} | ${whatLabel[i.kind]} | ${by} |`;
}

function diffBlock(i: DriftItem): string {
  const lines = (i.diff ?? '').replace(/\n$/, '').split('\n');
  const shown = lines.length > maxDiffLines ? [...lines.slice(0, maxDiffLines), `… ${lines.length - maxDiffLines} more lines not shown`] : lines;
  const body = shown.join('\n');
  const fence = fenceFor(body);
  const secrets = i.secretKeys && (i.secretKeys.changed.length + i.secretKeys.added.length + i.secretKeys.removed.length > 0)
    ? `\n🔒 Secret values masked; keys differ: ${[...i.secretKeys.changed, ...i.secretKeys.added, ...i.secretKeys.removed].map((k) => codeSpan(k)).join(', ')}\n`
    : '';
  const by = i.changedBy ? ` · changed by ${i.changedBy.map((m) => codeSpan(m)).join(', ')}` : '';
  return [
    `<details><summary>${escapeHtml(whatLabel[i.kind])} · <code>${escapeHtml(objectLabel(i))}</code></summary>`,
    '',
    `\`${i.apiVersion}\`${by}${i.message ? ` · ${escapeHtml(i.message)}` : ''}${secrets}`,
    '',
    `${fence}diff`,
    body,
    fence,
    '',
    '</details>',
    '',
  ].join('\n');
}

/** The issue body, marker first, within `maxChars` (GitHub's limit by default). */
export function renderDriftIssueBody(input: DriftIssueInput, maxChars: number = maxIssueBodyChars): string {
  const items = input.report.items;
  const head = [driftMarker(input.env), ...headerLines(input)].join('\n');
  const footer = `\n---\n<sub>Kept up to date by bosun on every drift check of \`${escapeHtml(input.env)}\`; closed when the cluster matches Git again. \`-\` is the live object, \`+\` what Git makes it.</sub>\n`;
  // Reserve room for the footer and the "not shown" line, so the cut never lands past the limit.
  const budget = maxChars - footer.length - 200;
  let out = head;
  let shownRows = 0;
  if (items.length > 0) {
    out += `\n### ${plural(items.length, 'drifted object')}\n\n| Kind | Namespace | Name | What | Changed by |\n| --- | --- | --- | --- | --- |\n`;
    for (const i of items) {
      const row = `${tableRow(i)}\n`;
      if (out.length + row.length > budget) break;
      out += row;
      shownRows++;
    }
    if (shownRows < items.length) out += `\n**${items.length - shownRows} more drifted object(s) not listed** (the issue body is limited to ${maxChars} characters).\n`;
  }
  const withDiffs = items.slice(0, shownRows).filter((i) => i.diff);
  let shownDiffs = 0;
  if (withDiffs.length > 0) {
    out += '\n### Diffs\n\n';
    for (const i of withDiffs) {
      const block = diffBlock(i);
      if (out.length + block.length > budget) break;
      out += block;
      shownDiffs++;
    }
    if (shownDiffs < withDiffs.length) {
      const lines = withDiffs.slice(shownDiffs).reduce((n, i) => n + (i.diff ?? '').split('\n').length, 0);
      out += `**${withDiffs.length - shownDiffs} diff(s) (${lines} lines) not shown** (the issue body is limited to ${maxChars} characters).\n`;
    }
  }
  return out + footer;
}

const resolvedBanner = /^> ✅ \*\*In sync since [^\n]*\n\n/;

/**
 * The body of a drift issue whose drift went away without bosun (fixed by hand, or by a later apply):
 * the last drift stays as the record, under a banner saying since when the cluster matches Git.
 */
export function resolvedDriftIssueBody(existing: string, input: Pick<DriftIssueInput, 'env' | 'sha' | 'checkedAt'>, maxChars: number = maxIssueBodyChars): string {
  const banner = `> ✅ **In sync since ${when(input.checkedAt)}** at \`${short(input.sha)}\`: the cluster matches Git again. Below is the drift as last seen.\n\n`;
  const marker = driftMarker(input.env);
  const rest = existing.replace(/\r\n/g, '\n').replace(marker, '').replace(/^\n+/, '').replace(resolvedBanner, '');
  const body = `${marker}\n${banner}${rest}`;
  return body.length <= maxChars ? body : `${marker}\n${banner}`;
}

/** The comment posted when the drift's state changes (never on an unchanged check). */
export function driftStateComment(change: 'reopened' | 'healed' | 'resolved', input: Pick<DriftIssueInput, 'env' | 'sha' | 'checkedAt' | 'report'>): string {
  const at = when(input.checkedAt);
  switch (change) {
    case 'reopened':
      return `Drift in \`${input.env}\` is back (${driftCounts(input.report)}), found at ${at} comparing with \`${short(input.sha)}\`. The description above is current.`;
    case 'healed':
      return `bosun healed drift in \`${input.env}\` at ${at} (${driftCounts(input.report)}) by re-applying \`${short(input.sha)}\`; the cluster is in sync again.`;
    case 'resolved':
      return `\`${input.env}\` is in sync with \`${short(input.sha)}\` again, found at ${at}. Closing.`;
  }
}
