/**
 * Apply requirements (Atlantis-style gates for a pre-merge `/bosun apply`): which of the environment's
 * `requires` entries the pull request does not meet yet, each with a reason that says what to do.
 */

export const knownRequirements = ['approved', 'mergeable', 'up-to-date'] as const;
export type ApplyRequirement = (typeof knownRequirements)[number];

export interface PullRequestState {
  /** Logins whose latest review is an approval. */
  approvedBy: string[];
  author: string;
  /** GitHub's `mergeable`; null while GitHub is still computing it. */
  mergeable: boolean | null;
  /** GitHub's `mergeable_state`: clean, unstable, has_hooks, behind, blocked, dirty, draft, unknown. */
  mergeableState: string;
  /** Commits the base branch has that the PR head does not (compare API `behind_by`), when known. */
  behindBy?: number;
  /** Head of the base branch. */
  baseSha: string;
  /** Merge base of the PR head and the base branch, when known. */
  mergeBaseSha?: string;
}

export interface UnmetRequirement {
  requirement: string;
  reason: string;
}

/** Merge states in which GitHub would let the PR merge (unstable: only non-required checks fail). */
const mergeableStates = new Set(['clean', 'unstable', 'has_hooks']);

export function checkRequirements(requires: readonly string[], pr: PullRequestState): UnmetRequirement[] {
  const unmet: UnmetRequirement[] = [];
  for (const requirement of new Set(requires)) {
    const reason = unmetReason(requirement, pr);
    if (reason) unmet.push({ requirement, reason });
  }
  return unmet;
}

function unmetReason(requirement: string, pr: PullRequestState): string | undefined {
  switch (requirement) {
    case 'approved':
      return approvedReason(pr);
    case 'mergeable':
      return mergeableReason(pr);
    case 'up-to-date':
      return upToDateReason(pr);
    default:
      // Fail closed: a gate we do not understand is a gate that is not met.
      return `unknown requirement "${requirement}"; bosun knows ${knownRequirements.join(', ')}: fix \`requires\` in .bosun.yaml`;
  }
}

function approvedReason(pr: PullRequestState): string | undefined {
  const author = pr.author.toLowerCase();
  if (pr.approvedBy.some((login) => login.toLowerCase() !== author)) return undefined;
  return pr.approvedBy.length > 0
    ? 'only the author has approved; it needs an approving review from someone else'
    : 'needs an approving review from someone other than the author';
}

function mergeableReason(pr: PullRequestState): string | undefined {
  const state = pr.mergeableState.toLowerCase();
  if (pr.mergeable === null || state === 'unknown') return 'GitHub is still working out whether this PR can be merged; try again in a minute';
  if (pr.mergeable && mergeableStates.has(state)) return undefined;
  switch (state) {
    case 'dirty':
      return 'has merge conflicts with the base branch; resolve them first';
    case 'blocked':
      return 'branch protection blocks merging (required reviews or required checks are missing)';
    case 'behind':
      return 'the base branch requires PRs to be up to date before merging; update the branch';
    case 'draft':
      return 'is a draft; mark it ready for review first';
    default:
      return pr.mergeable ? `GitHub reports merge state "${state}"` : `GitHub reports it cannot be merged (merge state "${state}")`;
  }
}

function upToDateReason(pr: PullRequestState): string | undefined {
  if (pr.behindBy !== undefined) {
    if (pr.behindBy === 0) return undefined;
    return `is ${pr.behindBy} commit${pr.behindBy === 1 ? '' : 's'} behind the base branch; merge or rebase the base branch into it`;
  }
  if (pr.mergeBaseSha !== undefined) {
    if (pr.mergeBaseSha === pr.baseSha) return undefined;
    return `does not contain the base branch head ${pr.baseSha.slice(0, 7)}; merge or rebase the base branch into it`;
  }
  // Without a comparison we cannot tell; refusing is the safe side.
  return 'could not be compared with the base branch; try again in a minute';
}
