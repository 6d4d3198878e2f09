import type { DiscoveryContext } from './types.ts';

/**
 * Whether HEAD (the repository's default branch, as Argo CD resolves it) is the branch the change merges
 * into: true unless both are known and differ (a pull request into a release branch does not reach it).
 */
export function followsDefaultBranch(ctx: Pick<DiscoveryContext, 'branch' | 'defaultBranch'>): boolean {
  return !ctx.branch || !ctx.defaultBranch || ctx.branch === ctx.defaultBranch;
}
