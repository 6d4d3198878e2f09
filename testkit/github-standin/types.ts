import type { GitCounts } from './git/http-backend.ts';
import type { RequestProblem } from './openapi/validators.ts';
import type { Permission, ReviewState } from './state/records.ts';
import type { Delivery, DeliveryOptions } from './webhooks/deliver.ts';
import type { PushSpec } from './present/payloads.ts';
import type { FaultCounts, FaultMode, OneOffFault } from './faults.ts';

export type { FaultCounts, FaultMode, OneOffFault, GitCounts, Permission, RequestProblem, ReviewState, Delivery, DeliveryOptions, PushSpec };

export interface GitHubStandinOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  appId?: number;
  /** The App's URL name; its bot user is `<slug>[bot]`. Default `bosun`. */
  appSlug?: string;
  /** The App's private key (PEM); when absent, the key this process's stand-ins share (standinAppKey). */
  privateKeyPem?: string;
  /** One line per request handled. */
  log?: (line: string) => void;
  /**
   * Check each 2xx answer against the response schema GitHub documents (default true). Problems show
   * in `requests[].responseProblems` and `problems()`: a stand-in answer GitHub would never give.
   */
  checkResponses?: boolean;
  /** Clock (ms since the epoch), for token-expiry tests. Default Date.now. */
  now?: () => number;
}

/** One request the stand-in answered, in order of arrival. */
export interface RequestRecord {
  seq: number;
  /** ISO 8601 with milliseconds. */
  timestamp: string;
  kind: 'rest' | 'graphql' | 'git' | 'web';
  method: string;
  /** The path as requested (with `/api/v3` when the client used it), without the query. */
  path: string;
  query: string;
  status: number;
  /** The OpenAPI operation (REST only). */
  operationId?: string;
  /** The JSON body the client sent. */
  body?: unknown;
  /** Why the request did not match GitHub's description (then the answer was 422). */
  rejected?: RequestProblem[];
  /** Where the stand-in's own answer did not match the documented response schema. */
  responseProblems?: string[];
  /** Answered by the fault mode (`simulateFaults`, `failNext`): instead of being handled, or after it (an `applied` fault, with its operationId). */
  injected?: boolean;
}

export interface RepoSeed {
  owner: string;
  name: string;
  /** A real git repository (working tree or bare) served as this repository. */
  gitDir: string;
  /** Default: the branch HEAD points at in `gitDir`. */
  defaultBranch?: string;
  /** Default: the installation on `owner` (created on first use). */
  installationId?: number;
  /** Default Organization. */
  ownerType?: 'User' | 'Organization';
}

export interface RepoInfo {
  id: number;
  fullName: string;
  installationId: number;
  /** `http://127.0.0.1:PORT/owner/name.git`. */
  cloneUrl: string;
  defaultBranch: string;
}

export interface PullRequestSeed {
  owner: string;
  repo: string;
  /** Default: the next issue/PR number. */
  number?: number;
  /** The head commit must exist in the repository. */
  head: { ref: string; sha: string };
  /** `sha` defaults to the tip of `ref`. */
  base: { ref: string; sha?: string };
  user: string;
  title?: string;
  body?: string;
  /** Default: whether git merges head into base cleanly. */
  mergeable?: boolean | null;
  /** Default: `clean`, `dirty`, `draft` or `unknown` from `mergeable`. */
  mergeableState?: string;
  state?: 'open' | 'closed';
  merged?: boolean;
  draft?: boolean;
  labels?: string[];
}

export interface PullRequestChanges {
  head?: { sha: string; ref?: string };
  base?: { ref?: string; sha?: string };
  state?: 'open' | 'closed';
  merged?: boolean;
  mergeCommitSha?: string;
  mergeable?: boolean | null;
  mergeableState?: string;
  title?: string;
  body?: string;
  draft?: boolean;
  labels?: string[];
}

export interface ReviewSeed {
  owner: string;
  repo: string;
  number: number;
  user: string;
  state: ReviewState;
  body?: string;
  /** Default: the pull request's current head. */
  commitId?: string;
}

export interface CommentSeed {
  owner: string;
  repo: string;
  /** Issue or pull request number. */
  issue: number;
  user: string;
  body: string;
}

export interface IssueSeed {
  owner: string;
  repo: string;
  title: string;
  user: string;
  body?: string;
  labels?: string[];
  state?: 'open' | 'closed';
}

type Json = Record<string, unknown>;

export interface GitHubStandin {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `${url}/api/v3` (Octokit `baseUrl`). */
  readonly apiUrl: string;
  /** `127.0.0.1:PORT` (Probot `GHE_HOST`, with `GHE_PROTOCOL=http`). */
  readonly gheHost: string;
  readonly appId: number;
  readonly appSlug: string;
  /** `<slug>[bot]`: the author of everything the App writes. */
  readonly botLogin: string;
  /** The App's private key (PEM): what bosun is configured with. */
  readonly privateKey: string;
  close(): Promise<void>;

  addRepo(seed: RepoSeed): Promise<RepoInfo>;
  setPermission(owner: string, repo: string, user: string, level: Permission): void;
  addPullRequest(seed: PullRequestSeed): Promise<Json>;
  /** A push to the PR branch (`head.sha`), a merge, a close…; also moves `refs/pull/N/head`. */
  updatePullRequest(owner: string, repo: string, number: number, changes: PullRequestChanges): Promise<Json>;
  addReview(seed: ReviewSeed): Json;
  /** A comment by a person (a ChatOps command, say), as `GET /issues/comments/{id}` would show it. */
  addComment(seed: CommentSeed): Json;
  addIssue(seed: IssueSeed): Json;

  /** An installation token minted directly (the REST flow needs the App JWT first). */
  mintToken(installationId: number): string;
  /** An App JWT signed with the App's key. */
  appJwt(): string;
  simulateRateLimit(opts: { requests: number; retryAfter: number }): void;
  /**
   * Seeded server faults for a while (faults.ts): `percent` of API requests answered 502/503, some
   * content-creating ones with the secondary rate limit (403 + retry-after); a faulted request has no
   * effect, except the `appliedShare` of faulted writes, carried out before the 502/503 is answered.
   * A new call replaces the running mode; `durationMs: 0` ends it.
   */
  simulateFaults(mode: FaultMode): void;
  /** What the fault mode did: requests seen while it was on, faults answered by status. */
  faultCounts(): FaultCounts;
  /**
   * Arms a one-off failure (faults.ts): the next `times` API requests matching `method`, `path` and `body`
   * (regular expressions on the path and the raw JSON body) are answered 502 or 503 and have no effect
   * (with `applied`: are carried out, then answered 502 or 503).
   */
  failNext(fault: OneOffFault): void;
  /** One-off failures armed with `failNext` and not yet used up. */
  armedFaults(): number;

  comments(owner: string, repo: string, issue: number): Json[];
  checkRuns(owner: string, repo: string, sha?: string): Json[];
  annotations(checkRunId: number): Json[];
  /**
   * Apps registered through the manifest form, oldest first: the manifest as posted, and once the code
   * was exchanged, the webhook secret GitHub generated (the App's id and key are the stand-in's own).
   */
  appRegistrations(): Array<{ code: string; manifest: Json; org?: string; state?: string; webhookSecret?: string }>;
  reactions(commentId: number): Json[];
  deployments(owner: string, repo: string): Json[];
  deploymentStatuses(deploymentId: number): Json[];
  issues(owner: string, repo: string, opts?: { state?: 'open' | 'closed' | 'all'; labels?: string[] }): Json[];
  pullRequest(owner: string, repo: string, number: number): Promise<Json>;
  git(owner: string, repo: string): GitCounts;
  readonly requests: readonly RequestRecord[];
  /** Requests refused for not matching GitHub's description, answers not matching it, and 501 gaps. */
  problems(): RequestRecord[];

  webhook(event: string, payload: unknown, opts: DeliveryOptions): Promise<Delivery>;
  readonly deliveries: readonly Delivery[];
  /**
   * The App's webhook delivery log as `GET /app/hook/deliveries` shows it, newest first: every attempt
   * `webhook()` made and every redelivery (`POST /app/hook/deliveries/{id}/attempts`, same `guid`,
   * `redelivery: true`).
   */
  hookDeliveries(): Json[];
  /** Resolves once every redelivery accepted so far has been sent and logged. */
  redeliveriesSettled(): Promise<void>;
  /** GitHub's example payload for `event`/`action` with the overrides deep-merged in order. */
  examplePayload(event: string, action?: string, ...overrides: Json[]): Json;
  /** `repository`, `installation` (and `organization`) payload fields for a seeded repository. */
  repoPayload(owner: string, repo: string): Json;
  /** The `pull_request` payload field (the REST shape) for a seeded pull request. */
  pullPayload(owner: string, repo: string, number: number): Promise<Json>;
  /** The `issue` payload field (with `pull_request` for PRs). */
  issuePayload(owner: string, repo: string, number: number): Json;
  /** `ref`, `before`, `after`, `commits` and `head_commit` (from git) of a push event. */
  pushPayload(owner: string, repo: string, push: PushSpec): Promise<Json>;
  /** The `check_run` payload field (REST shape with its check suite spelled out). */
  checkRunPayload(checkRunId: number): Json;
}
