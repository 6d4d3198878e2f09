/** Who holds an environment lock: a pull request, with a link to it and the login that took it. */
export interface LockHolder {
  pr: number;
  /** The PR's URL, shown to anyone who finds the environment locked. */
  url: string;
  /** GitHub login that caused the lock to be taken. */
  by: string;
}

/** A lock as it stands in Redis. */
export interface LockState {
  /** `<owner>/<repo>:<env>` */
  key: string;
  repo: string;
  env: string;
  holder: LockHolder;
  /** Epoch ms when the PR first took the lock (kept when it re-enters). */
  acquiredAt: number;
  /** Epoch ms when the lease runs out unless it is extended. */
  expiresAt: number;
}

/** A lock this process holds. */
export interface HeldLock extends LockState {
  ttlMs: number;
  /** Extends the lease by a full TTL; false when the lock was lost (expired, unlocked, taken). */
  heartbeat(): Promise<boolean>;
  /** Releases the lock if this PR still holds it; false when it did not. */
  release(): Promise<boolean>;
}

export type AcquireResult =
  | { ok: true; lock: HeldLock }
  | { ok: false; holder: LockHolder; acquiredAt: number; expiresAt: number };
