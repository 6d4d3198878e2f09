// What the chaos suites do to bosun, as GitHub would show it: pull requests opened and pushed to, merged
// with a merge commit (the `closed` event and the push to main), each backed by a real commit and a pull
// request in the stand-in and delivered signed like GitHub's. It remembers every head and every merge,
// which is what the exactly-once checks (outcomes.ts) hold bosun to.
import type { Delivery, GitHubStandin } from '../github-standin/index.ts';
import type { ChaosRepo } from './repo.ts';

export interface ChaosTarget {
  gh: GitHubStandin;
  /** Delivers a webhook to bosun; rejects when nothing answered. */
  send(event: string, payload: unknown): Promise<Delivery>;
}

export interface Merge {
  pr: number;
  sha: string;
  /** The PR's revision merged (the ConfigMaps' `revision`). */
  revision: number;
}

export interface ChaosDriver {
  /** Heads of each PR, oldest first. */
  readonly heads: Map<number, string[]>;
  readonly merges: Merge[];
  /** Every delivery made, whatever bosun answered. */
  readonly deliveries: Delivery[];
  /** Opens PR `pr` (branch, pull request, `opened`). */
  open(pr: number): Promise<Delivery>;
  /** Pushes a new revision to PR `pr` (`synchronize`). */
  push(pr: number): Promise<Delivery>;
  /** Merges PR `pr` into main: `closed` (merged) and the push to main. */
  merge(pr: number): Promise<Merge>;
  /**
   * Makes the commits of `events` (in order) now and returns one delivery per event to send later, so
   * a burst is not slowed by git: on a busy machine a commit takes a second or more.
   */
  stage(events: ReadonlyArray<{ pr: number; kind: 'open' | 'push' }>): Promise<Array<() => Promise<Delivery>>>;
}

export function chaosDriver(target: ChaosTarget, repo: ChaosRepo, owner: string, name: string): ChaosDriver {
  const { gh } = target;
  const heads = new Map<number, string[]>();
  const merges: Merge[] = [];
  const deliveries: Delivery[] = [];
  const send = async (event: string, payload: unknown): Promise<Delivery> => {
    const d = await target.send(event, payload);
    deliveries.push(d);
    return d;
  };
  const prEvent = async (pr: number, action: string): Promise<Delivery> =>
    send('pull_request', gh.examplePayload('pull_request', action, gh.repoPayload(owner, name), { number: pr, pull_request: await gh.pullPayload(owner, name, pr) }));
  return {
    heads,
    merges,
    deliveries,
    async open(pr) {
      const head = await repo.openBranch(pr);
      heads.set(pr, [head]);
      await gh.addPullRequest({ owner, repo: name, number: pr, head: { ref: `pr-${pr}`, sha: head }, base: { ref: 'main' }, user: 'maintainer', title: `chaos change ${pr}` });
      return prEvent(pr, 'opened');
    },
    async push(pr) {
      const list = heads.get(pr) ?? [];
      const head = await repo.pushToBranch(pr, list.length + 1);
      heads.set(pr, [...list, head]);
      await gh.updatePullRequest(owner, name, pr, { head: { sha: head } });
      return prEvent(pr, 'synchronize');
    },
    async stage(events) {
      const sends: Array<() => Promise<Delivery>> = [];
      for (const e of events) {
        const list = heads.get(e.pr) ?? [];
        const head = e.kind === 'open' ? await repo.openBranch(e.pr) : await repo.pushToBranch(e.pr, list.length + 1);
        heads.set(e.pr, [...list, head]);
        sends.push(async () => {
          if (e.kind === 'open') await gh.addPullRequest({ owner, repo: name, number: e.pr, head: { ref: `pr-${e.pr}`, sha: head }, base: { ref: 'main' }, user: 'maintainer', title: `chaos change ${e.pr}` });
          else await gh.updatePullRequest(owner, name, e.pr, { head: { sha: head } });
          return prEvent(e.pr, e.kind === 'open' ? 'opened' : 'synchronize');
        });
      }
      return sends;
    },
    async merge(pr) {
      const range = await repo.merge(pr);
      await gh.updatePullRequest(owner, name, pr, { state: 'closed', merged: true, mergeCommitSha: range.after });
      const merged = { pr, sha: range.after, revision: heads.get(pr)?.length ?? 1 };
      merges.push(merged);
      await prEvent(pr, 'closed');
      await send('push', gh.examplePayload('push', undefined, gh.repoPayload(owner, name), await gh.pushPayload(owner, name, range)));
      return merged;
    },
  };
}
