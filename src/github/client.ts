/**
 * The slice of an Octokit instance the adapters use. Probot 14's `context.octokit` and a plain
 * `@octokit/core` Octokit both satisfy it, so tests pass a real Octokit pointed at the GitHub stand-in
 * and nothing is mocked.
 */
export interface GitHubResponse {
  data: unknown;
  status: number;
  headers: Record<string, string | number | undefined>;
}

export interface GitHubClient {
  request(route: string, params?: Record<string, unknown>): Promise<GitHubResponse>;
  /**
   * Octokit's GraphQL client, when present: it knows where GitHub Enterprise Server serves GraphQL
   * (`/api/graphql`, not under `/api/v3`). Without it, GraphQL goes through `POST /graphql`.
   */
  graphql?: (query: string, variables?: Record<string, unknown>) => Promise<unknown>;
}

/** `owner/repo` coordinates every repository-scoped adapter takes. */
export interface RepoRef {
  owner: string;
  repo: string;
}
