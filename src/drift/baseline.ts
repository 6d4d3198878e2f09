/**
 * Which commit the live cluster is compared with. Normally the tip of the default branch: what is
 * merged is what should run. Two exceptions, both said in the drift report:
 * - a pin (a rollback holds the environment at an older commit while its revert PR waits): the pinned
 *   commit, or bosun would call the rollback "drift" and heal it away;
 * - `autoApply: false`: merged changes wait for `/bosun apply`, so they are not drift; the last commit
 *   bosun applied successfully is the reference. When there is none yet, the tip is compared but never
 *   healed, since healing would apply changes nobody asked to apply.
 */
export interface BaselineInput {
  tip: string;
  defaultBranch: string;
  autoApply: boolean;
  pin?: { sha: string; reason: string; revertPr?: number };
  /** The newest successful apply recorded for the environment. */
  lastApplied?: string;
}

export interface Baseline {
  sha: string;
  source: 'tip' | 'pin' | 'last-applied';
  /** One line for people, when the reference is not simply the tip. */
  note?: string;
  /** Whether re-applying this commit is a heal (false: it would apply something never approved for it). */
  mayHeal: boolean;
}

const short = (sha: string): string => sha.slice(0, 7);

export function chooseBaseline(input: BaselineInput): Baseline {
  const { tip, defaultBranch, pin } = input;
  if (pin) {
    const revert = pin.revertPr ? `; revert PR #${pin.revertPr} will bring \`${defaultBranch}\` there` : '';
    return {
      sha: pin.sha,
      source: 'pin',
      note: `pinned at \`${short(pin.sha)}\` (${pin.reason})${revert}; \`${defaultBranch}\` is at \`${short(tip)}\``,
      mayHeal: true,
    };
  }
  if (!input.autoApply) {
    if (input.lastApplied) {
      return {
        sha: input.lastApplied,
        source: 'last-applied',
        ...(input.lastApplied !== tip ? { note: `autoApply is off: compared with \`${short(input.lastApplied)}\`, the last commit applied; \`${defaultBranch}\` is at \`${short(tip)}\`, waiting for \`/bosun apply\`` } : {}),
        mayHeal: true,
      };
    }
    return { sha: tip, source: 'tip', note: `autoApply is off and bosun has not applied this environment yet: compared with the tip of \`${defaultBranch}\`, never healed`, mayHeal: false };
  }
  return { sha: tip, source: 'tip', mayHeal: true };
}

/**
 * Why drift must not be healed, if it must not: re-applying a commit never applied to the environment
 * (autoApply off), or an empty render that would only delete (the engine's empty-render guard).
 */
export function healRefusal(baseline: Baseline, env: { allowEmpty: boolean }, objectCount: number): string | undefined {
  if (!baseline.mayHeal) return baseline.note ?? 'the commit compared with was never applied to this environment';
  if (objectCount === 0 && !env.allowEmpty) return 'the render is empty and `allowEmpty` is off, so re-applying would only delete; set `allowEmpty: true` if the environment is meant to be empty';
  return undefined;
}
