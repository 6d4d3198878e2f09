// `npm run demo -- --full [--keep]`: runs the tour in this terminal. Ctrl-C stops it and cleans up
// (with --keep, Ctrl-C is how the tour ends after the last step, leaving time to open the dashboard).
// A second Ctrl-C quits at once, without finishing the cleanup.
import { runTour } from './run-tour.ts';

export async function tourCli(args: readonly string[]): Promise<number> {
  const keep = args.includes('--keep');
  const stop = new AbortController();
  let firstInterrupt: number | undefined;
  let wakeKeep: (() => void) | undefined;
  const onSigint = (): void => {
    // One Ctrl-C can arrive more than once: from the terminal to the whole process group, and relayed
    // by npm and tsx. Only a second press a moment later means "quit now".
    const now = Date.now();
    if (firstInterrupt !== undefined && now - firstInterrupt < 1_500) return;
    if (wakeKeep) {
      firstInterrupt = now;
      wakeKeep();
      wakeKeep = undefined;
      return;
    }
    if (firstInterrupt === undefined) {
      firstInterrupt = now;
      process.stdout.write('\nStopping: cleaning up what the tour started (Ctrl-C again to quit without cleaning up)\n');
      stop.abort();
      return;
    }
    process.stdout.write('\nQuitting without finishing the cleanup.\n');
    process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    const result = await runTour({
      out: (line) => process.stdout.write(`${line}\n`),
      signal: stop.signal,
      ...(keep ? {
        beforeCleanup: async () => {
          process.stdout.write('\n--keep: everything keeps running. Press Ctrl-C to clean up and exit.\n');
          await new Promise<void>((resolve) => (wakeKeep = resolve));
        },
      } : {}),
    });
    if (stop.signal.aborted && !result.ok) return 130;
    return result.ok && result.cleanupFailures.length === 0 ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}
