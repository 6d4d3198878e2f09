/**
 * The branch a revert pull request is pushed to: `bosun/revert-<pr>-<env>`, then `-2`, `-3`… when an
 * earlier rollback of the same PR and environment left its branch behind. Environment names may hold
 * `/`, which would nest the ref under another revert branch's name (git refuses `a` and `a/b` both).
 */
export function revertBranchName(pr: number, env: string, attempt = 1): string {
  const safeEnv = env
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.-]+|[.-]+$/g, '')
    .replace(/\.lock$/i, '-lock') || 'env';
  return `bosun/revert-${pr}-${safeEnv}${attempt > 1 ? `-${attempt}` : ''}`;
}
