import { describe, expect, it } from 'vitest';
import { checkRequirements, type PullRequestState } from '../../src/chatops/index.ts';

const base = 'a'.repeat(40);
const ready: PullRequestState = {
  approvedBy: ['bob'],
  author: 'alice',
  mergeable: true,
  mergeableState: 'clean',
  behindBy: 0,
  baseSha: base,
  mergeBaseSha: base,
};

describe('checkRequirements', () => {
  it('reports nothing when every requirement is met', () => {
    expect(checkRequirements(['approved', 'mergeable', 'up-to-date'], ready)).toEqual([]);
    expect(checkRequirements([], { ...ready, approvedBy: [], mergeable: false })).toEqual([]);
  });

  it('does not count the author approving their own PR, whatever the case of the login', () => {
    expect(checkRequirements(['approved'], { ...ready, approvedBy: ['Alice'] })).toEqual([
      { requirement: 'approved', reason: expect.stringMatching(/only the author has approved/) },
    ]);
    expect(checkRequirements(['approved'], { ...ready, approvedBy: [] })[0].reason).toMatch(/approving review from someone other than the author/);
  });

  it.each([
    [{ mergeable: null, mergeableState: 'unknown' }, /still working out/],
    [{ mergeable: false, mergeableState: 'dirty' }, /merge conflicts/],
    [{ mergeable: true, mergeableState: 'blocked' }, /branch protection blocks/],
    [{ mergeable: true, mergeableState: 'behind' }, /update the branch/],
    [{ mergeable: true, mergeableState: 'draft' }, /draft/],
  ])('explains why %o is not mergeable', (state, reason) => {
    const unmet = checkRequirements(['mergeable'], { ...ready, ...state });
    expect(unmet).toHaveLength(1);
    expect(unmet[0].reason).toMatch(reason);
  });

  it('accepts unstable and has_hooks as mergeable', () => {
    expect(checkRequirements(['mergeable'], { ...ready, mergeableState: 'unstable' })).toEqual([]);
    expect(checkRequirements(['mergeable'], { ...ready, mergeableState: 'has_hooks' })).toEqual([]);
  });

  it('judges up-to-date by behindBy first, then by the merge base, and refuses when neither is known', () => {
    expect(checkRequirements(['up-to-date'], { ...ready, behindBy: 3 })[0].reason).toMatch(/3 commits behind/);
    expect(checkRequirements(['up-to-date'], { ...ready, behindBy: undefined, mergeBaseSha: 'b'.repeat(40) })[0].reason).toMatch(/does not contain the base branch head aaaaaaa/);
    expect(checkRequirements(['up-to-date'], { ...ready, behindBy: undefined })).toEqual([]);
    expect(checkRequirements(['up-to-date'], { ...ready, behindBy: undefined, mergeBaseSha: undefined })[0].reason).toMatch(/could not be compared/);
  });

  it('fails closed on a requirement it does not know', () => {
    expect(checkRequirements(['undiverged'], ready)).toEqual([{ requirement: 'undiverged', reason: expect.stringMatching(/unknown requirement "undiverged".*\.bosun\.yaml/) }]);
  });
});
