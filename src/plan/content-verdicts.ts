import { chartFoldersOf, kindByName, type ContentVerdict } from '../discover/gitops-files.ts';

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
