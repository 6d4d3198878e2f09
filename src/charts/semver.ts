/**
 * Semantic versions and version constraints as Helm, Flux's source-controller and Argo CD read them: the
 * Masterminds/semver v3 rules (github.com/Masterminds/semver, constraints.go). Written here from those
 * rules so that version resolution happens in bosun's trusted process, not in a tool.
 *
 * Constraints: groups separated by `||` (any group may match); within a group, constraints separated by
 * commas or spaces (all must match). Operators `=`, `!=`, `>`, `<`, `>=` (`=>`), `<=` (`=<`), `~` (`~>`),
 * `^`; wildcards `x`, `X`, `*` and partial versions (`1.2` = `1.2.x`); hyphen ranges `1.2 - 1.4.5`.
 * A version with a pre-release matches only a constraint that names a pre-release itself (v3's rule), so
 * `*` and `>=1.0.0` pick stable releases.
 */

export interface Version {
  major: number;
  minor: number;
  patch: number;
  /** Pre-release identifiers (`rc.1` → ['rc', '1']); empty for a release. */
  prerelease: string[];
  /** Build metadata (`+abc`), ignored in comparisons. */
  build: string;
  /** As written. */
  raw: string;
}

const strictPattern = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;
const loosePattern = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

/**
 * A version. `strict` (Flux's fluxcd/pkg/version.ParseVersion: semver.StrictNewVersion plus a leading
 * `v`) wants all three numbers; otherwise partial versions are completed with zeros (semver.NewVersion).
 */
export function parseVersion(text: string, opts: { strict?: boolean } = {}): Version | undefined {
  const raw = text.trim();
  const m = (opts.strict ? strictPattern : loosePattern).exec(raw);
  if (!m) return undefined;
  const num = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  const [major, minor, patch] = [num(m[1]), num(m[2]), num(m[3])];
  if (![major, minor, patch].every(Number.isSafeInteger)) return undefined;
  const prerelease = m[4] ? m[4].split('.') : [];
  // semver forbids leading zeros in numeric pre-release identifiers.
  if (prerelease.some((p) => /^0\d+$/.test(p))) return undefined;
  return { major, minor, patch, prerelease, build: m[5] ?? '', raw };
}

/** -1, 0 or 1, by semver precedence (build metadata ignored). */
export function compareVersions(a: Version, b: Version): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return comparePrerelease(a.prerelease, b.prerelease);
}

function comparePrerelease(a: string[], b: string[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  if (a.length === 0) return 1;
  if (b.length === 0) return -1;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (i >= a.length) return -1;
    if (i >= b.length) return 1;
    const [x, y] = [a[i], b[i]];
    if (x === y) continue;
    const [xn, yn] = [/^\d+$/.test(x), /^\d+$/.test(y)];
    if (xn && yn) return Number(x) < Number(y) ? -1 : 1;
    if (xn) return -1;
    if (yn) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

type Op = '=' | '!=' | '>' | '<' | '>=' | '<=' | '~' | '^';

interface Bound {
  op: Op;
  version: Version;
  /** How many of major/minor/patch were written as numbers (the rest were wildcards or missing). */
  given: 0 | 1 | 2 | 3;
}

/** A parsed constraint: OR of ANDs. */
export interface Constraint {
  groups: Bound[][];
  raw: string;
}

export class ConstraintError extends Error {}

const opPattern = /^(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)?\s*/;

/** Parses a constraint; throws ConstraintError with what is wrong. */
export function parseConstraint(text: string): Constraint {
  const raw = text.trim();
  if (raw === '') throw new ConstraintError('empty version constraint');
  const groups = raw.split('||').map((group) => {
    const g = group.trim();
    if (g === '') throw new ConstraintError(`"${raw}": empty alternative around "||"`);
    // Hyphen ranges first: "1.2 - 1.4.5" is ">= 1.2, <= 1.4.5".
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(g);
    if (hyphen) return [bound('>=', hyphen[1], raw), bound('<=', hyphen[2], raw)];
    // Operators may be separated from their version by spaces ("> 1.2"); join them before splitting.
    const parts = g.replace(/(!=|>=|=>|<=|=<|~>|>|<|=|~|\^)\s+/g, '$1').split(/[\s,]+/).filter(Boolean);
    return parts.map((part) => {
      const m = opPattern.exec(part)!;
      const op = normalizeOp(m[1] ?? '=');
      return bound(op, part.slice(m[0].length), raw);
    });
  });
  return { groups, raw };
}

function normalizeOp(op: string): Op {
  switch (op) {
    case '=>':
      return '>=';
    case '=<':
      return '<=';
    case '~>':
      return '~';
    default:
      return op as Op;
  }
}

function bound(op: Op, text: string, raw: string): Bound {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text);
  if (!m) throw new ConstraintError(`"${raw}": "${text}" is not a version`);
  const parts = [m[1], m[2], m[3]];
  let given = 0;
  for (const p of parts) {
    if (p === undefined || /^[xX*]$/.test(p)) break;
    given++;
  }
  // A number after a wildcard ("1.x.3") is ignored, as Masterminds does.
  const nums = parts.map((p, i) => (i < given ? Number(p) : 0));
  const prerelease = given === 3 && m[4] ? m[4].split('.') : [];
  return { op, version: { major: nums[0], minor: nums[1], patch: nums[2], prerelease, build: '', raw: text }, given: given as Bound['given'] };
}

/** Whether `v` satisfies the constraint (any group, all of its bounds). */
export function satisfies(v: Version, c: Constraint): boolean {
  return c.groups.some((group) => group.every((b) => check(v, b)));
}

function check(v: Version, b: Bound): boolean {
  // Masterminds v3: a pre-release version only matches constraints that carry a pre-release themselves.
  if (v.prerelease.length > 0 && b.version.prerelease.length === 0) return false;
  const cmp = compareVersions(v, b.version);
  const { major, minor } = b.version;
  switch (b.op) {
    case '=':
      return b.given === 3 ? cmp === 0 : withinWildcard(v, b);
    case '!=':
      return b.given === 3 ? cmp !== 0 : !withinWildcard(v, b);
    case '>':
      if (b.given === 3) return cmp > 0;
      // "> 1.2" means above every 1.2.x.
      if (b.given === 0) return false;
      return b.given === 1 ? v.major > major : v.major > major || (v.major === major && v.minor > minor);
    case '<':
      return cmp < 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      if (b.given === 3) return cmp <= 0;
      if (b.given === 0) return true;
      return b.given === 1 ? v.major <= major : v.major < major || (v.major === major && v.minor <= minor);
    case '~':
      // ~1.2.3 → >=1.2.3 <1.3.0; ~1 → >=1.0.0 <2.0.0; ~1.2 → >=1.2.0 <1.3.0.
      if (cmp < 0) return false;
      // ~0.0.0 accepts everything from 0.0.0 on (a special case of Masterminds').
      if (b.given === 3 && major === 0 && minor === 0 && b.version.patch === 0) return true;
      if (b.given <= 1) return b.given === 0 || v.major === major;
      return v.major === major && v.minor === minor;
    case '^':
      // ^1.2.3 → <2.0.0; ^0.2.3 → <0.3.0; ^0.0.3 → <0.0.4; ^0 → <1.0.0.
      if (cmp < 0) return false;
      if (major > 0 || b.given <= 1) return b.given === 0 || v.major === major;
      if (minor > 0 || b.given === 2) return v.major === 0 && v.minor === minor;
      return v.major === 0 && v.minor === 0 && v.patch === b.version.patch;
  }
}

/** `1.2` / `1.2.x` / `*`: equal in the numbers given. */
function withinWildcard(v: Version, b: Bound): boolean {
  if (b.given >= 1 && v.major !== b.version.major) return false;
  if (b.given >= 2 && v.minor !== b.version.minor) return false;
  return true;
}

/** Whether the text is a constraint rather than one exact version (`1.2.3` is exact; `1.2`, `~1.2.3`, `*` are not). */
export function isExactVersion(text: string): boolean {
  return parseVersion(text, { strict: true }) !== undefined;
}
