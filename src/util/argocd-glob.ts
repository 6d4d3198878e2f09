/**
 * The two glob dialects Argo CD uses on repository paths, as regular expressions.
 *
 * - `gobwasGlob`: github.com/gobwas/glob compiled without separators, which Argo CD's util/glob.Match
 *   uses for an Application's `directory.include` / `directory.exclude` (reposerver findManifests matches
 *   them against the file's path relative to the source folder). With no separators `*` and `**` both
 *   match any run of characters, `/` included; `?` one character; `[abc]`, `[a-z]`, `[!abc]` classes;
 *   `{a,b}` alternatives (nested patterns allowed); `\` escapes the next character. A pattern that does
 *   not compile (an unclosed `[` or `{`) matches nothing, as Match returns false on a compile error.
 * - `goPathMatch`: Go's path.Match, which the ApplicationSet git directory generator applies to every
 *   folder of the repository: `*` does not cross `/`, `?` one non-`/` character, `[...]` classes
 *   (`^` or `!` negates), `\` escapes. A malformed pattern matches nothing (path.Match returns an error).
 */
import { repoRegExp } from './repo-regexp.ts';

function escapeRegExp(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** A `[...]` class starting at `i` (the `[`), as a regular expression class; undefined when unclosed. */
function charClass(pattern: string, i: number, negators: string, excludeSlash: boolean): { source: string; end: number } | undefined {
  let j = i + 1;
  let negate = false;
  if (j < pattern.length && negators.includes(pattern[j])) {
    negate = true;
    j++;
  }
  let body = '';
  let first = true;
  while (j < pattern.length && (pattern[j] !== ']' || first)) {
    let ch = pattern[j];
    if (ch === '\\' && j + 1 < pattern.length) {
      j++;
      ch = pattern[j];
    }
    if (pattern[j + 1] === '-' && j + 2 < pattern.length && pattern[j + 2] !== ']') {
      let hi = pattern[j + 2];
      let skip = 3;
      if (hi === '\\' && j + 3 < pattern.length) {
        hi = pattern[j + 3];
        skip = 4;
      }
      if (hi < ch) return undefined; // Go: a reversed range is a bad pattern
      body += `${escapeClass(ch)}-${escapeClass(hi)}`;
      j += skip;
    } else {
      body += escapeClass(ch);
      j++;
    }
    first = false;
  }
  if (j >= pattern.length || body === '') return undefined;
  const slash = excludeSlash && negate ? '/' : '';
  return { source: negate ? `[^${body}${slash}]` : `[${body}]`, end: j };
}

function escapeClass(ch: string): string {
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch;
}

function gobwasSource(pattern: string, start: number, stopAt: string, separators = ''): { source: string; end: number } | undefined {
  const notSeparator = separators ? `[^${[...separators].map(escapeClass).join('')}]` : '[\\s\\S]';
  let out = '';
  let i = start;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (stopAt.includes(ch)) return { source: out, end: i };
    if (ch === '\\') {
      if (i + 1 >= pattern.length) return undefined;
      out += escapeRegExp(pattern[i + 1]);
      i += 2;
    } else if (ch === '*') {
      // `**` crosses separators; `*` does not (gobwas super-asterisk / asterisk).
      const run = pattern.slice(i).match(/^\*+/)![0].length;
      i += run;
      out += `${run > 1 ? '[\\s\\S]' : notSeparator}*`;
    } else if (ch === '?') {
      out += notSeparator;
      i++;
    } else if (ch === '[') {
      const cls = charClass(pattern, i, '!', false);
      if (!cls) return undefined;
      out += cls.source;
      i = cls.end + 1;
    } else if (ch === '{') {
      const alternatives: string[] = [];
      let j = i + 1;
      for (;;) {
        const alt = gobwasSource(pattern, j, ',}', separators);
        if (!alt || alt.end >= pattern.length) return undefined;
        alternatives.push(alt.source);
        j = alt.end + 1;
        if (pattern[alt.end] === '}') break;
      }
      out += `(?:${alternatives.join('|')})`;
      i = j;
    } else {
      out += escapeRegExp(ch);
      i++;
    }
  }
  return { source: out, end: i };
}

const never = /(?!)/;

/**
 * gobwas/glob (Argo CD util/glob.Match): without separators for `directory.include` / `exclude` and an
 * AppProject's destinations; with `/` for its `sourceRepos`, where `*` and `?` stop at a `/` and `**` does not.
 */
export function gobwasGlob(pattern: string, separators = ''): RegExp {
  const compiled = gobwasSource(pattern, 0, '', separators);
  return compiled && compiled.end === pattern.length ? repoRegExp(`^${compiled.source}$`) : never;
}

/** Go's path.Match (ApplicationSet git directories and files generators' `path`). */
export function goPathMatch(pattern: string): RegExp {
  return wildcardGlob(pattern, { star: '[^/]*', one: '[^/]', negations: '^!', classStopsAtSlash: true });
}

/**
 * git's pathspec glob as `git ls-files -- <pattern>` applies it, which the ApplicationSet git files
 * generator uses (repo-server GetGitFiles without the new globbing option): `*` and `?` also match `/`,
 * `**` is the same as `*`; classes as in fnmatch.
 */
export function gitPathspecGlob(pattern: string): RegExp {
  return wildcardGlob(pattern, { star: '[\\s\\S]*', one: '[\\s\\S]', negations: '!^', classStopsAtSlash: false });
}

/** The shared translation of `\` escapes, `*` runs, `?` and `[…]` classes; the dialects differ in what a wildcard spans. */
function wildcardGlob(pattern: string, dialect: { star: string; one: string; negations: string; classStopsAtSlash: boolean }): RegExp {
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (i + 1 >= pattern.length) return never;
      out += escapeRegExp(pattern[i + 1]);
      i += 2;
    } else if (ch === '*') {
      while (pattern[i] === '*') i++;
      out += dialect.star;
    } else if (ch === '?') {
      out += dialect.one;
      i++;
    } else if (ch === '[') {
      const cls = charClass(pattern, i, dialect.negations, dialect.classStopsAtSlash);
      if (!cls) return never;
      out += cls.source;
      i = cls.end + 1;
    } else {
      out += escapeRegExp(ch);
      i++;
    }
  }
  return repoRegExp(`^${out}$`);
}
