// Independent checks of markdown structure, used to judge what the splitter produces.

const fenceLine = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Fences are closed and <details> (outside fences) balanced within one part. */
export function structureProblems(part: string): string[] {
  const problems: string[] = [];
  let fence: string | undefined;
  let depth = 0;
  for (const line of part.split('\n')) {
    const m = fenceLine.exec(line);
    if (fence) {
      if (m && m[1][0] === fence[0] && m[1].length >= fence.length && m[2].trim() === '') fence = undefined;
      continue;
    }
    if (m) {
      fence = m[1];
      continue;
    }
    depth += (line.match(/<details\b/g) ?? []).length;
    depth -= (line.match(/<\/details>/g) ?? []).length;
    if (depth < 0) problems.push(`</details> without <details>: ${line}`);
  }
  if (fence) problems.push(`unclosed fence ${fence}`);
  if (depth > 0) problems.push(`${depth} unclosed <details>`);
  return problems;
}

/** Lines the splitter may add around a cut: markers, closings, reopenings, blank lines. */
export function isSplitAddition(line: string): boolean {
  return line === '' || /^Continued from part \d+\.$/.test(line) || /^(`{3,}|~{3,})\w*$/.test(line)
    || line === '</details>' || /^<details><summary>.* \(continued\)<\/summary>$/.test(line) || line.startsWith('|');
}

/**
 * Walks `original` through `parts` in order: every original line must appear, in order, and anything
 * else must be a split addition. Returns how many original lines were found.
 */
export function matchOriginal(original: readonly string[], parts: readonly string[]): { matched: number; strays: string[] } {
  let i = 0;
  const strays: string[] = [];
  for (const line of parts.join('\n').split('\n')) {
    if (i < original.length && line === original[i]) i++;
    else if (!isSplitAddition(line)) strays.push(line);
  }
  return { matched: i, strays };
}
