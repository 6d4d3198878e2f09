/**
 * A user-facing problem with a location. Errors are values: they carry the file, line and field where
 * there is one, and a message that says what to do next. `kind` decides the CLI exit code:
 * 'usage' and 'config' → 2, everything else → 1.
 */
export type ProblemKind = 'usage' | 'config' | 'yaml' | 'render' | 'validation' | 'path' | 'git' | 'cluster' | 'internal';

export interface Problem {
  kind: ProblemKind;
  message: string;
  file?: string;
  line?: number;
  /** Dotted/JSON path of the offending field, e.g. `environments[1].path`. */
  field?: string;
}

export class BosunError extends Error implements Problem {
  readonly kind: ProblemKind;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;

  constructor(problem: Problem, options?: { cause?: unknown }) {
    super(problem.message, options);
    this.name = 'BosunError';
    this.kind = problem.kind;
    this.file = problem.file;
    this.line = problem.line;
    this.field = problem.field;
  }

  toProblem(): Problem {
    return { kind: this.kind, message: this.message, file: this.file, line: this.line, field: this.field };
  }
}

/** `file:line: field: message`, omitting what is unknown. */
export function formatProblem(p: Problem): string {
  const where = p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : '';
  const field = p.field ? `${p.field}: ` : '';
  return `${where}${field}${p.message}`;
}

export function exitCodeFor(kind: ProblemKind): 1 | 2 {
  return kind === 'usage' || kind === 'config' ? 2 : 1;
}
