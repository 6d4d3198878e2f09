import type { Change, RiskClass } from '../model/change.ts';
import type { EnvironmentPlan } from '../model/plan.ts';
import { longestMatch } from '../util/push-all.ts';

export const riskBadges: Record<RiskClass, string> = {
  'deletion-critical': '🔴',
  deletion: '🟠',
  rbac: '🟣',
  image: '🟡',
  replicas: '🔵',
  other: '⚪',
};

export const actionSymbols: Record<Change['action'], string> = { create: '+', update: '~', delete: '−' };

export function riskLabel(risk: RiskClass): string {
  return `${riskBadges[risk]} ${risk}`;
}

/** `+1 ~2 −0` */
export function changeCounts(changes: readonly Change[]): string {
  const count = (action: Change['action']): number => changes.filter((c) => c.action === action).length;
  return `+${count('create')} ~${count('update')} −${count('delete')}`;
}

/** `✅ valid`, `⚠️ 2 warnings`, `❌ 3 errors, 1 warning`. */
export function validationState(plan: EnvironmentPlan): string {
  const errors = plan.validation.errors.length;
  const warnings = plan.validation.warnings.length;
  if (errors > 0) return `❌ ${plural(errors, 'error')}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}`;
  if (warnings > 0) return `⚠️ ${plural(warnings, 'warning')}`;
  return '✅ valid';
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Full 40-hex commit ids shortened the way GitHub shows them; anything else as given. */
export function shortSha(ref: string): string {
  return /^[0-9a-f]{40}$/i.test(ref) ? ref.slice(0, 7) : ref;
}

/**
 * Text that is safe inside HTML (a `<summary>`) and inside markdown inline content: one line, no tag, no
 * link or image, no mention. Names in a report come from the pull request (an Argo CD Application named
 * `web @acme/admins ![x](https://…)` became a table row and a heading that pinged the team and made every
 * reader's browser fetch the image through GitHub's proxy). Characters that would form a link are
 * written as entities, which GitHub shows as the characters but CommonMark never reads as syntax; an
 * `@` that would start a mention (GitHub finds them after a non-word character, outside code) gets a
 * zero-width space after it, as Renovate writes the mentions of the release notes it quotes (`[@&#8203;user]`).
 */
export function escapeHtml(text: string): string {
  return visible(oneLine(text)).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/\]([([:])/g, (_, c: string) => `]&#${c.charCodeAt(0)};`)
    .replace(/(^|[^\w`])@(?=[A-Za-z0-9])/g, '$1@&#8203;');
}

/** Text safe inside one GFM table cell: one line (escapeHtml), pipes escaped, no raw HTML. */
export function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|');
}

/** One line: a name holding line breaks would end the heading, cell or code span and start its own `# Approved`. */
function oneLine(text: string): string {
  return text.replace(/[ \t]*(?:\r\n?|\n)[ \t]*/g, ' ');
}

/**
 * Control characters shown as their Unicode pictures (ESC as ␛): a name carrying ANSI sequences would
 * otherwise move the cursor or recolour lines where `bosun plan`'s markdown is printed (a CI log, a
 * terminal), and is invisible on GitHub.
 */
function visible(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
}

/** Text for a fence (tool output, a diff): its lines kept, other control characters shown as their pictures (see visible). */
export function fencedText(text: string): string {
  return text.split('\n').map((line) => visible(line.replace(/\r$/, ''))).join('\n');
}

/** An inline code span that survives backticks in the text (one line, control characters visible: see oneLine, visible). */
export function codeSpan(raw: string): string {
  const text = visible(oneLine(raw));
  const longest = longestMatch(text, /`+/g);
  const ticks = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${text}${pad}${ticks}`;
}

/** A fence longer than any backtick run in the content, so no content line can close it early. */
export function fenceFor(content: string): string {
  const longest = longestMatch(content, /`{3,}/g);
  return '`'.repeat(Math.max(3, longest + 1));
}

/** An inline code span inside a GFM table cell (pipes must be escaped even inside code). */
export function cellCode(text: string): string {
  return codeSpan(text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|'));
}
