/**
 * `target.push(...items)` without the spread: spreading passes every item as an argument, and an array
 * of some hundred thousand items (a report of a large render) overflows the call stack. Returns `target`.
 */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The length of the longest match of `pattern` (global) in `text`, or `floor` — without spreading matches into Math.max. */
export function longestMatch(text: string, pattern: RegExp, floor = 0): number {
  let longest = floor;
  for (const match of text.matchAll(pattern)) if (match[0].length > longest) longest = match[0].length;
  return longest;
}
