import { setFlagsFromString } from 'node:v8';

/**
 * Regular expressions built from repository content (ApplicationSet template `regex*` functions, the
 * globs of Argo CD, Flux and Fleet, `.sourceignore` lines) run in bosun's own process, on names and text
 * the same pull request chose. JavaScript's backtracking engine takes exponential time on patterns like
 * `^(a+)+$` and polynomial time on globs like `*a*a*a*a*a*a*a*b` — one such pattern blocks the worker's
 * event loop for minutes or forever (every other job on that worker with it). The controllers bosun
 * models use Go's regexp (RE2: linear time, no backreferences or lookaround), so nothing they accept
 * needs backtracking.
 *
 * V8 has a linear-time engine for the patterns it can run (the RE2 subset): with
 * `--enable-experimental-regexp-engine-on-excessive-backtracks` a match that backtracks more than
 * `--regexp-backtracks-before-fallback` times (50,000) is redone by it (v8.dev/blog/non-backtracking-regexp).
 * It is one process-wide switch, set when this module loads, so it also covers fixed patterns run on
 * untrusted text; `--enable-experimental-regexp-engine` lets `linearOnly` ask whether a pattern is in the
 * RE2 subset (the `l` flag refuses backreferences and lookaround).
 */
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
setFlagsFromString('--enable-experimental-regexp-engine');

/** A regular expression from repository content (this module's flags hold for it). */
export function repoRegExp(source: string, flags?: string): RegExp {
  return new RegExp(source, flags);
}

/**
 * A pattern as Go's regexp (RE2) would accept it: one the linear engine cannot run (a backreference, a
 * lookaround) is refused with Go's words; the rest compile normally and fall back to the linear engine
 * when they backtrack too much.
 */
export function linearOnly(source: string, flags = ''): RegExp {
  try {
    new RegExp(source, `${flags}l`);
  } catch (e) {
    if (/linear time/.test((e as Error).message)) throw new SyntaxError(`error parsing regexp: invalid or unsupported Perl syntax in ${JSON.stringify(source)}`, { cause: e });
    // The `l` flag is unknown where the engine is missing: backtracking with the fallback still holds.
    if (!/Invalid flags/.test((e as Error).message)) throw e;
  }
  return new RegExp(source, flags);
}
