// GitHub renders Markdown; a terminal does not. This turns a comment or check-run body into plain
// lines a person can read there: HTML tags dropped (a collapsed <details> shows its summary), tables
// kept as text, long bodies cut with a count of what was left out.

const entities: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&nbsp;': ' ' };

export function markdownToText(markdown: string): string[] {
  const lines: string[] = [];
  for (const raw of markdown.replace(/\r\n/g, '\n').split('\n')) {
    // Hidden markers (<!-- bosun:plan -->) are for bosun, not for people.
    let line = raw.replace(/<!--[\s\S]*?-->/g, '');
    line = line.replace(/<summary>/g, '▸ ').replace(/<br\s*\/?>/g, ' ').replace(/<[^>]+>/g, '');
    line = line.replace(/&[a-z#0-9]+;/g, (e) => entities[e] ?? e);
    line = line.replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1');
    if (/^\s*\|(\s*:?-+:?\s*\|)+\s*$/.test(line)) continue;
    if (line.trim() === '' && (lines.length === 0 || lines.at(-1) === '')) continue;
    lines.push(line.trimEnd());
  }
  while (lines.at(-1) === '') lines.pop();
  return lines;
}

/** At most `max` lines of the body, then one line saying how many were not shown. */
export function shorten(lines: readonly string[], max: number): string {
  if (lines.length <= max) return lines.join('\n');
  return [...lines.slice(0, max), `… (${lines.length - max} more lines on GitHub)`].join('\n');
}

/**
 * The changes of a plan report, the way a reader skims them: one line per changed object (risk class,
 * action, kind, namespace/name — the collapsed <details> summary) and the changed lines of its diff.
 */
export function changeLines(markdown: string, maxDiffLines = 6): string[] {
  const out: string[] = [];
  let inDiff = false;
  let shown = 0;
  let hidden = 0;
  const flush = (): void => {
    if (hidden > 0) out.push(`      … ${hidden} more changed line(s)`);
    hidden = 0;
  };
  // Section headings (`### staging`, `### Apply preview: …`) are shown only above changes they hold.
  let heading: string | undefined;
  for (const line of markdown.replace(/\r\n/g, '\n').split('\n')) {
    if (/^###\s/.test(line)) {
      heading = markdownToText(line.replace(/^###\s+/, '')).join(' ');
      continue;
    }
    const summary = /^<details><summary>(.*)<\/summary>/.exec(line);
    if (summary) {
      flush();
      if (heading !== undefined) out.push(`${heading}:`);
      heading = undefined;
      out.push(`  ${markdownToText(summary[1]).join(' ')}`);
      shown = 0;
      continue;
    }
    if (line.startsWith('```diff')) {
      inDiff = true;
      continue;
    }
    if (inDiff && line.startsWith('```')) {
      inDiff = false;
      continue;
    }
    if (!inDiff || line.startsWith('+++') || line.startsWith('---') || !/^[+-]/.test(line)) continue;
    if (shown < maxDiffLines) {
      out.push(`      ${line[0]} ${line.slice(1).trim()}`);
      shown++;
    } else {
      hidden++;
    }
  }
  flush();
  return out;
}
