import { formatCount } from '../render/object-limits.ts';

/**
 * Progress lines on stderr for work that takes more than a second: quiet for fast runs, informative for
 * slow ones. Messages before the first second are buffered as "latest" and shown once the delay passes.
 */
export interface Progress {
  (message: string): void;
  done(): void;
}

export function stderrProgress(opts: { delayMs?: number; stream?: NodeJS.WritableStream; enabled?: boolean } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const started = Date.now();
  const delay = opts.delayMs ?? 1000;
  let latest: string | undefined;
  let shown = false;
  const write = (msg: string): void => {
    // Messages carry names from the repository: control characters (an ANSI sequence rewriting a CI log's
    // lines, a line break faking another line) are shown as their Unicode pictures (ESC as ␛).
    // eslint-disable-next-line no-control-regex
    const text = msg.replace(/[\u0000-\u001f\u007f]/g, (c) => String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)));
    stream.write(`bosun: ${text} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
  };
  const timer = opts.enabled === false ? undefined : setTimeout(() => {
    shown = true;
    if (latest) write(latest);
  }, delay);
  timer?.unref?.();
  const progress = ((message: string) => {
    latest = message;
    if (shown && opts.enabled !== false) write(message);
  }) as Progress;
  progress.done = () => {
    if (timer) clearTimeout(timer);
  };
  return progress;
}

export const silentProgress: Progress = Object.assign(() => {}, { done: () => {} });

/** How often a long step says it is still at work, and how often counted progress is said at most. */
export const progressEveryMs = 5000;

/**
 * A step that cannot be counted from here (discovery reads what the repository's files point to): said
 * when it starts and, while it runs, again every `everyMs` with how long it has taken, so a slow step on a
 * large repository is never silent for long; quiet for a fast one.
 */
export async function longStep<T>(progress: Progress, message: string, work: () => Promise<T>, opts: { everyMs?: number; now?: () => number } = {}): Promise<T> {
  const now = opts.now ?? Date.now;
  const started = now();
  progress(message);
  const timer = setInterval(() => {
    try {
      progress(`${message}: still at it after ${Math.round((now() - started) / 1000)}s`);
    } catch {
      // A job's progress throws once the job is stopped; the step's own next call says so.
    }
  }, opts.everyMs ?? progressEveryMs);
  timer.unref?.();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * Progress through `total` items ("analysing 9,999 environments against 1 changed file: 4,000 done"):
 * said at the start, then as items finish at most once every `everyMs` — never once per item — and once
 * more when the last one is done.
 */
export function countedProgress(progress: Progress, label: string, total: number, opts: { everyMs?: number; now?: () => number } = {}): { tick(): void } {
  const now = opts.now ?? Date.now;
  const every = opts.everyMs ?? progressEveryMs;
  let done = 0;
  let said = now();
  progress(label);
  return {
    tick() {
      done++;
      const at = now();
      if (done < total && at - said < every) return;
      said = at;
      progress(`${label}: ${formatCount(done)} of ${formatCount(total)} done`);
    },
  };
}

