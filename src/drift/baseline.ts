/**
 * Which commit the live cluster is compared with. Normally the tip of the default branch: what is
 * merged is what should run. Two exceptions, both said in the drift report:
 * - a pin (a rollback holds the environment at an older commit while its revert PR waits): the pinned
 *   commit, or bosun would call the rollback "drift" and heal it away;
 * - `autoApply: false`: merged changes wait for `/bosun apply`, so they are not drift; the last commit
 *   bosun applied successfully is the reference. When there is none yet there is nothing to compare
 *   with: the environment is not checked (everything would look "missing", and a heal would apply
 *   changes nobody asked to apply).
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
}

/** No reference to compare with: the environment is not checked, for this reason. */
export interface NoBaseline {
  skip: string;
}

const short = (sha: string): string => sha.slice(0, 7);

export function chooseBaseline(input: BaselineInput): Baseline | NoBaseline {
  const { tip, defaultBranch, pin } = input;
  if (pin) {
    const revert = pin.revertPr ? `; revert PR #${pin.revertPr} will bring \`${defaultBranch}\` there` : '';
    return {
      sha: pin.sha,
      source: 'pin',
      note: `pinned at \`${short(pin.sha)}\` (${pin.reason})${revert}; \`${defaultBranch}\` is at \`${short(tip)}\``,
    };
  }
  if (!input.autoApply) {
    if (input.lastApplied) {
      return {
        sha: input.lastApplied,
        source: 'last-applied',
        ...(input.lastApplied !== tip ? { note: `autoApply is off: compared with \`${short(input.lastApplied)}\`, the last commit applied; \`${defaultBranch}\` is at \`${short(tip)}\`, waiting for \`/bosun apply\`` } : {}),
      };
    }
    return { skip: 'autoApply is off and bosun has not applied this environment yet: there is nothing to compare the cluster with until `/bosun apply`' };
  }
  return { sha: tip, source: 'tip' };
}

/** Why drift must not be healed, if it must not: an empty render would only delete (the engine's empty-render guard). */
export function healRefusal(env: { allowEmpty: boolean }, objectCount: number): string | undefined {
  if (objectCount === 0 && !env.allowEmpty) return 'the render is empty and `allowEmpty` is off, so re-applying would only delete; set `allowEmpty: true` if the environment is meant to be empty';
  return undefined;
}
