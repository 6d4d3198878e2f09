import type { Redis } from 'ioredis';
import { idPart, repoKey, stateKeys } from './ids.ts';
import type { Producers } from './producers.ts';
import type { RepoRef } from './types.ts';

/**
 * Which open PRs show which environments in their sticky comment, so a lock taken or released on an
 * environment refreshes every comment that shows its lock column, not only the locking PR's. Each plan
 * records its PR as a viewer of the environments its comment lists; a lock change re-plans the viewers
 * at the head they were last planned at (the render cache makes that cheap). A closed PR stops viewing.
 */

/** Viewers are forgotten after this long without a plan (a PR nobody touches for a month). */
export const viewerTtlMs = 30 * 24 * 3600 * 1000;

interface ViewerInfo {
  installationId: number;
  repo: RepoRef;
  baseRef: string;
  envs: string[];
}

export interface LockViewers {
  /** After a plan posted its comment: `pr` shows `envs`. */
  record(info: ViewerInfo & { pr: number }): Promise<void>;
  /** A closed PR shows nothing any more. */
  forget(repo: string, pr: number): Promise<void>;
  /**
   * Re-plans the PRs that show any of `envs` (except `exceptPr`), at their newest planned head; returns
   * the PRs queued. `deliveryId` names the event that changed the lock (job ids derive from it).
   */
  refresh(args: { repo: string; envs: string[]; exceptPr?: number; deliveryId: string }): Promise<number[]>;
}

export function createLockViewers(redis: Redis, prefix: string, producers: Pick<Producers, 'enqueuePlan'>): LockViewers {
  const base = `${prefix}:state:lock-viewers`;
  const envKey = (repo: string, env: string) => `${base}:env:${idPart(repoKey(repo))}:${idPart(env)}`;
  const prKey = (repo: string, pr: number) => `${base}:pr:${idPart(repoKey(repo))}:${pr}`;
  const keys = stateKeys(prefix);
  return {
    async record(info) {
      const { pr, ...rest } = info;
      const tx = redis.multi().set(prKey(info.repo.fullName, pr), JSON.stringify(rest), 'PX', viewerTtlMs);
      for (const env of info.envs) tx.sadd(envKey(info.repo.fullName, env), String(pr)).pexpire(envKey(info.repo.fullName, env), viewerTtlMs);
      await tx.exec();
    },
    async forget(repo, pr) {
      const raw = await redis.get(prKey(repo, pr));
      const envs = raw ? (JSON.parse(raw) as ViewerInfo).envs : [];
      const tx = redis.multi().del(prKey(repo, pr));
      for (const env of envs) tx.srem(envKey(repo, env), String(pr));
      await tx.exec();
    },
    async refresh({ repo, envs, exceptPr, deliveryId }) {
      const prs = new Set<number>();
      for (const env of envs) for (const pr of await redis.smembers(envKey(repo, env))) prs.add(Number(pr));
      if (exceptPr !== undefined) prs.delete(exceptPr);
      const queued: number[] = [];
      for (const pr of [...prs].sort((a, b) => a - b)) {
        const raw = await redis.get(prKey(repo, pr));
        const [sha, seq] = await redis.hmget(keys.planLatest(repo, pr), 'sha', 'seq');
        if (!raw || !sha || !seq) continue;
        const info = JSON.parse(raw) as ViewerInfo;
        // The PR's newest head and its sequence number: never older than what the PR already asked for.
        const result = await producers.enqueuePlan({
          deliveryId: `${deliveryId}+locks`,
          installationId: info.installationId,
          repo: info.repo,
          pr,
          headSha: sha,
          baseRef: info.baseRef,
          reason: 'locks',
          seq: Number(seq),
        });
        if (result.status === 'queued') queued.push(pr);
      }
      return queued;
    },
  };
}
