/**
 * A user-facing problem with a location. Errors are values: they carry the file, line and field where
 * there is one, and a message that says what to do next. `kind` decides the CLI exit code (exitCodeFor).
 * 'no-environments': the repository defines nothing bosun can judge (nothing found, not an error of
 * its content).
 */
export type ProblemKind = 'usage' | 'config' | 'yaml' | 'render' | 'validation' | 'path' | 'git' | 'cluster' | 'internal' | 'no-environments';

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

/**
 * The CLI's exit-code contract, the same for every command:
 * 0 done, nothing wrong; 1 the content is wrong (render, validation, apply or health failed);
 * 2 usage or configuration (flags, the repository folder, git refs, environment and cluster names,
 * `.bosun.yaml`, the cluster registry); 3 nothing to judge (no environment found).
 * A 'git' problem in the CLI is always about the folder or refs it was given (not a repository, an
 * unknown ref), so it is a usage problem; an 'internal' one is a bug, reported as a failure (1).
 */
export const exitCodes = { ok: 0, failed: 1, usage: 2, nothing: 3 } as const;

export function exitCodeFor(kind: ProblemKind): 1 | 2 | 3 {
  if (kind === 'no-environments') return exitCodes.nothing;
  return kind === 'usage' || kind === 'config' || kind === 'git' ? exitCodes.usage : exitCodes.failed;
}
