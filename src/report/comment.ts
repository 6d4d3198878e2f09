/**
 * The pull request's sticky comment: the report reviewers read in the conversation, not only an index.
 *
 * The index table comes first, then each environment's section exactly as `bosun plan` prints it
 * (collapsed per-object diffs, riskiest first, a change identical in several environments shown once
 * with their names). One comment holds 65,536 characters, so the sections are filled by priority —
 * render errors, validation errors and failed apply previews, then changes riskiest first across all
 * environments, then warnings and the other previews — and whatever does not fit is left out whole (never
 * cut inside a fence or `<details>`) and counted under its environment with a link to its check run.
 * Pure and deterministic: the same plan and links give the same body, so a re-plan edits nothing.
 */
import { compareChanges } from '../diff/risk.ts';
import type { EnvironmentPlan, PlanResult } from '../model/plan.ts';
import { codeSpan, plural } from './format.ts';
import { changeSummaryPattern, joinSection, reportPieces, type IndexOptions, type SectionParts } from './markdown.ts';
import { splitMarkdown } from './split.ts';

/** GitHub's limit for an issue or pull request comment body. */
export const maxCommentBodyChars = 65_536;

export interface CommentOptions extends IndexOptions {
  /**
   * Characters the returned body may have. Default 65,536; pass less to leave room for what is added
   * around it (the sticky comment's marker line, the "After merge" block).
   */
  maxChars?: number;
}

interface Section {
  env: EnvironmentPlan;
  parts: SectionParts;
  order: number;
  link?: string;
  head: boolean;
  findings: boolean;
  changes: boolean[];
  preview: boolean;
  /** Room kept for the "not shown" line from the moment the section is in (its longest possible form). */
  noteReserve: number;
}

type Piece = { sec: Section; kind: 'head' | 'findings' | 'preview' } | { sec: Section; kind: 'change'; index: number };

/** Shown whole or not at all: a change folded across environments is its diff plus every pointer to it. */
type Unit = Piece[];

export function renderComment(plan: PlanResult, opts: CommentOptions = {}): string {
  const budget = opts.maxChars ?? maxCommentBodyChars;
  const { index, sections: pieces } = reportPieces(plan, opts);
  const sections: Section[] = pieces.map(({ env, parts }, order) => {
    const link = opts.links?.(env);
    const sec: Section = { env, parts, order, ...(link ? { link } : {}), head: false, findings: false, changes: parts.changes.map(() => false), preview: false, noteReserve: 0 };
    const worst = notShownLine(sec, { changes: parts.changes.length, lines: sumDiffLines(parts, () => true), findings: findingCount(env), preview: parts.preview.length > 0 });
    sec.noteReserve = worst ? 2 + worst.length : 0;
    return sec;
  });

  const totalChanges = sections.reduce((n, sec) => n + sec.changes.length, 0);
  const indexText = index.join('\n');
  const worstSummary = summaryLine(totalChanges, totalChanges, sections.length);
  let used = indexText.length + (worstSummary ? 2 + worstSummary.length : 0);

  for (const unit of units(sections)) {
    const cost = costOf(unit);
    if (used + cost > budget) continue;
    used += cost;
    for (const piece of unit) include(piece);
  }

  const out = [indexText];
  const shownChanges = sections.reduce((n, sec) => n + sec.changes.filter(Boolean).length, 0);
  const hidden = sections.filter((sec) => !sec.head).length;
  const summary = shownChanges < totalChanges || hidden > 0 || sections.some((sec) => omitted(sec).any) ? summaryLine(shownChanges, totalChanges, hidden) : '';
  if (summary) out.push(summary);
  for (const sec of sections) {
    if (!sec.head) continue;
    const parts: SectionParts = {
      ...sec.parts,
      findings: sec.findings ? sec.parts.findings : [],
      changes: sec.parts.changes.filter((_, i) => sec.changes[i]),
      preview: sec.preview ? sec.parts.preview : [],
    };
    const note = notShownLine(sec, omitted(sec));
    out.push(joinSection(parts, note ? [note] : []).join('\n'));
  }
  const body = out.join('\n\n');
  if (body.length <= budget) return body;
  // Only an index larger than the whole budget (thousands of environments) gets here: cut it where
  // markdown allows and count what is left.
  const [part = ''] = splitMarkdown(body, budget, {
    maxParts: 1,
    items: [{ label: 'changes', match: changeSummaryPattern }],
    truncationHint: 'Each environment\'s check run on this commit has its full report.',
  });
  return part;
}

/** Everything that may be shown, in the order it gets the room. */
function units(sections: readonly Section[]): Unit[] {
  const failing = (env: EnvironmentPlan): boolean => env.preview !== undefined && ('error' in env.preview || !env.preview.ok);
  const problems: Unit[] = [];
  for (const sec of sections) if ('error' in sec.env.render) problems.push([{ sec, kind: 'head' }]);
  for (const sec of sections) if (sec.env.validation.errors.length > 0 && sec.parts.findings.length > 0) problems.push([{ sec, kind: 'findings' }]);
  for (const sec of sections) if (failing(sec.env) && sec.parts.preview.length > 0) problems.push([{ sec, kind: 'preview' }]);

  // A folded change is one unit: its diff in the first environment and the pointers in the others.
  const changes: Array<{ unit: Unit; first: Section; index: number }> = [];
  const groups = new Map<string, Unit>();
  for (const sec of sections) {
    sec.parts.changes.forEach((part, index) => {
      const piece: Piece = { sec, kind: 'change', index };
      if (!part.group) {
        changes.push({ unit: [piece], first: sec, index });
        return;
      }
      const unit = groups.get(part.group.key);
      if (unit) {
        unit.push(piece);
        return;
      }
      const created: Unit = [piece];
      groups.set(part.group.key, created);
      changes.push({ unit: created, first: sec, index });
    });
  }
  changes.sort((a, b) => compareChanges(a.first.parts.changes[a.index].change, b.first.parts.changes[b.index].change)
    || a.first.order - b.first.order || a.index - b.index);

  const warnings: Unit[] = sections.filter((sec) => sec.env.validation.errors.length === 0 && sec.parts.findings.length > 0).map((sec) => [{ sec, kind: 'findings' }]);
  const previews: Unit[] = sections.filter((sec) => !failing(sec.env) && sec.parts.preview.length > 0).map((sec) => [{ sec, kind: 'preview' }]);
  const heads: Unit[] = sections.map((sec) => [{ sec, kind: 'head' }]);
  return [...problems, ...changes.map((c) => c.unit), ...warnings, ...previews, ...heads];
}

/** Characters a unit adds to the body as it stands, its sections' heads and "Changes" headings included. */
function costOf(unit: Unit): number {
  let cost = 0;
  const opened = new Set<Section>();
  const headed = new Set<Section>();
  for (const piece of unit) {
    const { sec } = piece;
    if (!sec.head && !opened.has(sec)) {
      cost += 2 + joinedLength(sec.parts.head) + sec.noteReserve;
      opened.add(sec);
    }
    if (piece.kind === 'findings' && !sec.findings) cost += 2 + joinedLength(sec.parts.findings);
    if (piece.kind === 'preview' && !sec.preview) cost += 2 + joinedLength(sec.parts.preview);
    if (piece.kind === 'change' && !sec.changes[piece.index]) {
      if (!sec.changes.some(Boolean) && !headed.has(sec)) {
        cost += 2 + sec.parts.changesHeading.length;
        headed.add(sec);
      }
      cost += 2 + joinedLength(sec.parts.changes[piece.index].lines);
    }
  }
  return cost;
}

function include(piece: Piece): void {
  const { sec } = piece;
  sec.head = true;
  if (piece.kind === 'findings') sec.findings = true;
  if (piece.kind === 'preview') sec.preview = true;
  if (piece.kind === 'change') sec.changes[piece.index] = true;
}

interface Omitted {
  changes: number;
  lines: number;
  findings: number;
  preview: boolean;
  any?: boolean;
}

function omitted(sec: Section): Omitted {
  const changes = sec.changes.filter((shown) => !shown).length;
  const findings = sec.findings ? 0 : findingCount(sec.env);
  const preview = !sec.preview && sec.parts.preview.length > 0;
  return { changes, lines: sumDiffLines(sec.parts, (i) => !sec.changes[i]), findings, preview, any: changes > 0 || findings > 0 || preview };
}

/** `✂️ Not shown here for `staging`: 12 of 40 changes (340 diff lines), … — see the check run.` ('' when nothing is left out). */
function notShownLine(sec: Section, left: Omitted): string {
  const items = [
    ...(left.changes > 0 ? [`${left.changes} of ${plural(sec.changes.length, 'change')} (${plural(left.lines, 'diff line')})`] : []),
    ...(left.findings > 0 ? [plural(left.findings, 'validation finding')] : []),
    ...(left.preview ? ['the apply preview'] : []),
  ];
  if (items.length === 0) return '';
  const list = items.length === 1 ? items[0] : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
  const where = sec.link ? `[its check run](${sec.link})` : 'its check run';
  return `✂️ **Not shown in this comment for ${codeSpan(sec.env.name)}:** ${list} — see ${where}.`;
}

function summaryLine(shown: number, total: number, hidden: number): string {
  const sections = hidden > 0 ? `; ${plural(hidden, 'environment')} with details only in ${hidden === 1 ? 'its check run' : 'their check runs'}` : '';
  return `> [!NOTE]\n> This comment shows ${shown} of ${plural(total, 'change')}, riskiest first, to stay within GitHub's ${maxCommentBodyChars.toLocaleString('en-US')} characters${sections}. What is left out is counted under each environment; every environment's check run (linked in the table) has its full report.`;
}

function findingCount(env: EnvironmentPlan): number {
  return env.validation.errors.length + env.validation.warnings.length;
}

function sumDiffLines(parts: SectionParts, pick: (index: number) => boolean): number {
  let total = 0;
  parts.changes.forEach(({ change }, i) => {
    if (pick(i)) total += diffLineCount(change.diff);
  });
  return total;
}

function diffLineCount(diff: string): number {
  if (diff === '') return 0;
  let count = 1;
  for (let i = diff.indexOf('\n'); i >= 0 && i < diff.length - 1; i = diff.indexOf('\n', i + 1)) count++;
  return count;
}

function joinedLength(lines: readonly string[]): number {
  let total = Math.max(0, lines.length - 1);
  for (const line of lines) total += line.length;
  return total;
}
