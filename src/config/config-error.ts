import { BosunError, formatProblem, type Problem } from '../model/errors.ts';

/**
 * Every problem found in one config file, so a user fixes them in one go instead of one run per typo.
 * The error itself carries the first problem's location; `problems` has all of them, sorted by line.
 */
export class ConfigError extends BosunError {
  readonly problems: Problem[];

  constructor(problems: Problem[]) {
    const sorted = [...problems].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const [first, ...rest] = sorted;
    const more = rest.length === 0
      ? ''
      : `\n…and ${rest.length} more problem${rest.length === 1 ? '' : 's'}:\n${rest.map((p) => `  ${formatProblem(p)}`).join('\n')}`;
    super({ ...first, message: `${first.message}${more}` });
    this.name = 'ConfigError';
    this.problems = sorted;
  }
}
