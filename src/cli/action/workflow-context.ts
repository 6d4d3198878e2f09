/**
 * What a GitHub Actions job tells a step, read from the environment the runner sets
 * (GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_API_URL, …) and from the action's inputs, which
 * action.yml passes as BOSUN_ACTION_* variables (a composite action's inputs are not in the
 * environment by themselves).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BosunError } from '../../model/errors.ts';

/** The action's inputs as environment variables: action.yml sets exactly these (a test checks it). */
export const actionInputEnv = {
  'github-token': 'GITHUB_TOKEN',
  comment: 'BOSUN_ACTION_COMMENT',
  'check-runs': 'BOSUN_ACTION_CHECK_RUNS',
  'comment-author': 'BOSUN_ACTION_COMMENT_AUTHOR',
  'working-directory': 'BOSUN_ACTION_REPO',
  environments: 'BOSUN_ACTION_ENVIRONMENTS',
} as const;

export interface PullRequestRef {
  number: number;
  baseSha: string;
  baseRef: string;
  headSha: string;
  /** The repository's default branch (`base.repo.default_branch`), which Argo CD's `targetRevision: HEAD` follows. */
  defaultBranch?: string;
}

export interface WorkflowContext {
  owner: string;
  repo: string;
  /** `https://api.github.com` or a GHE `…/api/v3`. */
  apiUrl: string;
  /** `https://github.com` or the GHE host: the repository's URL is `${serverUrl}/${owner}/${repo}`. */
  serverUrl: string;
  token?: string;
  pr: PullRequestRef;
  /** The checkout (GITHUB_WORKSPACE, or the `working-directory` input). */
  repoDir: string;
  /** The job summary file, when the runner offers one. */
  summaryFile?: string;
  /** The step outputs file. */
  outputFile?: string;
  /** This workflow run's page, linked from the check runs. */
  runUrl?: string;
  comment: boolean;
  checkRuns: boolean;
  /** Whose comments count as the sticky one (default: any bot — the workflow token writes as github-actions[bot]). */
  commentAuthor?: string;
  envs?: string[];
}

function flag(value: string | undefined, name: string, fallback: boolean): boolean {
  if (value === undefined || value.trim() === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(value.trim())) return true;
  if (/^(false|no|off|0)$/i.test(value.trim())) return false;
  throw new BosunError({ kind: 'usage', message: `the action input ${name} must be true or false (got "${value}")` });
}

function need(env: NodeJS.ProcessEnv, name: string, why: string): string {
  const value = env[name]?.trim();
  if (!value) throw new BosunError({ kind: 'usage', message: `${name} is not set: ${why}. \`bosun action\` runs inside a GitHub Actions job, which sets it` });
  return value;
}

/** The pull request of a `pull_request` / `pull_request_target` event payload. */
export function pullRequestOf(event: unknown, eventName: string): PullRequestRef {
  const pr = (event as { pull_request?: { number?: unknown; base?: { sha?: unknown; ref?: unknown; repo?: { default_branch?: unknown } }; head?: { sha?: unknown } } } | null)?.pull_request;
  if (!pr) {
    throw new BosunError({ kind: 'usage', message: `bosun action plans pull requests, and this job runs for a ${eventName} event; trigger the workflow \`on: pull_request\`, or run \`bosun plan --base … --head …\` yourself` });
  }
  const { number, base, head } = pr;
  if (typeof number !== 'number' || typeof base?.sha !== 'string' || typeof base.ref !== 'string' || typeof head?.sha !== 'string') {
    throw new BosunError({ kind: 'usage', message: 'the event payload has no pull_request number, base sha and ref, or head sha' });
  }
  const defaultBranch = base.repo?.default_branch;
  return { number, baseSha: base.sha, baseRef: base.ref, headSha: head.sha, ...(typeof defaultBranch === 'string' && defaultBranch ? { defaultBranch } : {}) };
}

export function readWorkflowContext(env: NodeJS.ProcessEnv, cwd: string): WorkflowContext {
  const eventName = need(env, 'GITHUB_EVENT_NAME', 'the event that started the workflow');
  const eventPath = need(env, 'GITHUB_EVENT_PATH', 'the file with the event\'s payload');
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(eventPath, 'utf8'));
  } catch (err) {
    throw new BosunError({ kind: 'usage', message: `GITHUB_EVENT_PATH ${eventPath} cannot be read as JSON (${(err as Error).message})` });
  }
  const fullName = need(env, 'GITHUB_REPOSITORY', 'the repository, as owner/name');
  const [owner, repo, ...rest] = fullName.split('/');
  if (!owner || !repo || rest.length > 0) throw new BosunError({ kind: 'usage', message: `GITHUB_REPOSITORY must be owner/name (got "${fullName}")` });
  const serverUrl = (env.GITHUB_SERVER_URL?.trim() || 'https://github.com').replace(/\/+$/, '');
  const workspace = env[actionInputEnv['working-directory']]?.trim() || env.GITHUB_WORKSPACE?.trim() || cwd;
  const envs = env[actionInputEnv.environments]?.split(/[\s,]+/).filter(Boolean);
  return {
    owner,
    repo,
    apiUrl: (env.GITHUB_API_URL?.trim() || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl,
    ...(env.GITHUB_TOKEN?.trim() ? { token: env.GITHUB_TOKEN.trim() } : {}),
    pr: pullRequestOf(event, eventName),
    repoDir: resolve(env.GITHUB_WORKSPACE?.trim() || cwd, workspace),
    ...(env.GITHUB_STEP_SUMMARY?.trim() ? { summaryFile: env.GITHUB_STEP_SUMMARY.trim() } : {}),
    ...(env.GITHUB_OUTPUT?.trim() ? { outputFile: env.GITHUB_OUTPUT.trim() } : {}),
    ...(env.GITHUB_RUN_ID?.trim() ? { runUrl: `${serverUrl}/${fullName}/actions/runs/${env.GITHUB_RUN_ID.trim()}` } : {}),
    comment: flag(env[actionInputEnv.comment], 'comment', true),
    checkRuns: flag(env[actionInputEnv['check-runs']], 'check-runs', true),
    ...(env[actionInputEnv['comment-author']]?.trim() ? { commentAuthor: env[actionInputEnv['comment-author']]!.trim() } : {}),
    ...(envs && envs.length > 0 ? { envs } : {}),
  };
}
