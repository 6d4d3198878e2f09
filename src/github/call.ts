import type { GitHubClient, GitHubResponse } from './client.ts';
import { failure } from './errors.ts';
import { isRetrying, withGitHubRetry } from './retry.ts';

/**
 * One REST call as every adapter makes it: rate limits retried (unless the client already does), and
 * GitHub's server errors too unless the call creates something (a POST), any failure turned into a
 * GitHubError that names `what` was attempted.
 */
export async function call(gh: GitHubClient, what: string, route: string, params?: Record<string, unknown>): Promise<GitHubResponse> {
  const send = (): Promise<GitHubResponse> => gh.request(route, params);
  try {
    return await (isRetrying(gh) ? send() : withGitHubRetry(send, { idempotent: !route.startsWith('POST ') }));
  } catch (err) {
    throw failure(what, err);
  }
}
