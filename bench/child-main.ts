/**
 * Runs a benchmark child's `main` the way bench/run.ts expects: its result as one JSON line on stdout and
 * exit 0, or the failure's stack on stderr and exit 1 (the process exits either way, whatever it left open).
 */
export function runBenchChild(main: () => Promise<unknown>): void {
  main().then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
