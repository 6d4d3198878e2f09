export { createLockManager } from './lock-manager.ts';
export type { LockManager, LockManagerOptions } from './lock-manager.ts';
export { keepAlive } from './keep-alive.ts';
export type { KeepAlive, KeepAliveOptions } from './keep-alive.ts';
export { lockKey, parseLockKey } from './lock-key.ts';
export type { AcquireResult, HeldLock, LockHolder, LockState } from './types.ts';
