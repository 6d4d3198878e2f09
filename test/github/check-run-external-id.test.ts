// A check run's external id names its pull request (a re-run on a fork PR has no pull_requests list)
// and, for a plan job's runs, the job: a job run again takes back its own runs, never an earlier plan's.
import { describe, expect, it } from 'vitest';
import { applyCheckRunName, checkRunExternalId, checkRunName, isApplyCheckRun, prFromExternalId } from '../../src/github/names.ts';

describe('check run external ids', () => {
  it('round-trip the pull request number, with or without a job tag', () => {
    expect(prFromExternalId(checkRunExternalId(42))).toBe(42);
    expect(prFromExternalId(checkRunExternalId(42, '0a1b2c3d4e5f'))).toBe(42);
  });

  it('tell two plan jobs of the same pull request apart', () => {
    expect(checkRunExternalId(7, '0a1b2c3d4e5f')).not.toBe(checkRunExternalId(7, 'ffeeddccbbaa'));
    expect(checkRunExternalId(7, '0a1b2c3d4e5f')).not.toBe(checkRunExternalId(7));
  });

  it('read nothing from ids that are not bosun\'s', () => {
    for (const id of [null, undefined, '', 'bosun-pr-', 'bosun-pr-x', 'other-pr-3', 'bosun-pr-3-run-', 'bosun-pr-3-run-XYZ', 'bosun-pr-3 ']) expect(prFromExternalId(id)).toBeUndefined();
  });
});

describe('check run names', () => {
  it('an apply\'s run is told from the plan of an environment, whatever the environment is called', () => {
    for (const env of ['staging', 'apps/prod', 'apply', 'apply (x)']) {
      expect(isApplyCheckRun(applyCheckRunName(env))).toBe(true);
      expect(isApplyCheckRun(checkRunName(env))).toBe(env === 'apply (x)');
    }
    expect(applyCheckRunName('staging')).toBe('bosun / apply (staging)');
    expect(isApplyCheckRun('other / apply (staging)')).toBe(false);
  });
});
