import { longestMatch } from '../util/push-all.ts';
import type { PreviewObject, PreviewResult } from '../model/preview.ts';
import { objectLabel } from '../model/object.ts';

const symbols: Record<PreviewObject['action'], string> = {
  create: '+', update: '~', unchanged: '=', conflict: '⚠️', rejected: '❌', prune: '−',
};

/**
 * Markdown for one environment's apply preview: a counts line, problems (conflicts and rejections, with
 * the server's reason) first, then each change with its diff folded in `<details>`. Unchanged objects
 * are only counted. Secret values never reach this point: diffs are masked upstream.
 */
export function renderPreviewMarkdown(result: PreviewResult): string {
  const out: string[] = [];
  const c = result.counts;
  out.push(`### Apply preview: ${escape(result.environment)} → cluster \`${result.cluster}\``);
  out.push('');
  out.push(`${result.ok ? '✅' : '❌'} **+${c.create} ~${c.update} −${c.prune}**, ${c.unchanged} unchanged${c.conflict ? `, ${c.conflict} conflict${c.conflict === 1 ? '' : 's'}` : ''}${c.rejected ? `, ${c.rejected} rejected` : ''}`);
  for (const note of result.notes) out.push('', `> ${escape(note)}`);

  const problems = result.objects.filter((o) => o.action === 'conflict' || o.action === 'rejected');
  const hookProblems = (result.hooks ?? []).filter((h) => h.problem);
  if (problems.length > 0 || hookProblems.length > 0) {
    out.push('', '#### Problems', '');
    for (const p of problems) {
      out.push(`- ${symbols[p.action]} **${p.action}** \`${objectLabel(p)}\`${where(p)}: ${escape(p.message ?? '')}`);
      for (const conflict of p.conflicts ?? []) out.push(`  - \`${conflict.field}\` is owned by \`${conflict.manager}\``);
    }
    for (const h of hookProblems) out.push(`- ❌ **hook rejected** \`${objectLabel(h)}\`${where(h)}: ${escape(h.problem ?? '')}`);
  }
  if (result.hooks && result.hooks.length > 0) {
    const byPhase = new Map<string, string[]>();
    for (const h of result.hooks) byPhase.set(h.phase, [...(byPhase.get(h.phase) ?? []), `\`${objectLabel(h)}\``]);
    out.push('', `Hooks the sync runs (created at each sync, not compared): ${[...byPhase].map(([phase, names]) => `${phase} ${names.join(', ')}`).join('; ')}`);
  }

  const changes = [...result.objects.filter((o) => o.action === 'create' || o.action === 'update'), ...result.prunes];
  if (changes.length > 0) {
    out.push('', '#### Changes', '');
    for (const ch of changes) {
      const secret = ch.secretKeys && (ch.secretKeys.added.length + ch.secretKeys.removed.length + ch.secretKeys.changed.length > 0)
        ? ` — Secret keys: ${[...ch.secretKeys.added.map((k) => `+${k}`), ...ch.secretKeys.removed.map((k) => `−${k}`), ...ch.secretKeys.changed.map((k) => `~${k}`)].join(', ')}`
        : '';
      const note = `${ch.message ? ` — ${escape(ch.message)}` : ''}${ch.ignoredFields ? ' — ignoreDifferences fields left out' : ''}`;
      out.push(`<details><summary><code>${symbols[ch.action]} ${html(objectLabel(ch))}</code>${ch.risk && ch.risk !== 'other' ? ` (${ch.risk})` : ''}${html(secret)}${html(note)}</summary>`);
      out.push('');
      if (ch.diff) out.push(fenced(ch.diff.trimEnd(), 'diff'));
      out.push('', '</details>');
    }
  }
  return `${out.join('\n')}\n`;
}


function where(o: Pick<PreviewObject, 'source'>): string {
  return o.source ? ` (\`${o.source.file}${o.source.line ? `:${o.source.line}` : ''}\`)` : '';
}

/** A fence longer than any backtick run inside, so content can never close it early. */
function fenced(text: string, lang: string): string {
  const longest = longestMatch(text, /`+/g, 2);
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function escape(text: string): string {
  return text.replace(/[<>]/g, (ch) => (ch === '<' ? '&lt;' : '&gt;'));
}

function html(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
