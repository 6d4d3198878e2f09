// Reading the commands a markdown page shows: its bash code blocks as argv arrays, the way a reader would
// type them (line continuations joined, comments dropped, `&&` split, quotes removed).

/** The shell commands of markdown text: its bash blocks and, optionally, extra inline commands. */
export function bashCommands(text: string, inline: string[] = []): string[][] {
  const blocks = [...text.matchAll(/```(?:bash|sh|shell)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return [...blocks, ...inline].flatMap((block) => block.replace(/\\\n\s*/g, ' ').split('\n'))
    .map((line) => line.replace(/\s{2,}#.*$/, '').replace(/^\s*#.*$/, '').trim())
    .filter(Boolean)
    .flatMap((line) => line.split(' && '))
    .map(shellWords);
}

/** A small shell word splitter: words end at unquoted spaces; quotes ('…', "…") are removed. */
export function shellWords(line: string): string[] {
  const out: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      word ??= '';
    } else if (/\s/.test(ch)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else {
      word = (word ?? '') + ch;
    }
  }
  if (word !== undefined) out.push(word);
  return out;
}

/** The long flags of an argv (`--name=value` → `--name`). */
export const longFlags = (argv: string[]): string[] => argv.filter((a) => a.startsWith('--')).map((a) => a.replace(/=.*$/, ''));
