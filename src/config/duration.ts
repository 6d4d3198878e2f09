/** Go-style durations as Flux and Argo CD write them: "90s", "5m", "1h30m", "1.5h", "500ms". */
export const durationPattern = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

const unitSeconds: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds (rounded up, so a sub-second timeout never becomes 0), or undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!durationPattern.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(match[1]) * unitSeconds[match[2]];
  return Math.ceil(total);
}
