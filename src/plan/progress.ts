import { formatCount } from '../render/object-limits.ts';
import type { DiscoveryCounts, DiscoveryProgress } from '../discover/discovery-progress.ts';

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
 * large repository is never silent for long; quiet for a fast one. `work` gets a progress of its own: a
 * step that says how far it got through it is not also said to be "still at it" in the same interval.
 */
export async function longStep<T>(progress: Progress, message: string, work: (progress: Progress) => Promise<T>, opts: { everyMs?: number; now?: () => number } = {}): Promise<T> {
  const now = opts.now ?? Date.now;
  const every = opts.everyMs ?? progressEveryMs;
  const started = now();
  let said = started;
  progress(message);
  const within = Object.assign((m: string) => {
    said = now();
    progress(m);
  }, { done: () => progress.done() });
  const timer = setInterval(() => {
    if (now() - said < every) return;
    said = now();
    try {
      progress(`${message}: still at it after ${Math.round((said - started) / 1000)}s`);
    } catch {
      // A job's progress throws once the job is stopped; the step's own next call says so.
    }
  }, every);
  timer.unref?.();
  try {
    return await work(within);
  } finally {
    clearInterval(timer);
  }
}

/** A pause of one turn of the event loop and a little more: timers that are due and I/O waiting run. */
export const pauseForIo = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * The progress hook of one side's discovery (discover/discovery-progress.ts), which calls it after every
 * folder, file, object and environment: says where discovery is (a line on stderr, the App's `bosun` check
 * run) the first time `firstAfterMs` after it started and then at most once every `everyMs` — nothing for
 * a discovery faster than `firstAfterMs` — and each time asks discovery to pause (`pause`, default a turn
 * of the event loop) so that what was said can leave the process during a long synchronous walk.
 */
export function discoveryProgress(progress: Progress, side: 'base' | 'head', opts: { firstAfterMs?: number; everyMs?: number; now?: () => number; pause?: () => Promise<void> } = {}): DiscoveryProgress {
  const now = opts.now ?? Date.now;
  const first = opts.firstAfterMs ?? 2000;
  const every = opts.everyMs ?? progressEveryMs;
  const pause = opts.pause ?? pauseForIo;
  const started = now();
  let said: number | undefined;
  return (counts) => {
    const at = now();
    if (said === undefined ? at - started < first : at - said < every) return undefined;
    said = at;
    progress(discoveryLine(side, counts));
    return pause();
  };
}

/** "discovering environments at base: 100,002 of 100,002 YAML files read, 10,000 Flux, Argo CD and Fleet objects, 10,000 environments so far, 4,000 checked for what they apply". */
export function discoveryLine(side: 'base' | 'head', c: Readonly<DiscoveryCounts>): string {
  const parts = c.yamlFiles === undefined
    ? [`${formatCount(c.folders)} folders listed`]
    : [`${formatCount(c.files)} of ${formatCount(c.yamlFiles)} YAML files read`, `${formatCount(c.objects)} Flux, Argo CD and Fleet objects`];
  if (c.yamlFiles !== undefined) parts.push(`${formatCount(c.environments)} environment${c.environments === 1 ? '' : 's'} so far`);
  if (c.walked > 0) parts.push(`${formatCount(c.walked)} checked for what they apply`);
  return `discovering environments at ${side}: ${parts.join(', ')}`;
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

