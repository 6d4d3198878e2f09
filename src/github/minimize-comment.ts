import { call } from './call.ts';
import type { GitHubClient } from './client.ts';
import { GitHubError, failure } from './errors.ts';
import { isRetrying, withGitHubRetry } from './retry.ts';

export type MinimizeReason = 'OUTDATED' | 'RESOLVED' | 'DUPLICATE' | 'OFF_TOPIC' | 'SPAM' | 'ABUSE';

const mutation = `mutation bosunMinimize($id: ID!, $classifier: ReportedContentClassifiers!) {
  minimizeComment(input: { subjectId: $id, classifier: $classifier }) {
    minimizedComment { isMinimized }
  }
}`;

interface MinimizeData {
  minimizeComment?: { minimizedComment?: { isMinimized?: boolean } | null } | null;
}

/**
 * Hides a superseded bot comment ("This comment was marked as outdated") via GraphQL, given the
 * comment's node id. Returns whether GitHub reports it minimized.
 */
export async function minimizeComment(gh: GitHubClient, nodeId: string, classifier: MinimizeReason = 'OUTDATED'): Promise<boolean> {
  const what = `minimizing comment ${nodeId}`;
  const variables = { id: nodeId, classifier };
  let data: MinimizeData | undefined;
  const graphql = gh.graphql?.bind(gh);
  if (graphql) {
    const send = (): Promise<unknown> => graphql(mutation, variables);
    try {
      // Octokit's graphql client throws on GraphQL `errors` and returns `data` itself.
      data = (await (isRetrying(gh) ? send() : withGitHubRetry(send))) as MinimizeData;
    } catch (err) {
      throw failure(what, err);
    }
  } else {
    const res = await call(gh, what, graphqlRoute(gh), { query: mutation, variables });
    const body = res.data as { data?: MinimizeData; errors?: Array<{ message?: string }> };
    if (body.errors && body.errors.length > 0) {
      throw new GitHubError({ message: `${what} failed: ${body.errors.map((e) => e.message ?? JSON.stringify(e)).join('; ')}` });
    }
    data = body.data;
  }
  return data?.minimizeComment?.minimizedComment?.isMinimized === true;
}

/**
 * Where GraphQL lives for a client without Octokit's graphql: `POST /graphql` on api.github.com, but
 * `/api/graphql` on GitHub Enterprise Server, whose REST base is `/api/v3`.
 */
export function graphqlRoute(gh: GitHubClient): string {
  const base = (gh.request as { endpoint?: { DEFAULTS?: { baseUrl?: string } } }).endpoint?.DEFAULTS?.baseUrl;
  return base && /\/api\/v3\/?$/.test(base) ? `POST ${base.replace(/\/api\/v3\/?$/, '/api/graphql')}` : 'POST /graphql';
}
