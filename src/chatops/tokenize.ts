/**
 * Splits one command line into words the way a shell user expects: whitespace separates, `"…"` and
 * `'…'` group (so an environment name with spaces can at least be named in an error), a backslash
 * escapes the next character outside single quotes.
 */
export type TokenizeResult = { ok: true; tokens: string[] } | { ok: false; reason: string };

export function tokenize(input: string): TokenizeResult {
  const tokens: string[] = [];
  let current = '';
  // A quoted empty string ("") is still a word, so track "a word has started" separately from its text.
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === '\\' && i + 1 < input.length) {
      const next = input[i + 1];
      // Inside double quotes only the characters that need it are escapes, as in POSIX shells.
      if (quote !== '"' || next === '"' || next === '\\') {
        current += next;
        inWord = true;
        i++;
        continue;
      }
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) tokens.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += ch;
    inWord = true;
  }
  if (quote) return { ok: false, reason: `unterminated ${quote === '"' ? 'double' : 'single'} quote` };
  if (inWord) tokens.push(current);
  return { ok: true, tokens };
}
