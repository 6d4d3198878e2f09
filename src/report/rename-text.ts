import type { Change } from '../model/change.ts';
import { codeSpan, escapeHtml } from './format.ts';

/** Changed fields named in a rename's line before the rest is counted. */
const maxFieldsNamed = 8;

/**
 * How a report says what a kustomize hash-suffix rename is (src/diff/hash-renames.ts): one change of the
 * generated object, and objects that only follow its new name. Markdown, for the facts line of a change.
 */
export function renameFacts(change: Change): string[] {
  const facts: string[] = [];
  if (change.rename) {
    const { from, changed } = change.rename;
    const named = changed.slice(0, maxFieldsNamed).map((f) => codeSpan(f)).join(', ');
    const more = changed.length > maxFieldsNamed ? ` and ${changed.length - maxFieldsNamed} more` : '';
    facts.push(`renamed from ${codeSpan(from)} by kustomize's hash suffix (applied, the new ${escapeHtml(change.kind)} is created and the old one pruned); `
      + (changed.length > 0 ? `content changed: ${named}${more}` : 'content unchanged'));
  }
  const refs = change.renamedReferences ?? [];
  if (refs.length > 0) {
    const names = [...new Set(refs.map((r) => r.name))].map((n) => codeSpan(n)).join(', ');
    const plural = refs.length > 1 ? 'references' : 'reference';
    facts.push(change.referenceOnly
      ? `only the ${plural} to ${names} changed (hash suffix)`
      : `also follows the new hash suffix of ${names}`);
  }
  return facts;
}

/** A few words after the object in a change's collapsed summary, so the noise is visible folded too. */
export function renameSummaryNote(change: Change): string {
  if (change.rename) return ' · hash-suffix rename';
  if (change.referenceOnly) return ' · reference only';
  return '';
}
