/**
 * Markdown-safe splitting of a long report into parts that each fit a GitHub body limit.
 *
 * A part never ends inside an open code fence, `<details>` block or table: whatever is open at the
 * cut is closed at the end of the part and reopened at the start of the next one (same fence info
 * string, `<details><summary>… (continued)</summary>`, the table's header rows). Every part, additions
 * included, stays within `maxChars` (measured in UTF-16 code units, which is never less than GitHub's
 * character count).
 */

export interface SplitOptions {
  /** Stop after this many parts; the last one then ends with an exact count of what was not shown. */
  maxParts?: number;
  /** Things to count among the lines not shown, e.g. `{ label: 'changes', match: /^<details><summary>/ }`. */
  items?: Array<{ label: string; match: RegExp }>;
  /** Appended to the truncation notice, e.g. where the full output can be found. */
  truncationHint?: string;
}

interface Fence {
  char: '`' | '~';
  length: number;
  /** The opening line as written (indentation and info string kept) so the reopened block matches. */
  opening: string;
}

interface State {
  fence?: Fence;
  /** Open `<details>` blocks, outermost first, with their summary (inner HTML) once seen. */
  details: Array<{ summary?: string }>;
  /** Header and delimiter rows of the table the previous line belongs to. */
  table?: { header: string; delimiter: string };
  previous?: string;
}

const fenceOpen = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const fenceClose = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const tableDelimiter = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)+\|?\s*$/;
const detailsTag = /<details\b[^>]*>|<\/details\s*>|<summary\b[^>]*>([\s\S]*?)<\/summary\s*>/gi;

export function splitMarkdown(md: string, maxChars: number, options: SplitOptions = {}): string[] {
  const lines = (md.endsWith('\n') ? md.slice(0, -1) : md).split('\n');
  const maxParts = options.maxParts ?? Number.POSITIVE_INFINITY;
  if (maxParts < 1) throw new RangeError('maxParts must be at least 1');

  const parts: string[] = [];
  let state: State = { details: [] };
  let index = 0;
  // A line that had to be hard-split: how much of it is already out.
  let offset = 0;
  while (index < lines.length) {
    const partNo = parts.length + 1;
    if (partNo < maxParts) {
      const part = fill(lines, index, offset, state, partNo, maxChars);
      parts.push(part.text);
      ({ index, offset, state } = part);
      continue;
    }
    // The last allowed part: everything left may still fit, and then no notice is needed.
    const rest = fill(lines, index, offset, state, partNo, maxChars);
    if (rest.index === lines.length) {
      parts.push(rest.text);
      break;
    }
    // Counts only shrink as more is shown, so the notice for "all that is left" bounds the real one.
    const reserve = truncationNotice(lines, index, 0, options, maxParts).length;
    const part = fill(lines, index, offset, state, partNo, maxChars - reserve);
    parts.push(part.text + truncationNotice(lines, part.index, part.offset, options, maxParts));
    break;
  }
  return parts.length > 0 ? parts : [''];
}

/**
 * Fills one part from `lines[index]` (from character `offset` of it) within `budget`, returning the
 * text (reopening prefix and closing suffix included) and where the next part starts.
 */
function fill(lines: readonly string[], index: number, offset: number, start: State, partNo: number, budget: number): { text: string; index: number; offset: number; state: State } {
  const out = partNo > 1 ? reopen(start, partNo - 1) : [];
  let length = joinedLength(out);
  let state = start;
  let content = 0;
  while (index < lines.length) {
    const line = offset > 0 ? lines[index].slice(offset) : lines[index];
    const next = advance(state, lines[index]);
    const separator = out.length > 0 ? 1 : 0;
    if (length + separator + line.length + closingLength(next) <= budget) {
      out.push(line);
      length += separator + line.length;
      state = next;
      index++;
      offset = 0;
      content++;
      continue;
    }
    if (content > 0) break;
    // The line does not fit even an empty part: cut it. The line's effect on the state (a fence or
    // tag it opens) only applies once its last piece is out, so keep the room for both closings.
    const room = budget - length - separator - Math.max(closingLength(state), closingLength(next));
    const take = safeCut(line, room);
    if (take < 1) throw new RangeError(`maxChars ${budget} is too small to hold the reopened markdown blocks of part ${partNo}`);
    out.push(line.slice(0, take));
    offset += take;
    break;
  }
  return { text: [...out, ...closing(state)].join('\n'), index, offset, state };
}

function advance(state: State, line: string): State {
  const next: State = { fence: state.fence, details: state.details, table: state.table, previous: line };
  if (state.fence) {
    const close = fenceClose.exec(line);
    if (close && close[1][0] === state.fence.char && close[1].length >= state.fence.length) next.fence = undefined;
    return next;
  }
  const open = fenceOpen.exec(line);
  if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
    next.fence = { char: open[1][0] as '`' | '~', length: open[1].length, opening: line };
    next.table = undefined;
    return next;
  }
  if (line.trimStart().startsWith('|')) {
    if (!state.table && state.previous?.trimStart().startsWith('|') && tableDelimiter.test(line)) {
      next.table = { header: state.previous, delimiter: line };
    }
  } else {
    next.table = undefined;
  }
  let details = state.details;
  for (const match of line.matchAll(detailsTag)) {
    const tag = match[0].toLowerCase();
    if (tag.startsWith('<details')) details = [...details, {}];
    else if (tag.startsWith('</details')) details = details.slice(0, -1);
    else if (details.length > 0 && details[details.length - 1].summary === undefined) {
      details = [...details.slice(0, -1), { summary: match[1] }];
    }
  }
  next.details = details;
  return next;
}

function closing(state: State): string[] {
  const out: string[] = [];
  if (state.fence) out.push(state.fence.char.repeat(state.fence.length));
  for (let i = state.details.length - 1; i >= 0; i--) out.push('</details>');
  return out;
}

function closingLength(state: State): number {
  const lines = closing(state);
  return lines.length === 0 ? 0 : joinedLength(lines) + 1;
}

function reopen(state: State, previousPart: number): string[] {
  const out = [`Continued from part ${previousPart}.`, ''];
  for (const block of state.details) out.push(`<details><summary>${block.summary ?? 'Details'} (continued)</summary>`, '');
  if (state.fence) out.push(state.fence.opening);
  else if (state.table) out.push(state.table.header, state.table.delimiter);
  return out;
}

function truncationNotice(lines: readonly string[], index: number, offset: number, options: SplitOptions, maxParts: number): string {
  // A line shown only in part is counted as not shown.
  const rest = lines.slice(index);
  const counts = (options.items ?? []).map(({ label, match }) => {
    const candidates = offset > 0 ? rest.slice(1) : rest;
    const pattern = new RegExp(match.source, match.flags.replace(/[gy]/g, ''));
    return `${candidates.filter((line) => pattern.test(line)).length} ${label}`;
  });
  counts.push(`${rest.length} lines`);
  const hint = options.truncationHint ? ` ${options.truncationHint}` : '';
  return `\n\n> [!WARNING]\n> Output truncated after ${maxParts} part${maxParts === 1 ? '' : 's'}: ${counts.join(' / ')} not shown.${hint}`;
}

function joinedLength(lines: readonly string[]): number {
  let total = Math.max(0, lines.length - 1);
  for (const line of lines) total += line.length;
  return total;
}

/** A cut length at most `room` that does not separate a UTF-16 surrogate pair. */
function safeCut(line: string, room: number): number {
  if (room >= line.length) return line.length;
  if (room < 1) return room;
  const code = line.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}
