export { git, type GitOptions } from './git.ts';
export { resolveRef } from './refs.ts';
export { changedFiles } from './changes.ts';
export { readBlob } from './blob.ts';
export { commitTime } from './commit-time.ts';
export { commitTrees, listTree, rootTreeIds, treeId } from './tree.ts';
export { filesContaining } from './grep.ts';
export { checkout, partialCheckout, type Checkout, type PartialCheckout, type TreeListing } from './worktree.ts';
export { createMirrorCache, type EnsureResult, type MirrorCache, type MirrorCacheOptions, type MirrorRepo } from './mirror.ts';
