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
