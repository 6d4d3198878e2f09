import { chartFoldersOf, contentVerdict, kindByName, type ContentVerdict } from '../discover/gitops-files.ts';

/**
 * A commit's coverage verdicts (discover/gitops-files.ts `contentVerdict`) for every path whose GitOps
 * kind only its text tells, kept in the commit's input index so a plan reads only the files a change
 * touches instead of every YAML file of the repository. Compact: the paths that are not manifests.
 */
export interface StoredVerdicts {
  text: string[];
  unreadable: string[];
}

type Known = (path: string) => ContentVerdict | undefined;

/** Verdicts of the commit they were stored for: every path classification asks about was asked then. */
export function ownVerdicts(stored: StoredVerdicts): Known {
  const text = new Set(stored.text);
  const unreadable = new Set(stored.unreadable);
  return (path) => (text.has(path) ? 'text' : unreadable.has(path) ? 'unreadable' : 'manifest');
}

/**
 * Verdicts another commit's (a pull request's base) lends: for a path that commit also asked about and
 * the change did not touch (same path, same content, same type), undefined otherwise.
 */
export function lentVerdicts(stored: StoredVerdicts, paths: readonly string[], changed: readonly string[]): Known {
  const own = ownVerdicts(stored);
  const charts = chartFoldersOf(paths);
  const present = new Set(paths);
  const touched = new Set(changed);
  return (path) => (!touched.has(path) && present.has(path) && kindByName(path, charts) === 'content' ? own(path) : undefined);
}

/** Collects the verdicts a classification used, to store them for its commit. */
export class VerdictRecorder {
  private readonly text: string[] = [];
  private readonly unreadable: string[] = [];

  record = (path: string, verdict: ContentVerdict): void => {
    if (verdict === 'text') this.text.push(path);
    else if (verdict === 'unreadable') this.unreadable.push(path);
  };

  /** `known` that also records what it answers. */
  through(known: Known | undefined): Known {
    return (path) => {
      const verdict = known?.(path);
      if (verdict !== undefined) this.record(path, verdict);
      return verdict;
    };
  }

  stored(): StoredVerdicts {
    return { text: [...this.text].sort(), unreadable: [...this.unreadable].sort() };
  }
}

/**
 * A pull request's base verdicts derived from its head's (`head`, complete for the head's tree): the same
 * for every path the change did not touch (same content, same type), read at the base for the touched
 * ones. A base that was only ever a pull request's base gets its verdicts so, and every later head
 * planned on it classifies only its own changed files. Undefined when the two commits' chart folders
 * differ (a path's kind could differ then) or a touched file is not `available` at the base (a partial
 * checkout without it).
 */
export function baseVerdictsFrom(head: StoredVerdicts, args: {
  basePaths: readonly string[];
  headPaths: readonly string[];
  changed: readonly string[];
  available: (path: string) => boolean;
  read: (path: string) => string | undefined;
}): StoredVerdicts | undefined {
  const charts = chartFoldersOf(args.basePaths);
  const headCharts = chartFoldersOf(args.headPaths);
  if (charts.size !== headCharts.size || [...charts].some((c) => !headCharts.has(c))) return undefined;
  const atBase = new Set(args.basePaths);
  const touched = new Set(args.changed);
  const recorder = new VerdictRecorder();
  for (const path of head.text) if (atBase.has(path) && !touched.has(path)) recorder.record(path, 'text');
  for (const path of head.unreadable) if (atBase.has(path) && !touched.has(path)) recorder.record(path, 'unreadable');
  for (const path of touched) {
    if (!atBase.has(path) || kindByName(path, charts) !== 'content') continue;
    if (!args.available(path)) return undefined;
    recorder.record(path, contentVerdict(args.read(path), path));
  }
  return recorder.stored();
}
