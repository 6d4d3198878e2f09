import type { ValidationFinding } from '../model/validation.ts';
import { call } from './call.ts';
import { annotationsFromFindings, batches, fitOutput, normalizeAnnotation, type CheckAnnotation } from './check-output.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { GitHubError } from './errors.ts';

export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

/** A button on the check run; clicking it sends `check_run.requested_action` with the identifier. */
export interface CheckAction {
  label: string;
  description: string;
  identifier: string;
}

export interface CheckRunRef {
  id: number;
  nodeId: string;
  url: string;
}

export interface CheckRunInfo extends CheckRunRef {
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  externalId: string | null;
  /** The output's title and summary as last set (null before any output). */
  title: string | null;
  summary: string | null;
}

interface CheckRunData {
  id: number;
  node_id: string;
  html_url: string | null;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  output?: { title?: string | null; summary?: string | null } | null;
}

export interface CreateCheckRunArgs extends RepoRef {
  name: string;
  headSha: string;
  status?: 'queued' | 'in_progress';
  /** bosun's own id for the run (e.g. plan job id), echoed back in check_run webhooks. */
  externalId?: string;
  detailsUrl?: string;
  /** An initial progress message ("Rendering 3 environments…"). */
  title?: string;
  summary?: string;
}

export async function createCheckRun(gh: GitHubClient, args: CreateCheckRunArgs): Promise<CheckRunRef> {
  const params: Record<string, unknown> = {
    owner: args.owner,
    repo: args.repo,
    name: args.name,
    head_sha: args.headSha,
    status: args.status ?? 'in_progress',
  };
  if (params.status === 'in_progress') params.started_at = new Date().toISOString();
  if (args.externalId !== undefined) params.external_id = args.externalId;
  if (args.detailsUrl !== undefined) params.details_url = args.detailsUrl;
  if (args.title !== undefined || args.summary !== undefined) {
    params.output = { title: args.title ?? args.name, summary: fitOutput(args.summary ?? '').text };
  }
  const res = await call(gh, `creating check run "${args.name}"`, 'POST /repos/{owner}/{repo}/check-runs', params);
  return ref(res.data as CheckRunData);
}

export interface UpdateCheckRunArgs extends RepoRef {
  checkRunId: number;
  title: string;
  summary: string;
  text?: string;
  status?: 'queued' | 'in_progress';
  /** Replaces the run's external id (e.g. once the deployment it reports on exists). */
  externalId?: string;
}

/** A progress update on a running check ("validated 2 of 5 environments"). */
export async function updateCheckRun(gh: GitHubClient, args: UpdateCheckRunArgs): Promise<CheckRunRef> {
  const output: Record<string, unknown> = { title: args.title, summary: fitOutput(args.summary).text };
  if (args.text !== undefined) output.text = fitOutput(args.text).text;
  const params: Record<string, unknown> = { owner: args.owner, repo: args.repo, check_run_id: args.checkRunId, output };
  if (args.status !== undefined) params.status = args.status;
  if (args.externalId !== undefined) params.external_id = args.externalId;
  const res = await call(gh, `updating check run ${args.checkRunId}`, 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}', params);
  return ref(res.data as CheckRunData);
}

export interface CompleteCheckRunArgs extends RepoRef {
  checkRunId: number;
  conclusion: CheckConclusion;
  title: string;
  summary: string;
  text?: string;
  /** Annotations as GitHub takes them, or validation findings to map (findings without a file are skipped and counted). */
  annotations?: ReadonlyArray<CheckAnnotation | ValidationFinding>;
  actions?: CheckAction[];
  detailsUrl?: string;
}

export interface CompleteCheckRunResult extends CheckRunRef {
  /** Annotations sent, and in how many requests (completion included). */
  annotationsSent: number;
  /** Annotations left out past the cap (maxAnnotations); the summary says how many. */
  notAnnotated: number;
  requests: number;
  /** Findings that had no file, so no annotation. */
  unplaced: ValidationFinding[];
  /** Characters of summary / text that did not fit and were replaced by a note. */
  omitted: { summary: number; text: number };
}

/** Annotations bosun adds to one check run at most: ten requests of GitHub's 50. */
export const maxAnnotations = 500;

/**
 * Completes a check run with its conclusion, output and the first 50 annotations, then appends the
 * rest in follow-up updates of 50 (GitHub appends annotations across updates). Summary and text over
 * 65,535 characters are cut with a note that says how much is not shown.
 */
export async function completeCheckRun(gh: GitHubClient, args: CompleteCheckRunArgs): Promise<CompleteCheckRunResult> {
  const actions = checkActions(args.actions ?? []);
  const split = splitAnnotations(args.annotations ?? []);
  const { unplaced } = split;
  // Each 50 annotations cost a request (and count against GitHub's secondary limits); past a few
  // hundred nobody reads them one by one, and the report lists every finding anyway.
  const annotations = split.annotations.slice(0, maxAnnotations);
  const notAnnotated = split.annotations.length - annotations.length;
  const summary = fitOutput(notAnnotated > 0
    ? `${args.summary}\n\n${notAnnotated} more finding(s) are not annotated on the files (bosun annotates at most ${maxAnnotations} per check run); the report lists them all.`
    : args.summary);
  const text = args.text !== undefined ? fitOutput(args.text) : undefined;
  const output = (batch: CheckAnnotation[]): Record<string, unknown> => {
    const o: Record<string, unknown> = { title: args.title, summary: summary.text };
    // Sent with every update: an update without `text` is not guaranteed to keep the earlier one.
    if (text) o.text = text.text;
    if (batch.length > 0) o.annotations = batch;
    return o;
  };
  const [first = [], ...more] = batches(annotations);
  const params: Record<string, unknown> = {
    owner: args.owner,
    repo: args.repo,
    check_run_id: args.checkRunId,
    status: 'completed',
    conclusion: args.conclusion,
    completed_at: new Date().toISOString(),
    output: output(first),
  };
  if (actions.length > 0) params.actions = actions;
  if (args.detailsUrl !== undefined) params.details_url = args.detailsUrl;
  const route = 'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}';
  const res = await call(gh, `completing check run ${args.checkRunId}`, route, params);
  let requests = 1;
  let sent = first.length;
  for (const batch of more) {
    await call(gh, `adding annotations ${sent + 1}–${sent + batch.length} of ${annotations.length} to check run ${args.checkRunId}`, route, {
      owner: args.owner,
      repo: args.repo,
      check_run_id: args.checkRunId,
      output: output(batch),
    });
    requests++;
    sent += batch.length;
  }
  return {
    ...ref(res.data as CheckRunData),
    annotationsSent: sent,
    notAnnotated,
    requests,
    unplaced,
    omitted: { summary: summary.omitted, text: text?.omitted ?? 0 },
  };
}

/** The latest check run called `name` on a commit (optionally only the given App's), if any. */
export async function findCheckRun(gh: GitHubClient, owner: string, repo: string, sha: string, name: string, opts: { appId?: number } = {}): Promise<CheckRunInfo | undefined> {
  const runs = await listCheckRuns(gh, owner, repo, sha, name, { ...opts, filter: 'latest' });
  return runs.length === 0 ? undefined : runs.reduce((a, b) => (b.id > a.id ? b : a));
}

/**
 * The check runs called `name` on a commit, or every check run on it when `name` is undefined (optionally
 * only the given App's): GitHub's `latest` filter keeps the newest per name, `all` every one (a job looking
 * for the run it created itself, not the newest). Page by page, 100 at a time.
 */
export async function listCheckRuns(gh: GitHubClient, owner: string, repo: string, sha: string, name: string | undefined, opts: { appId?: number; filter: 'latest' | 'all' }): Promise<CheckRunInfo[]> {
  const out: CheckRunInfo[] = [];
  for (let page = 1; ; page++) {
    const params: Record<string, unknown> = { owner, repo, ref: sha, filter: opts.filter, per_page: 100, page };
    if (name !== undefined) params.check_name = name;
    if (opts.appId !== undefined) params.app_id = opts.appId;
    const res = await call(gh, `looking up check run${name !== undefined ? ` "${name}"` : 's'} on ${sha.slice(0, 7)}`, 'GET /repos/{owner}/{repo}/commits/{ref}/check-runs', params);
    const runs = (res.data as { check_runs?: CheckRunData[] }).check_runs ?? [];
    for (const r of runs) {
      if (name !== undefined && r.name !== name) continue;
      out.push({
        ...ref(r),
        name: r.name,
        headSha: r.head_sha,
        status: r.status,
        conclusion: r.conclusion,
        externalId: r.external_id,
        title: r.output?.title ?? null,
        summary: r.output?.summary ?? null,
      });
    }
    if (runs.length < 100) return out;
  }
}

function splitAnnotations(items: ReadonlyArray<CheckAnnotation | ValidationFinding>): { annotations: CheckAnnotation[]; unplaced: ValidationFinding[] } {
  const given: CheckAnnotation[] = [];
  const findings: ValidationFinding[] = [];
  for (const item of items) {
    if ('annotation_level' in item) given.push(item);
    else findings.push(item);
  }
  const mapped = annotationsFromFindings(findings);
  return { annotations: [...given, ...mapped.annotations].map(normalizeAnnotation), unplaced: mapped.unplaced };
}

/** GitHub's limits for action buttons, checked here so a bad button names itself instead of a 422. */
function checkActions(actions: CheckAction[]): CheckAction[] {
  if (actions.length > 3) throw new GitHubError({ message: `a check run can have at most 3 actions, got ${actions.length}`, field: 'actions' });
  actions.forEach((a, i) => {
    for (const [field, max] of [['label', 20], ['description', 40], ['identifier', 20]] as const) {
      if (a[field].length === 0 || a[field].length > max) {
        throw new GitHubError({ message: `check run action ${field} "${a[field]}" must be 1–${max} characters`, field: `actions[${i}].${field}` });
      }
    }
  });
  return actions;
}

function ref(data: CheckRunData): CheckRunRef {
  return { id: data.id, nodeId: data.node_id, url: data.html_url ?? '' };
}
