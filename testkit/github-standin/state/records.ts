// What the stand-in remembers. Records hold GitHub's facts in plain form; the presenters in
// ../present turn them into the JSON GitHub would answer with.

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';
export const permissions: readonly Permission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];

export interface UserRecord {
  id: number;
  login: string;
  type: 'User' | 'Bot' | 'Organization';
}

export interface RepoRecord {
  id: number;
  /** `owner/name` lower-cased: GitHub names are case-insensitive. */
  key: string;
  owner: string;
  name: string;
  ownerType: 'User' | 'Organization';
  gitDir: string;
  defaultBranch: string;
  installationId: number;
  createdAt: string;
  /** Collaborator permissions by lower-case login. */
  permissions: Map<string, Permission>;
  /** Issues and pull requests share one number sequence per repository. */
  lastNumber: number;
}

export interface InstallationRecord {
  id: number;
  account: string;
  accountType: 'User' | 'Organization';
  createdAt: string;
}

export interface TokenRecord {
  installationId: number;
  /** Repository keys the token is limited to; undefined = all of the installation's. */
  repos?: Set<string>;
  expiresAt: number;
}

export interface IssueRecord {
  id: number;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  stateReason: 'completed' | 'not_planned' | 'reopened' | 'duplicate' | null;
  labels: string[];
  assignees: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface PullRecord {
  id: number;
  /** The id of the issue every pull request also is. */
  issueId: number;
  repo: string;
  number: number;
  title: string;
  body: string | null;
  user: string;
  state: 'open' | 'closed';
  draft: boolean;
  merged: boolean;
  mergedAt: string | null;
  mergeCommitSha: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  mergeable: boolean | null;
  mergeableState: string;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface ReviewRecord {
  id: number;
  repo: string;
  pull: number;
  user: string;
  state: ReviewState;
  body: string;
  commitId: string;
  submittedAt: string;
}

export type MinimizeClassifier = 'SPAM' | 'ABUSE' | 'OFF_TOPIC' | 'OUTDATED' | 'DUPLICATE' | 'RESOLVED';

export interface CommentRecord {
  id: number;
  repo: string;
  issue: number;
  body: string;
  user: string;
  /** Written with an installation token (shows `performed_via_github_app`). */
  viaApp: boolean;
  createdAt: string;
  updatedAt: string;
  minimized: MinimizeClassifier | null;
}

export interface ReactionRecord {
  id: number;
  commentId: number;
  user: string;
  content: string;
  createdAt: string;
}

export interface CheckSuiteRecord {
  id: number;
  repo: string;
  headSha: string;
  headBranch: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AnnotationRecord {
  path: string;
  start_line: number;
  end_line: number;
  start_column: number | null;
  end_column: number | null;
  annotation_level: 'notice' | 'warning' | 'failure';
  title: string | null;
  message: string;
  raw_details: string | null;
}

export interface CheckRunRecord {
  id: number;
  repo: string;
  suiteId: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  startedAt: string | null;
  completedAt: string | null;
  externalId: string;
  detailsUrl: string | null;
  output: { title: string | null; summary: string | null; text: string | null };
  annotations: AnnotationRecord[];
  actions: Array<{ label: string; description: string; identifier: string }>;
}

export interface DeploymentRecord {
  id: number;
  repo: string;
  sha: string;
  ref: string;
  task: string;
  payload: Record<string, unknown> | string;
  environment: string;
  originalEnvironment: string;
  description: string | null;
  creator: string;
  transient: boolean;
  production: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DeploymentStatusRecord {
  id: number;
  deploymentId: number;
  state: string;
  description: string;
  environment: string;
  targetUrl: string;
  logUrl: string;
  environmentUrl: string;
  creator: string;
  createdAt: string;
}

/** A GitHub App registered from a manifest (the form at /settings/apps/new), until its code is exchanged. */
export interface ManifestRegistrationRecord {
  /** The temporary code GitHub hands the browser; it works once, for an hour. */
  code: string;
  manifest: Record<string, unknown>;
  /** The organization the App is registered under; undefined: the signed-in user's own account. */
  org?: string;
  /** The `state` the form was posted with, passed back on the redirect. */
  state?: string;
  createdAt: number;
  /** Filled by the conversion: the secrets GitHub generated (a code is exchanged once). */
  converted?: { webhookSecret: string; clientSecret: string };
}
