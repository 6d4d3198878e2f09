import { changeId } from '../diff/change-diff.ts';
import { foldAcrossEnvironments, foldKey } from '../diff/fold.ts';
import type { FoldedChange } from '../diff/fold.ts';
import { highestRisk, sortByRisk } from '../diff/risk.ts';
import type { Change } from '../model/change.ts';
import type { EnvironmentPlan, PlanResult } from '../model/plan.ts';
import type { ValidationFinding } from '../model/validation.ts';
import { pushAll } from '../util/push-all.ts';
import { scrub } from '../util/scrub.ts';
import { formatProblem } from '../model/errors.ts';
import { renderPreviewMarkdown } from './preview-section.ts';
import {
  actionSymbols, cellCode, changeCounts, codeSpan, escapeCell, escapeHtml, fencedText, fenceFor, plural, riskBadges, riskLabel,
  shortSha, validationState,
} from './format.ts';
import { renameFacts, renameSummaryNote } from './rename-text.ts';
import { splitMarkdown } from './split.ts';
import { syncSectionLines } from './sync-section.ts';
import { coverageSectionLines, noEnvironmentsLines, notPreviewedLines, uncoveredWarningLines } from './coverage-section.ts';
import { timeBudgetLines } from './time-budget-section.ts';

export interface MarkdownOptions {
  /** First heading; default `bosun plan`. */
  title?: string;
  /** Characters per part, additions included. Default 65,536 (a comment); use 65,535 for check run text. */
  maxPartChars?: number;
  /** At most this many parts; what does not fit is counted in a notice at the end of the last part. */
  maxParts?: number;
  /** Where an environment's full detail lives (its check run), linked from the summary table. */
  links?: (env: EnvironmentPlan) => string | undefined;
  /** Diff lines shown per object before the rest is cut (and counted). Default 400. */
  maxDiffLinesPerObject?: number;
  /** Show a change identical in several environments once and point to it from the others. Default true. */
  fold?: boolean;
  /** Added to the truncation notice, e.g. "Full output: `bosun plan --format json`." */
  truncationHint?: string;
}

export const defaultMaxPartChars = 65_536;
export const defaultMaxDiffLinesPerObject = 400;

/** Matches the first line of every change block, so the splitter can count changes it could not show. */
export const changeSummaryPattern = new RegExp(`^<details><summary>(${Object.values(riskBadges).join('|')}) `, 'u');

/** The pull request holding an environment's lock, as the index shows it. */
export interface IndexLock {
  pr: number;
  url?: string;
}

export interface IndexOptions extends Pick<MarkdownOptions, 'title' | 'links' | 'maxDiffLinesPerObject'> {
  /** Who holds each environment's lock; a Lock column appears when at least one shown row is locked. */
  locks?: (env: EnvironmentPlan) => IndexLock | undefined;
}

interface Prepared {
  env: EnvironmentPlan;
  changes: Change[];
  /** Diff lines cut by the per-object budget, and in how many objects. */
  cutLines: number;
  cutObjects: number;
}

/**
 * The plan as markdown, split into parts that each fit `maxPartChars`: a summary of every environment
 * first, then a section per environment with something to show (render error, findings, changes).
 * Pure and deterministic: the same plan always gives the same text.
 */
export function renderMarkdown(plan: PlanResult, opts: MarkdownOptions = {}): string[] {
  const maxDiffLines = opts.maxDiffLinesPerObject ?? defaultMaxDiffLinesPerObject;
  const prepared = plan.environments.map((env) => prepare(env, maxDiffLines));
  const folded = opts.fold === false ? new Map<string, FoldedChange>() : foldIndex(plan.environments);

  const lines = indexLines(plan, prepared, opts);
  pushAll(lines, coverageSectionLines(plan));
  for (const item of prepared) {
    if (hasDetail(item.env)) pushAll(lines, ['', ...sectionLines(item, folded, maxDiffLines, opts)]);
  }
  return splitMarkdown(lines.join('\n'), opts.maxPartChars ?? defaultMaxPartChars, {
    maxParts: opts.maxParts,
    items: [{ label: 'changes', match: changeSummaryPattern }],
    truncationHint: opts.truncationHint,
  });
}

/** Only the summary (heading, table, environments not affected): the sticky PR comment's index. */
export function renderIndex(plan: PlanResult, opts: IndexOptions = {}): string {
  const maxDiffLines = opts.maxDiffLinesPerObject ?? defaultMaxDiffLinesPerObject;
  return indexLines(plan, plan.environments.map((env) => prepare(env, maxDiffLines)), opts).join('\n');
}

/**
 * What `renderMarkdown` joins, before joining: the index lines and each environment with something to
 * show, in parts. For renderers that must fit a budget by leaving parts out (src/report/comment.ts).
 */
export function reportPieces(plan: PlanResult, opts: IndexOptions & Pick<MarkdownOptions, 'fold'> = {}): { index: string[]; sections: Array<{ env: EnvironmentPlan; parts: SectionParts }> } {
  const maxDiffLines = opts.maxDiffLinesPerObject ?? defaultMaxDiffLinesPerObject;
  const prepared = plan.environments.map((env) => prepare(env, maxDiffLines));
  const folded = opts.fold === false ? new Map<string, FoldedChange>() : foldIndex(plan.environments);
  return {
    index: indexLines(plan, prepared, opts),
    sections: prepared.filter((item) => hasDetail(item.env)).map((item) => ({ env: item.env, parts: sectionParts(item, folded, maxDiffLines, opts) })),
  };
}

function prepare(env: EnvironmentPlan, maxDiffLines: number): Prepared {
  let cutLines = 0;
  let cutObjects = 0;
  for (const change of env.changes) {
    const cut = diffLines(change.diff).length - maxDiffLines;
    if (cut > 0) {
      cutLines += cut;
      cutObjects++;
    }
  }
  return { env, changes: sortByRisk(env.changes), cutLines, cutObjects };
}

function indexLines(plan: PlanResult, prepared: readonly Prepared[], opts: Pick<IndexOptions, 'title' | 'links' | 'locks'>): string[] {
  const title = opts.title ?? 'bosun plan';
  const lines = [`## ${escapeHtml(title)} · ${codeSpan(shortSha(plan.base))} → ${codeSpan(shortSha(plan.head))}`, ''];
  const shown = prepared.filter((p) => !isSkipped(p.env));
  const skipped = prepared.filter((p) => isSkipped(p.env));
  if (prepared.length === 0) {
    pushAll(lines, [...noEnvironmentsLines(plan), ...uncoveredWarningLines(plan), ...notPreviewedLines(plan)]);
    return lines;
  }

  const allChanges = shown.flatMap((p) => p.changes);
  const top = highestRisk(allChanges);
  const failed = shown.filter((p) => 'error' in p.env.render).length;
  const invalid = shown.filter((p) => p.env.validation.errors.length > 0).length;
  const facts = [
    `**${shown.length} of ${plural(prepared.length, 'environment')} rendered**`,
    plural(allChanges.length, 'change'),
    ...(top ? [`highest risk ${riskLabel(top)}`] : []),
    ...(failed > 0 ? [`❌ ${failed} failed to render`] : []),
    ...(invalid > 0 ? [`❌ ${invalid} with validation errors`] : []),
  ];
  lines.push(facts.join(' · '));
  pushAll(lines, timeBudgetLines(plan));
  pushAll(lines, uncoveredWarningLines(plan));

  if (shown.length > 0) {
    const locks = new Map(shown.map((p) => [p, opts.locks?.(p.env)]));
    if ([...locks.values()].some((lock) => lock !== undefined)) {
      lines.push('', '| Environment | Changes | Validation | Highest risk | Render | Lock |', '| --- | --- | --- | --- | --- | --- |');
      for (const item of shown) lines.push(`${summaryRow(item, opts.links)} ${lockCell(locks.get(item))} |`);
    } else {
      lines.push('', '| Environment | Changes | Validation | Highest risk | Render |', '| --- | --- | --- | --- | --- |');
      for (const item of shown) lines.push(summaryRow(item, opts.links));
    }
  }
  if (skipped.length > 0) lines.push('', skippedLine(skipped.map((p) => p.env)));
  pushAll(lines, notPreviewedLines(plan));
  return lines;
}

function summaryRow({ env, changes, cutLines }: Prepared, links: MarkdownOptions['links']): string {
  const link = links?.(env);
  const name = link ? `[${escapeCell(env.name)}](${link})` : escapeCell(env.name);
  const failed = 'error' in env.render;
  const counts = failed ? '—' : `${changeCounts(changes)}${cutLines > 0 ? ` (✂️ ${cutLines} lines cut)` : ''}`;
  const validation = failed ? '—' : validationState(env);
  const top = highestRisk(changes);
  return `| ${name} | ${counts} | ${validation} | ${top ? riskLabel(top) : '—'} | ${escapeCell(renderState(env))} |`;
}

function lockCell(lock: IndexLock | undefined): string {
  if (!lock) return '—';
  const pr = `#${lock.pr}`;
  return lock.url && /^https?:\/\//.test(lock.url) ? `🔒 [${pr}](${lock.url.replace(/[()\s|]/g, encodeURIComponent)})` : `🔒 ${pr}`;
}

function renderState(env: EnvironmentPlan): string {
  const lifecycle = env.lifecycle === 'added' ? 'new environment · ' : env.lifecycle === 'removed' ? 'removed environment · ' : '';
  if ('error' in env.render) return `${lifecycle}❌ render failed${env.render.error.side ? ` (${env.render.error.side})` : ''}`;
  if ('objects' in env.render) {
    const base = env.render.baseObjects;
    return `${lifecycle}${plural(env.render.objects, 'object')}${base !== undefined && base !== env.render.objects ? ` (base ${base})` : ''}`;
  }
  return `${lifecycle}skipped`;
}

/** Environments that were not rendered, grouped by reason: one line however many there are. */
function skippedLine(envs: readonly EnvironmentPlan[]): string {
  const byReason = new Map<string, string[]>();
  for (const env of envs) {
    const names = byReason.get(env.reason) ?? [];
    names.push(codeSpan(env.name));
    byReason.set(env.reason, names);
  }
  const groups = [...byReason].map(([reason, names]) => `${names.join(', ')} (${escapeHtml(reason)})`);
  return `**Not rendered:** ${groups.join('; ')}`;
}

/**
 * One environment's section in pieces, so a renderer with a budget (src/report/comment.ts) can leave
 * some out and say so. `joinSection` puts them together as the full report prints them.
 */
export interface SectionParts {
  /** Heading, what the environment is, counts, lifecycle note, render error. */
  head: string[];
  /** The validation findings table ([] when there are none). */
  findings: string[];
  /** `#### Changes (n)`, or '' when there are none. */
  changesHeading: string;
  /** One block per change, riskiest first; `group` when it is folded with other environments. */
  changes: Array<{ change: Change; lines: string[]; group?: FoldedChange }>;
  /** The apply preview ([] when there is none). */
  preview: string[];
}

/** "produced by ApplicationSet `apps` (in appsets)": which Argo CD object made this environment. */
function producedByText(env: EnvironmentPlan): string[] {
  if (!env.producedBy) return [];
  const p = env.producedBy;
  return [`produced by ${p.kind} ${codeSpan(p.name)}${p.environment ? ` (rendered by ${codeSpan(p.environment)})` : ''}`];
}

function sectionParts(item: Prepared, folded: Map<string, FoldedChange>, maxDiffLines: number, opts: MarkdownOptions): SectionParts {
  const { env, changes } = item;
  const lines = [`### ${escapeHtml(env.name)}`, ''];
  const about = [codeSpan(env.path), env.source, ...(env.cluster ? [`cluster ${codeSpan(env.cluster)}`] : []), ...producedByText(env), escapeHtml(env.reason)];
  const link = opts.links?.(env);
  if (link) about.push(`[full detail](${link})`);
  lines.push(about.join(' · '));

  if (!('error' in env.render)) {
    const facts = [`**${changeCounts(changes)}**`, renderState(env), validationState(env)];
    if (item.cutLines > 0) facts.push(`✂️ ${plural(item.cutLines, 'diff line')} not shown in ${plural(item.cutObjects, 'object')}`);
    lines.push('', facts.join(' · '));
  }

  if (env.lifecycle === 'removed') {
    // What its controller (or bosun's prune) leaves is listed under Sync as kept, not deleted (plan/kept.ts).
    const kept = env.sync?.kept?.length ?? 0;
    const deleted = changes.filter((c) => c.action === 'delete').length;
    if (kept === 0) lines.push('', '> [!CAUTION]', '> This environment no longer exists at head: every object it deployed is deleted.');
    else if (deleted === 0) lines.push('', '> [!NOTE]', `> This environment no longer exists at head, but its objects stay in the cluster (${plural(kept, 'object')} listed as kept below, with why).`);
    else lines.push('', '> [!CAUTION]', `> This environment no longer exists at head: every object it deployed is deleted except ${plural(kept, 'object')} listed as kept below.`);
  } else if (env.lifecycle === 'added') {
    lines.push('', '> [!NOTE]', '> New environment: every object is created.');
  }
  if ('error' in env.render) pushAll(lines, ['', ...renderErrorLines(env.render.error)]);
  // Hooks and waves: what runs before, with and after the apply (short, so it stays in the section's head).
  if (env.sync) pushAll(lines, ['', ...syncSectionLines(env.sync)]);

  const findings = [...env.validation.errors, ...env.validation.warnings];
  return {
    head: lines,
    findings: findings.length > 0 ? findingLines(env, findings) : [],
    changesHeading: changes.length > 0 ? `#### Changes (${changes.length})` : '',
    changes: changes.map((change) => {
      const key = foldKey(change);
      const group = key === undefined ? undefined : folded.get(key);
      return { change, lines: changeLines(env, change, folded, maxDiffLines), ...(group ? { group } : {}) };
    }),
    preview: env.preview ? previewLines(env.preview) : [],
  };
}

/** The section's lines from (some of) its parts; `notShown` (what a budget left out) follows the changes. */
export function joinSection(parts: SectionParts, notShown: readonly string[] = []): string[] {
  const lines = [...parts.head];
  if (parts.findings.length > 0) pushAll(lines, ['', ...parts.findings]);
  if (parts.changesHeading && parts.changes.length > 0) {
    lines.push('', parts.changesHeading);
    for (const { lines: block } of parts.changes) pushAll(lines, ['', ...block]);
  }
  if (notShown.length > 0) pushAll(lines, ['', ...notShown]);
  if (parts.preview.length > 0) pushAll(lines, ['', ...parts.preview]);
  return lines;
}

function sectionLines(item: Prepared, folded: Map<string, FoldedChange>, maxDiffLines: number, opts: MarkdownOptions): string[] {
  return joinSection(sectionParts(item, folded, maxDiffLines, opts));
}

/** The apply preview (live cluster baseline), kept apart from the change diff (base-branch baseline). */
function previewLines(preview: NonNullable<EnvironmentPlan['preview']>): string[] {
  if ('error' in preview) {
    return ['#### Apply preview', '', `> [!WARNING]`, `> No apply preview: ${escapeHtml(scrub(formatProblem(preview.error)))}`];
  }
  return renderPreviewMarkdown(preview).trimEnd().replace(/^### Apply preview: .*$/m, '#### Apply preview (live cluster)').split('\n');
}

type RenderError = Extract<EnvironmentPlan['render'], { error: unknown }>['error'];

function renderErrorLines(error: RenderError): string[] {
  const where = [
    ...(error.side ? [`${error.side} side`] : []),
    ...(error.tool ? [codeSpan(error.tool)] : []),
    ...(error.file ? [codeSpan(error.line ? `${error.file}:${error.line}` : error.file)] : []),
    ...(error.field ? [`field ${codeSpan(error.field)}`] : []),
  ];
  const message = fencedText(scrub(error.message));
  const fence = fenceFor(message);
  return [`**Render failed**${where.length > 0 ? ` (${where.join(', ')})` : ''}:`, '', `${fence}text`, message, fence];
}

function findingLines(env: EnvironmentPlan, findings: readonly ValidationFinding[]): string[] {
  const title = [
    ...(env.validation.errors.length > 0 ? [plural(env.validation.errors.length, 'error')] : []),
    ...(env.validation.warnings.length > 0 ? [plural(env.validation.warnings.length, 'warning')] : []),
  ].join(', ');
  const lines = [`#### Validation: ${title}`, '', '| | Where | Object | Path | Message |', '| --- | --- | --- | --- | --- |'];
  for (const f of findings) {
    const where = f.file ? cellCode(f.line ? `${f.file}:${f.line}` : f.file) : '—';
    const path = f.path ? cellCode(f.path) : '—';
    lines.push(`| ${f.severity === 'error' ? '❌' : '⚠️'} | ${where} | ${escapeCell(f.object)} | ${path} | ${escapeCell(scrub(f.message))} |`);
  }
  return lines;
}

function changeLines(env: EnvironmentPlan, change: Change, folded: Map<string, FoldedChange>, maxDiffLines: number): string[] {
  const id = changeId(change);
  const target = id.namespace ? `${id.namespace}/${id.name}` : id.name;
  const summary = `${riskLabel(change.risk)} · <code>${actionSymbols[change.action]}</code> ${escapeHtml(`${change.kind} ${target}`)}${renameSummaryNote(change)}`;
  const lines = [`<details><summary>${summary}</summary>`, ''];

  const facts = [codeSpan(change.apiVersion)];
  if (change.file) facts.push(`from ${codeSpan(change.line ? `${change.file}:${change.line}` : change.file)}`);
  if (change.secretKeys) facts.push(secretKeysText(change.secretKeys));
  pushAll(facts, renameFacts(change));
  const key = foldKey(change);
  const group = key === undefined ? undefined : folded.get(key);
  const firstEnv = group?.environments[0];
  if (group && firstEnv !== env.name) {
    facts.push(`same change as in ${codeSpan(firstEnv ?? '')}, diff shown there`);
    return [...lines, facts.join(' · '), '', '</details>'];
  }
  if (group) facts.push(`same change in ${group.environments.map((name) => codeSpan(name)).join(', ')}`);
  lines.push(facts.join(' · '), '');

  const all = diffLines(change.diff).map(fencedText);
  const shown = all.slice(0, maxDiffLines);
  const fence = fenceFor(shown.join('\n'));
  pushAll(lines, [`${fence}diff`, ...shown, fence]);
  if (all.length > shown.length) {
    lines.push('', `✂️ ${plural(all.length - shown.length, 'more diff line')} not shown for this object (limit ${maxDiffLines} per object).`);
  }
  lines.push('', '</details>');
  return lines;
}

function secretKeysText(keys: NonNullable<Change['secretKeys']>): string {
  const parts = [
    ...(keys.added.length > 0 ? [`added ${keys.added.map((k) => codeSpan(k)).join(', ')}`] : []),
    ...(keys.removed.length > 0 ? [`removed ${keys.removed.map((k) => codeSpan(k)).join(', ')}`] : []),
    ...(keys.changed.length > 0 ? [`changed ${keys.changed.map((k) => codeSpan(k)).join(', ')}`] : []),
  ];
  return `🔒 Secret values masked${parts.length > 0 ? `; keys ${parts.join('; ')}` : '; no value changed'}`;
}

function diffLines(diff: string): string[] {
  if (diff === '') return [];
  return (diff.endsWith('\n') ? diff.slice(0, -1) : diff).split('\n');
}

function foldIndex(envs: readonly EnvironmentPlan[]): Map<string, FoldedChange> {
  const rendered = envs.filter((env) => !isSkipped(env));
  return new Map(foldAcrossEnvironments(rendered).map((group) => [group.key, group]));
}

function isSkipped(env: EnvironmentPlan): boolean {
  return 'skipped' in env.render;
}

function hasDetail(env: EnvironmentPlan): boolean {
  if (env.preview) return true;
  return !isSkipped(env) && ('error' in env.render || env.changes.length > 0 || env.sync !== undefined
    || env.validation.errors.length > 0 || env.validation.warnings.length > 0 || env.lifecycle !== undefined);
}
