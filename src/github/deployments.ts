import { scrub } from '../util/scrub.ts';
import { call } from './call.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { GitHubError } from './errors.ts';

/** GitHub's limit for a deployment status description. */
export const maxDeploymentDescription = 140;

export type DeploymentState = 'error' | 'failure' | 'inactive' | 'in_progress' | 'queued' | 'pending' | 'success';

export interface CreateDeploymentArgs extends RepoRef {
  /** Commit SHA (or ref) being deployed. */
  ref: string;
  environment: string;
  description?: string;
  /** The environment goes away later (a preview); GitHub marks it so. */
  transient?: boolean;
  production?: boolean;
  /**
   * bosun's ids for the audit trail (job id, plan hash, PR). Anyone with read access sees it, so only
   * ids: values that look like secrets are refused.
   */
  payload?: Record<string, string | number | boolean | null>;
}

/**
 * A GitHub Deployment as the audit trail of one apply. Never merges the base branch in (auto_merge
 * false) and never waits for other statuses (required_contexts empty): bosun has already decided.
 */
export async function createDeployment(gh: GitHubClient, args: CreateDeploymentArgs): Promise<{ id: number; nodeId: string; url: string }> {
  const payload = checkPayload(args.payload ?? {});
  const params: Record<string, unknown> = {
    owner: args.owner,
    repo: args.repo,
    ref: args.ref,
    task: 'deploy',
    environment: args.environment,
    auto_merge: false,
    required_contexts: [],
    payload,
    transient_environment: args.transient ?? false,
    production_environment: args.production ?? false,
  };
  if (args.description !== undefined) params.description = args.description;
  const res = await call(gh, `creating a deployment of ${args.ref.slice(0, 12)} to ${args.environment}`, 'POST /repos/{owner}/{repo}/deployments', params);
  const data = res.data as { id?: number; node_id?: string; url?: string; message?: string };
  if (res.status !== 201 || typeof data.id !== 'number') {
    throw new GitHubError({ status: res.status, message: `GitHub did not create the deployment to ${args.environment} (HTTP ${res.status}): ${data.message ?? 'no deployment in the response'}` });
  }
  return { id: data.id, nodeId: data.node_id ?? '', url: data.url ?? '' };
}

export interface DeploymentStatusArgs extends RepoRef {
  deploymentId: number;
  state: DeploymentState;
  /** Cut to GitHub's 140 characters. */
  description?: string;
  /** Where the apply's log or check run is. */
  logUrl?: string;
  environmentUrl?: string;
  /** Mark earlier successful deployments to the same environment inactive (GitHub's default: true). */
  autoInactive?: boolean;
}

export async function setDeploymentStatus(gh: GitHubClient, args: DeploymentStatusArgs): Promise<{ id: number }> {
  const params: Record<string, unknown> = { owner: args.owner, repo: args.repo, deployment_id: args.deploymentId, state: args.state };
  if (args.description !== undefined) params.description = truncateDescription(scrub(args.description));
  if (args.logUrl !== undefined) params.log_url = args.logUrl;
  if (args.environmentUrl !== undefined) params.environment_url = args.environmentUrl;
  if (args.autoInactive !== undefined) params.auto_inactive = args.autoInactive;
  const res = await call(gh, `setting deployment ${args.deploymentId} to ${args.state}`, 'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', params);
  return { id: (res.data as { id: number }).id };
}

export function truncateDescription(text: string, max: number = maxDeploymentDescription): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

function checkPayload(payload: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(payload)) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new GitHubError({ message: `deployment payload field "${key}" must be a string, number, boolean or null`, field: `payload.${key}` });
    }
    const pair = `${key}=${String(value)}`;
    if (scrub(pair) !== pair) {
      throw new GitHubError({
        message: `deployment payload field "${key}" looks like a secret; the payload is visible to everyone who can read the repository, so put only ids in it`,
        field: `payload.${key}`,
      });
    }
  }
  return payload;
}

/**
 * The deployment an earlier attempt of the same job created (its payload names the job, and `run` when
 * given: the tag of this queueing of the job), if any, and its latest status: a retried apply continues it
 * instead of leaving it orphaned, and does not give it a second terminal status.
 */
export async function findJobDeployment(gh: GitHubClient, args: RepoRef & { sha: string; environment: string; jobId: string; run?: string }): Promise<{ id: number; hasStatuses: boolean; state?: string } | undefined> {
  const res = await call(gh, `listing the deployments of ${args.sha.slice(0, 12)} to ${args.environment}`, 'GET /repos/{owner}/{repo}/deployments', {
    owner: args.owner, repo: args.repo, sha: args.sha, environment: args.environment, per_page: 100,
  });
  const found = (res.data as Array<{ id: number; payload?: unknown }>).find((d) => {
    const payload = (typeof d.payload === 'string' ? safeJson(d.payload) : d.payload) as { job?: unknown; run?: unknown } | undefined;
    return payload?.job === args.jobId && (args.run === undefined || payload.run === args.run);
  });
  if (!found) return undefined;
  const state = await latestDeploymentState(gh, { owner: args.owner, repo: args.repo, deploymentId: found.id });
  return { id: found.id, hasStatuses: state !== undefined, ...(state !== undefined ? { state } : {}) };
}

/** Whether a deployment has any status yet. */
export async function hasDeploymentStatus(gh: GitHubClient, args: RepoRef & { deploymentId: number }): Promise<boolean> {
  return (await latestDeploymentState(gh, args)) !== undefined;
}

/** The state of a deployment's latest status (GitHub lists them newest first), undefined when it has none. */
export async function latestDeploymentState(gh: GitHubClient, args: RepoRef & { deploymentId: number }): Promise<string | undefined> {
  const res = await call(gh, `listing the statuses of deployment ${args.deploymentId}`, 'GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses', {
    owner: args.owner, repo: args.repo, deployment_id: args.deploymentId, per_page: 1,
  });
  const latest = (res.data as Array<{ state?: unknown }>)[0];
  return typeof latest?.state === 'string' ? latest.state : undefined;
}

/** The states that end a deployment: after one, bosun adds no other. */
export const terminalDeploymentStates: ReadonlySet<string> = new Set(['success', 'failure', 'error', 'inactive']);

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
