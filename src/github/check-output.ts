import type { ValidationFinding } from '../model/validation.ts';

/** GitHub's limit for a check run's `output.summary` and `output.text`, each. */
export const maxCheckOutputChars = 65_535;
/** Annotations GitHub takes per check-run request; more are appended by later updates. */
export const annotationsPerRequest = 50;

export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

const maxAnnotationTitle = 255;
const maxAnnotationMessage = 64 * 1024;

/**
 * Fits markdown into `limit` characters. What is cut is counted and said; a fence or `<details>`
 * block left open by the cut is closed, so the rest of the page still renders.
 */
export function fitOutput(text: string, limit: number = maxCheckOutputChars): { text: string; omitted: number } {
  if (text.length <= limit) return { text, omitted: 0 };
  // The notice's length depends on the count; reserve for the largest count it can show.
  const reserve = notice(text.length, limit).length;
  const budget = limit - reserve;
  // Room for the kept text; shrinks until the kept text plus its closing lines fit the budget.
  let room = budget;
  for (;;) {
    const cut = cutPoint(text, room);
    const kept = text.slice(0, cut);
    const closers = closersFor(kept);
    if (cut + closers.length <= budget || cut === 0) {
      const omitted = text.length - cut;
      return { text: `${kept}${closers}${notice(omitted, limit)}`, omitted };
    }
    room = Math.min(room - 1, budget - closers.length);
  }
}

function notice(omitted: number, limit: number): string {
  return `\n\n> [!WARNING]\n> ${omitted.toLocaleString('en-US')} characters not shown: GitHub allows ${limit.toLocaleString('en-US')} per check run field.`;
}

/** Where to cut: at a line end if one is reasonably close, never inside a surrogate pair. */
function cutPoint(text: string, budget: number): number {
  if (budget <= 0) return 0;
  const newline = text.lastIndexOf('\n', budget - 1);
  if (newline >= budget * 0.8) return newline;
  const code = text.charCodeAt(budget - 1);
  return code >= 0xd800 && code <= 0xdbff ? budget - 1 : budget;
}

/** The lines that close whatever `kept` leaves open: a code fence, then `<details>` blocks. */
function closersFor(kept: string): string {
  let fence: { char: string; length: number } | undefined;
  let details = 0;
  for (const line of kept.split('\n')) {
    const trimmed = line.trim();
    if (fence) {
      const close = /^(`{3,}|~{3,})\s*$/.exec(trimmed);
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = undefined;
      continue;
    }
    const open = /^(`{3,}|~{3,})(.*)$/.exec(trimmed);
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
      fence = { char: open[1][0], length: open[1].length };
      continue;
    }
    details += (line.match(/<details\b[^>]*>/gi) ?? []).length;
    details -= (line.match(/<\/details\s*>/gi) ?? []).length;
    details = Math.max(0, details);
  }
  const lines: string[] = [];
  if (fence) lines.push(fence.char.repeat(fence.length));
  for (let i = 0; i < details; i++) lines.push('</details>');
  return lines.length > 0 ? `\n${lines.join('\n')}` : '';
}

/**
 * GitHub annotations for validation findings, on the source file and line that produced each one.
 * Findings without a file cannot be annotated; they are returned apart so the report can list them.
 */
export function annotationsFromFindings(findings: readonly ValidationFinding[]): { annotations: CheckAnnotation[]; unplaced: ValidationFinding[] } {
  const annotations: CheckAnnotation[] = [];
  const unplaced: ValidationFinding[] = [];
  for (const finding of findings) {
    if (!finding.file) {
      unplaced.push(finding);
      continue;
    }
    const line = finding.line && finding.line > 0 ? finding.line : 1;
    annotations.push({
      path: finding.file,
      start_line: line,
      end_line: line,
      annotation_level: finding.severity === 'error' ? 'failure' : 'warning',
      title: clip(finding.object, maxAnnotationTitle),
      message: clip(finding.path && finding.path !== '/' ? `${finding.path}: ${finding.message}` : finding.message, maxAnnotationMessage),
    });
  }
  return { annotations, unplaced };
}

/** Keeps an annotation within GitHub's field limits. */
export function normalizeAnnotation(a: CheckAnnotation): CheckAnnotation {
  const start = Math.max(1, Math.floor(a.start_line));
  const out: CheckAnnotation = {
    path: a.path.replace(/^\.?\//, ''),
    start_line: start,
    end_line: Math.max(start, Math.floor(a.end_line)),
    annotation_level: a.annotation_level,
    message: clip(a.message, maxAnnotationMessage),
  };
  if (a.title !== undefined) out.title = clip(a.title, maxAnnotationTitle);
  if (a.raw_details !== undefined) out.raw_details = clip(a.raw_details, maxAnnotationMessage);
  return out;
}

/** Groups of at most `size`, in order. */
export function batches<T>(items: readonly T[], size: number = annotationsPerRequest): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
