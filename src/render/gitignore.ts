/**
 * The gitignore rules Flux's source-controller applies when it archives a GitRepository (fluxcd/pkg
 * sourceignore, whose matcher is go-git's gitignore package): each pattern is scoped to a folder (its
 * domain: the folder of the `.sourceignore` file, or the root for `.spec.ignore`), the last pattern that
 * matches a path decides (a `!pattern` includes it again), a pattern without a `/` matches any one path
 * element, one with a `/` matches element by element with `**` for any number of folders, and a
 * trailing `/` matches folders only (so every file below them). Re-implemented here from that package's
 * documented behaviour; segment globs are Go's `filepath.Match`.
 */
import { repoRegExp } from '../util/repo-regexp.ts';

/** source-controller's defaults (sourceignore.go): Git's files always, the rest only when no rules are given. */
const vcsPatterns = ['.git/', '.gitignore', '.gitmodules', '.gitattributes'];
const defaultPatterns = [
  '*.jpg', '*.jpeg', '*.gif', '*.png', '*.wmv', '*.flv', '*.tar.gz', '*.zip',
  '.github/', '.circleci/', '.travis.yml', '.gitlab-ci.yml', 'appveyor.yml', '.drone.yml', 'cloudbuild.yaml', 'codeship-services.yml', 'codeship-steps.yml',
  '**/.goreleaser.yml', '**/.sops.yaml', '**/.flux.yaml',
];

export interface IgnorePattern {
  domain: string[];
  pattern: string[];
  inclusion: boolean;
  dirOnly: boolean;
  isGlob: boolean;
}

export function parseIgnorePattern(text: string, domain: string[]): IgnorePattern {
  let p = text;
  let inclusion = false;
  if (p.startsWith('!')) {
    inclusion = true;
    p = p.slice(1);
  }
  if (!p.endsWith('\\ ')) p = p.replace(/ +$/, '');
  let dirOnly = false;
  if (p.endsWith('/')) {
    dirOnly = true;
    p = p.slice(0, -1);
  }
  return { domain: [...domain], pattern: p.split('/'), inclusion, dirOnly, isGlob: p.includes('/') };
}

/** The patterns of a `.sourceignore` text or `.spec.ignore`: one a line, `#` comments and blank lines skipped. */
export function readIgnorePatterns(text: string, domain: string[]): IgnorePattern[] {
  return text.split(/\r?\n/).filter((line) => !line.startsWith('#') && line.trim() !== '').map((line) => parseIgnorePattern(line, domain));
}

type MatchResult = 'none' | 'exclude' | 'include';

function matchPattern(p: IgnorePattern, path: readonly string[], isDir: boolean): MatchResult {
  if (path.length <= p.domain.length) return 'none';
  for (let i = 0; i < p.domain.length; i++) if (path[i] !== p.domain[i]) return 'none';
  const rest = path.slice(p.domain.length);
  const matched = p.isGlob ? globMatch(p, rest, isDir) : simpleNameMatch(p, rest, isDir);
  if (!matched) return 'none';
  return p.inclusion ? 'include' : 'exclude';
}

function simpleNameMatch(p: IgnorePattern, path: readonly string[], isDir: boolean): boolean {
  for (let i = 0; i < path.length; i++) {
    if (!segmentMatch(p.pattern[0], path[i])) continue;
    if (p.dirOnly && !isDir && i === path.length - 1) return false;
    return true;
  }
  return false;
}

function globMatch(p: IgnorePattern, full: readonly string[], isDir: boolean): boolean {
  let path = [...full];
  let matched = false;
  let canTraverse = false;
  for (let i = 0; i < p.pattern.length; i++) {
    const segment = p.pattern[i];
    if (segment === '') {
      canTraverse = false;
      continue;
    }
    if (segment === '**') {
      if (i === p.pattern.length - 1) break;
      canTraverse = true;
      continue;
    }
    if (segment.includes('**')) return false;
    if (path.length === 0) return false;
    if (canTraverse) {
      canTraverse = false;
      while (path.length > 0) {
        const element = path[0];
        path = path.slice(1);
        if (segmentMatch(segment, element)) {
          matched = true;
          break;
        } else if (path.length === 0) {
          matched = false;
        }
      }
    } else {
      if (!segmentMatch(segment, path[0])) return false;
      matched = true;
      path = path.slice(1);
    }
  }
  if (matched && p.dirOnly && !isDir && path.length === 0) matched = false;
  return matched;
}

/**
 * Go's `filepath.Match` for one path element: `*` any run of characters, `?` one character, `[...]` a
 * class (`^` negates, `a-z` ranges), `\` escapes. A malformed pattern matches nothing.
 */
export function segmentMatch(pattern: string, name: string): boolean {
  const re = segmentRegExp(pattern);
  return re !== undefined && re.test(name);
}

const compiled = new Map<string, RegExp | undefined>();

function segmentRegExp(pattern: string): RegExp | undefined {
  if (compiled.has(pattern)) return compiled.get(pattern);
  let out = '';
  let ok = true;
  for (let i = 0; i < pattern.length && ok; i++) {
    const c = pattern[i];
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      i++;
      if (i >= pattern.length) ok = false;
      else out += escapeRe(pattern[i]);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        ok = false;
        break;
      }
      let body = pattern.slice(i + 1, end);
      const negate = body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/\\(.)/g, '\\$1').replace(/[\]^]/g, '\\$&')}]`;
      i = end;
    } else out += escapeRe(c);
  }
  let re: RegExp | undefined;
  try {
    re = ok ? repoRegExp(`^${out}$`, 's') : undefined;
  } catch {
    re = undefined;
  }
  if (compiled.size > 4096) compiled.clear();
  compiled.set(pattern, re);
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * What source-controller leaves out of a GitRepository artifact (fluxcd/pkg artifact storage
 * SourceIgnoreFilter): with rules (`.sourceignore` files and `.spec.ignore`), Git's files and those rules;
 * without any, Git's files and the default list. The last matching pattern decides.
 */
export function sourceIgnoreMatcher(rules: IgnorePattern[]): (path: string, isDir?: boolean) => boolean {
  const vcs = vcsPatterns.map((p) => parseIgnorePattern(p, []));
  const patterns = rules.length > 0 ? [...vcs, ...rules] : [...vcs, ...defaultPatterns.map((p) => parseIgnorePattern(p, []))];
  return (path, isDir = false) => {
    const parts = path.split('/');
    for (let i = patterns.length - 1; i >= 0; i--) {
      const result = matchPattern(patterns[i], parts, isDir);
      if (result !== 'none') return result === 'exclude';
    }
    return false;
  };
}
