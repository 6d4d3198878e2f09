// What the tour prints: numbered steps with the time each took, and indented blocks of what a person
// would see on GitHub or in the cluster. Every line is also kept, so a test can read the transcript.

export interface Transcript {
  /** Starts a step: prints its title and closes the previous one with its elapsed time. */
  step(title: string): void;
  /** A line of narration (what happens, or what a person does next). */
  say(text: string): void;
  /** A block shown as-is, indented (a comment body, a check run, kubectl output). */
  show(text: string, indent?: string): void;
  /** Closes the current step (prints how long it took). */
  end(): void;
  readonly lines: readonly string[];
  text(): string;
}

export function createTranscript(out: (line: string) => void = () => undefined, now: () => number = Date.now): Transcript {
  const lines: string[] = [];
  const started = now();
  let stepStarted: number | undefined;
  let stepCount = 0;
  const emit = (line: string): void => {
    lines.push(line);
    out(line);
  };
  const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  const end = (): void => {
    if (stepStarted === undefined) return;
    emit(`   (step took ${seconds(now() - stepStarted)}; ${seconds(now() - started)} since the start)`);
    stepStarted = undefined;
  };
  return {
    step(title) {
      end();
      stepCount++;
      emit('');
      emit(`== ${stepCount}. ${title}`);
      stepStarted = now();
    },
    say(text) {
      for (const line of text.split('\n')) emit(`   ${line}`);
    },
    show(text, indent = '     │ ') {
      for (const line of text.replace(/\n+$/, '').split('\n')) emit(`${indent}${line}`);
    },
    end,
    lines,
    text: () => lines.join('\n'),
  };
}
