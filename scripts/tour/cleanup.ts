// What the tour started, undone in reverse order, each piece on its own: one that fails is reported
// and the rest still run, so a broken step never leaves a cluster, a process or Redis keys behind.

export interface Cleanup {
  /** Registers an undo step; they run last-registered first. */
  add(what: string, undo: () => Promise<void> | void): void;
  /** Runs every undo step once; returns the ones that failed, with why. */
  run(log: (line: string) => void): Promise<string[]>;
}

export function createCleanup(): Cleanup {
  const steps: Array<{ what: string; undo: () => Promise<void> | void }> = [];
  let running: Promise<string[]> | undefined;
  return {
    add(what, undo) {
      steps.push({ what, undo });
    },
    run(log) {
      running ??= (async () => {
        const failed: string[] = [];
        while (steps.length > 0) {
          const { what, undo } = steps.pop()!;
          try {
            await undo();
            log(`   cleaned up: ${what}`);
          } catch (err) {
            const why = err instanceof Error ? err.message : String(err);
            failed.push(`${what}: ${why}`);
            log(`   could not clean up ${what}: ${why}`);
          }
        }
        return failed;
      })();
      return running;
    },
  };
}
