// Which PRs show an environment's lock column: a lock change re-plans them at their newest head, never a
// closed PR, never the PR that changed the lock when it plans itself.
import { describe, expect, it } from 'vitest';
import { createLockViewers, stateKeys } from '../../src/jobs.ts';
import { planJob, queueSuite, repo, sha } from './support.ts';

describe('lock viewers', () => {
  const t = queueSuite();

  it('re-plans the open PRs that show an environment, at their newest head, and forgets closed ones', async () => {
    const viewers = createLockViewers(t.redis, t.prefix, t.producers);
    // PRs 5, 6 and 7 were planned; their comments list these environments.
    for (const [pr, head] of [[5, 'a'], [6, 'b'], [7, 'c']] as const) {
      await t.producers.enqueuePlan(planJob({ pr, headSha: sha(head), seq: 1000 + pr }));
      await viewers.record({ installationId: 42, repo, baseRef: 'main', pr, envs: pr === 7 ? ['production'] : ['staging', 'production'] });
    }
    // PR 5 got a newer push since: the refresh plans that head, not the one recorded with the comment.
    await t.producers.enqueuePlan(planJob({ pr: 5, headSha: sha('d'), seq: 2000 }));
    await viewers.forget(repo.fullName, 6);

    expect(await viewers.refresh({ repo: repo.fullName, envs: ['staging'], deliveryId: 'unlock-1' })).toEqual([5]);
    expect(await viewers.refresh({ repo: repo.fullName, envs: ['staging', 'production'], exceptPr: 5, deliveryId: 'close-1' })).toEqual([7]);
    const latest = await t.redis.hmget(stateKeys(t.prefix).planLatest(repo.fullName, 5), 'sha', 'seq');
    expect(latest).toEqual([sha('d'), '2000']);
  });
});
