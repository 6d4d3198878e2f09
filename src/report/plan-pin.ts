/**
 * "Does the merge commit apply what was reviewed?" for the apply check run: the render of the PR head
 * that was last planned vs the render of the merge commit, with the change diff of what differs (main
 * moved while the PR was open). Pure: the caller renders both commits.
 */
import type { Change } from '../model/change.ts';
import { actionSymbols, fenceFor } from './format.ts';
import { objectLabel } from '../model/object.ts';

export type PlanPin =
  | { kind: 'matches'; pr: number; plannedSha: string }
  | { kind: 'differs'; pr: number; plannedSha: string; changes: Change[] }
  /** The planned head could not be rendered again (branch gone, render broke): nothing to compare. */
  | { kind: 'unknown'; pr: number; plannedSha: string; reason: string };

const short = (sha: string): string => sha.slice(0, 7);

/** One paragraph for the check run's summary. */
export function planPinSummary(pin: PlanPin, mergeSha: string): string {
  switch (pin.kind) {
    case 'matches':
      return `**Reviewed plan:** the merge commit renders exactly what #${pin.pr}'s last plan showed (head \`${short(pin.plannedSha)}\`).`;
    case 'unknown':
      return `**Reviewed plan:** not compared — #${pin.pr}'s last planned head \`${short(pin.plannedSha)}\` could not be rendered again: ${pin.reason}`;
    case 'differs':
      return `**⚠️ Differs from the reviewed plan:** the merge commit \`${short(mergeSha)}\` renders ${pin.changes.length} change(s) that #${pin.pr}'s last plan (head \`${short(pin.plannedSha)}\`) did not show: the default branch moved while the pull request was open. See "Planned vs merge commit" below.`;
  }
}

/** The difference itself, for the check run's text ('' unless it differs). */
export function planPinText(pin: PlanPin, mergeSha: string): string {
  if (pin.kind !== 'differs') return '';
  const out = [`## Planned (\`${short(pin.plannedSha)}\`) vs merge commit (\`${short(mergeSha)}\`)`, ''];
  for (const c of pin.changes) {
    const id = `${objectLabel(c)}`;
    out.push(`<details><summary><code>${actionSymbols[c.action]} ${escapeHtml(id)}</code>${c.file ? ` from <code>${escapeHtml(c.file)}</code>` : ''}</summary>`, '');
    const fence = fenceFor(c.diff);
    out.push(`${fence}diff`, c.diff.trimEnd(), fence, '', '</details>');
  }
  return `${out.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
