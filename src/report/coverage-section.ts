/**
 * What the plan says about what bosun does not understand: changed files no environment reads ("bosun
 * cannot judge"), objects that deploy something bosun does not preview, the full list of uncovered
 * files and every discovery note. Pure: markdown lines from the plan's `coverage` and `discovery`.
 */
import { noteLabel, type DiscoveryNote, type UncoveredFile } from '../model/discovery.ts';
import type { PlanResult } from '../model/plan.ts';
import { scrub } from '../util/scrub.ts';
import { cellCode, codeSpan, escapeCell, escapeHtml, plural } from './format.ts';

/** Rows of a collapsed list before the rest is counted (the JSON output has them all). */
const maxRows = 200;
/** Items named in the warning and the "not previewed" list at the top. */
const maxTopItems = 10;

const statusLabels: Record<DiscoveryNote['status'], string> = {
  'not-previewed': '⏸️ not previewed',
  'not-an-environment': '👁️ not an environment',
  info: 'ℹ️ note',
};

/**
 * Changed files bosun cannot judge: GitOps files no environment reads, and files that feed something
 * bosun does not preview (a `substituteFrom` ConfigMap, a HelmRelease's chart), once each.
 */
export function changedUncovered(plan: PlanResult): UncoveredFile[] {
  const out = (plan.coverage?.uncovered ?? []).filter((u) => u.changed);
  const seen = new Set(out.map((u) => u.file));
  const feeds = new Map<string, DiscoveryNote[]>();
  for (const note of plan.discovery ?? []) {
    for (const file of note.changed ?? []) if (!seen.has(file)) feeds.set(file, [...(feeds.get(file) ?? []), note]);
  }
  for (const [file, notes] of [...feeds].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const what = notes.map((note) => {
      const at = where(note);
      return `${plainLabel(note)}${envsOf(note, (e) => `\`${e}\``)}${at ? ` (${at})` : ''}`;
    });
    out.push({ file, reason: `feeds ${what.join(', ')}, which bosun does not preview: ${notes[0].reason}`, changed: true });
  }
  return out;
}

/** " in `env`" for the environments that deploy an object; nothing for a note that is about an environment itself. */
function envsOf(note: DiscoveryNote, code: (env: string) => string): string {
  if (note.kind === 'Environment' || !note.environments?.length) return '';
  return ` in ${note.environments.map(code).join(', ')}`;
}

/** The label in plain text with the name in backticks (for reasons, which are escaped later). */
function plainLabel(note: DiscoveryNote): string {
  return note.name ? `${noteLabel(note)} \`${note.name}\`` : noteLabel(note);
}

function label(note: DiscoveryNote): string {
  return note.name ? `${noteLabel(note)} ${codeSpan(note.name)}` : noteLabel(note);
}

function where(note: DiscoveryNote): string | undefined {
  return note.file ? (note.line ? `${note.file}:${note.line}` : note.file) : undefined;
}

function fileItem(u: UncoveredFile): string {
  return `${codeSpan(u.file)}${u.deleted ? ' (deleted)' : ''}${u.reason ? `: ${escapeHtml(scrub(u.reason))}` : ''}`;
}

/**
 * The warning at the top when the change touches files no environment reads: bosun cannot say what
 * they change, so the plan must not read as "no changes". Empty otherwise.
 */
export function uncoveredWarningLines(plan: PlanResult): string[] {
  const changed = changedUncovered(plan);
  if (changed.length === 0) return [];
  const lines = ['', '> [!WARNING]', `> **bosun cannot judge ${plural(changed.length, 'changed file')}**: bosun does not preview what ${changed.length === 1 ? 'it deploys' : 'they deploy'}, so this plan does not show everything ${changed.length === 1 ? 'it changes' : 'they change'}.`];
  for (const u of changed.slice(0, maxTopItems)) lines.push(`> - ${fileItem(u)}`);
  if (changed.length > maxTopItems) lines.push(`> - … and ${changed.length - maxTopItems} more (see "Not deployed by any environment bosun found")`);
  return lines;
}

/** Objects bosun knows deploy something it cannot render, listed at the top: never dropped. */
export function notPreviewedLines(plan: PlanResult): string[] {
  const notes = (plan.discovery ?? []).filter((n) => n.status === 'not-previewed');
  if (notes.length === 0) return [];
  const lines = ['', `**Not previewed (${notes.length}):** bosun knows ${notes.length === 1 ? 'this deploys' : 'these deploy'} something it cannot render.`, ''];
  for (const note of notes.slice(0, maxTopItems)) {
    const at = where(note);
    const envs = envsOf(note, (e) => codeSpan(e));
    lines.push(`- ${label(note)}${envs}${at ? ` (${codeSpan(at)})` : ''}: ${escapeHtml(scrub(note.reason))}`);
  }
  if (notes.length > maxTopItems) lines.push(`- … and ${notes.length - maxTopItems} more (see "Seen by discovery")`);
  return lines;
}

/** What "No environments found" says: what bosun looked for, and the discovery note that explains it. */
export function noEnvironmentsLines(plan: PlanResult): string[] {
  const note = (plan.discovery ?? []).find((n) => n.kind === 'Repository');
  return [note ? `No environments found in this repository: ${escapeHtml(note.reason.replace(/^no environments found: /, ''))}.` : 'No environments found in this repository.'];
}

/**
 * The collapsed lists, after the summary: every GitOps file no environment reads (changed ones first)
 * and every discovery note. Empty when the plan has neither.
 */
export function coverageSectionLines(plan: PlanResult): string[] {
  const lines: string[] = [];
  const uncovered = plan.coverage?.uncovered ?? [];
  if (uncovered.length > 0) {
    const changed = uncovered.filter((u) => u.changed).length;
    lines.push('', `<details><summary>Not deployed by any environment bosun found (${plural(uncovered.length, 'file')}${changed > 0 ? `, ${changed} changed` : ''})</summary>`, '');
    lines.push(`${plural(plan.coverage?.covered ?? 0, 'GitOps file')} ${plan.coverage?.covered === 1 ? 'is' : 'are'} read by an environment; ${uncovered.length === 1 ? 'this one is' : 'these are'} not, so changes to ${uncovered.length === 1 ? 'it are' : 'them are'} not previewed.`, '');
    lines.push('| File | Why |', '| --- | --- |');
    for (const u of uncovered.slice(0, maxRows)) {
      const mark = u.deleted ? '✏️ deleted: ' : u.changed ? '✏️ changed: ' : '';
      lines.push(`| ${mark}${cellCode(u.file)} | ${u.reason ? escapeCell(scrub(u.reason)) : 'no environment reads it'} |`);
    }
    if (uncovered.length > maxRows) lines.push('', `… and ${uncovered.length - maxRows} more: \`bosun plan --format json\` lists them all (\`coverage.uncovered\`).`);
    lines.push('', '</details>');
  }
  const notes = [...(plan.discovery ?? [])].sort((a, b) => order(a) - order(b));
  if (notes.length > 0) {
    const counts = (['not-previewed', 'not-an-environment', 'info'] as const)
      .map((status) => [status, notes.filter((n) => n.status === status).length] as const)
      .filter(([, n]) => n > 0)
      .map(([status, n]) => (status === 'info' ? plural(n, 'note') : `${n} ${status.replace(/-/g, ' ')}`));
    lines.push('', `<details><summary>Seen by discovery: ${counts.join(', ')}</summary>`, '');
    lines.push('| | What | Where | Why |', '| --- | --- | --- | --- |');
    for (const note of notes.slice(0, maxRows)) {
      const at = where(note);
      const envs = note.kind !== 'Environment' && note.environments?.length ? ` (${note.environments.map((e) => cellCode(e)).join(', ')})` : '';
      lines.push(`| ${statusLabels[note.status]} | ${escapeCell(label(note))}${envs} | ${at ? cellCode(at) : '—'} | ${escapeCell(scrub(note.reason))} |`);
    }
    if (notes.length > maxRows) lines.push('', `… and ${notes.length - maxRows} more: \`bosun plan --format json\` lists them all (\`discovery\`).`);
    lines.push('', '</details>');
  }
  return lines;
}

function order(note: DiscoveryNote): number {
  return note.status === 'not-previewed' ? 0 : note.status === 'not-an-environment' ? 1 : 2;
}
