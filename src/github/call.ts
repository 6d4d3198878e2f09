import type { GitHubClient, GitHubResponse } from './client.ts';
import { failure } from './errors.ts';
import { isRetrying, withGitHubRetry } from './retry.ts';

/**
 * One REST call as every adapter makes it: rate limits retried (unless the client already does),
 * any failure turned into a GitHubError that names `what` was attempted.
 */
export async function call(gh: GitHubClient, what: string, route: string, params?: Record<string, unknown>): Promise<GitHubResponse> {
  const send = (): Promise<GitHubResponse> => gh.request(route, params);
  try {
    return await (isRetrying(gh) ? send() : withGitHubRetry(send));
  } catch (err) {
    throw failure(what, err);
  }
}
