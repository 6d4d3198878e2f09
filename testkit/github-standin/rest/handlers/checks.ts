// Check runs and suites. Annotations are appended across updates, at most 50 per request (the
// schema's maxItems); output summary and text at most 65,535 characters (maxLength).
import { commitInfo, listRefs, resolveCommit } from '../../git/repo-git.ts';
import { presentAnnotation, presentCheckRun, presentCheckSuite } from '../../present/checks.ts';
import type { AnnotationRecord, CheckRunRecord, CheckSuiteRecord, RepoRecord } from '../../state/records.ts';
import { timestamp } from '../../state/store.ts';
import { paginate } from '../pagination.ts';
import { ApiError, needRepo, notFound, ok, validationFailed, type Handlers, type OpContext } from '../types.ts';

interface OutputInput {
  title?: string;
  summary?: string;
  text?: string;
  annotations?: Array<Partial<AnnotationRecord> & { path: string; start_line: number; end_line: number; message: string; annotation_level: AnnotationRecord['annotation_level'] }>;
}

type ActionInput = Array<{ label: string; description: string; identifier: string }>;

async function commitOf(ctx: OpContext, repo: RepoRecord, ref: string): Promise<string> {
  const sha = await resolveCommit(repo.gitDir, ref);
  if (!sha) throw new ApiError(422, `No commit found for SHA: ${ref}`);
  return sha;
}

function checkActions(actions: ActionInput | undefined): void {
  (actions ?? []).forEach((a, i) => {
    if (typeof a.description !== 'string' || a.description.length > 40) {
      throw validationFailed('CheckRun', `actions[${i}].description`, 'invalid', 'description must be at most 40 characters');
    }
  });
}

function annotationRecords(output: OutputInput | undefined): AnnotationRecord[] {
  return (output?.annotations ?? []).map((a) => ({
    path: a.path,
    start_line: a.start_line,
    end_line: a.end_line,
    start_column: a.start_column ?? null,
    end_column: a.end_column ?? null,
    annotation_level: a.annotation_level,
    title: a.title ?? null,
    message: a.message,
    raw_details: a.raw_details ?? null,
  }));
}

/** A run's conclusion makes it completed; `completed` (or a completion time) needs a conclusion. */
function settle(run: CheckRunRecord, body: Record<string, unknown>, now: number): void {
  if (typeof body.conclusion === 'string') run.status = 'completed';
  if (run.status === 'completed') {
    if (!run.conclusion) throw validationFailed('CheckRun', 'conclusion', 'missing_field', '"conclusion" is required when "status" is "completed"');
    run.completedAt = typeof body.completed_at === 'string' ? body.completed_at : (run.completedAt ?? timestamp(now));
  } else if (typeof body.completed_at === 'string') {
    throw validationFailed('CheckRun', 'conclusion', 'missing_field', '"conclusion" is required when "completed_at" is given');
  }
}

async function suiteFor(ctx: OpContext, repo: RepoRecord, sha: string): Promise<CheckSuiteRecord> {
  const store = ctx.site.store;
  const find = (): CheckSuiteRecord | undefined => [...store.suites.values()].find((s) => s.repo === repo.key && s.headSha === sha);
  const existing = find();
  if (existing) return existing;
  const branch = (await listRefs(repo.gitDir, 'refs/heads/')).find((r) => r.sha === sha)?.ref.slice('refs/heads/'.length) ?? null;
  // Another request for the same commit may have made the suite while git was answering.
  const raced = find();
  if (raced) return raced;
  const now = timestamp(ctx.now);
  const suite: CheckSuiteRecord = { id: store.nextId('suite'), repo: repo.key, headSha: sha, headBranch: branch, createdAt: now, updatedAt: now };
  store.suites.set(suite.id, suite);
  return suite;
}

function run(ctx: OpContext, repo: RepoRecord): CheckRunRecord {
  const r = ctx.site.store.runs.get(Number(ctx.params.check_run_id));
  if (!r || r.repo !== repo.key) throw notFound();
  return r;
}

export const checkHandlers: Handlers = {
  'checks/create': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const b = ctx.body;
      const sha = String(b.head_sha);
      if (!/^[0-9a-f]{40}$/i.test(sha) || (await resolveCommit(repo.gitDir, sha)) !== sha.toLowerCase()) {
        throw new ApiError(422, `No commit found for SHA: ${sha}`);
      }
      checkActions(b.actions as ActionInput | undefined);
      const suite = await suiteFor(ctx, repo, sha.toLowerCase());
      const output = b.output as OutputInput | undefined;
      const r: CheckRunRecord = {
        id: ctx.site.store.nextId('run'),
        repo: repo.key,
        suiteId: suite.id,
        name: String(b.name),
        headSha: sha.toLowerCase(),
        status: typeof b.status === 'string' ? b.status : 'queued',
        conclusion: typeof b.conclusion === 'string' ? b.conclusion : null,
        startedAt: typeof b.started_at === 'string' ? b.started_at : timestamp(ctx.now),
        completedAt: null,
        externalId: typeof b.external_id === 'string' ? b.external_id : '',
        detailsUrl: typeof b.details_url === 'string' ? b.details_url : null,
        output: { title: output?.title ?? null, summary: output?.summary ?? null, text: output?.text ?? null },
        annotations: annotationRecords(output),
        actions: (b.actions as ActionInput | undefined) ?? [],
      };
      settle(r, b, ctx.now);
      ctx.site.store.runs.set(r.id, r);
      suite.updatedAt = timestamp(ctx.now);
      return ok(presentCheckRun(ctx.site, repo, r), 201);
    },
  },

  'checks/update': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const r = run(ctx, repo);
      const b = ctx.body;
      checkActions(b.actions as ActionInput | undefined);
      // Validate fully before changing anything: a refused update leaves the run as it was.
      const next: CheckRunRecord = structuredClone(r);
      if (typeof b.name === 'string') next.name = b.name;
      if (typeof b.details_url === 'string') next.detailsUrl = b.details_url;
      if (typeof b.external_id === 'string') next.externalId = b.external_id;
      if (typeof b.started_at === 'string') next.startedAt = b.started_at;
      if (typeof b.status === 'string') next.status = b.status;
      if (typeof b.status === 'string' && b.status !== 'completed') {
        // Back to queued / in progress (a re-run): the old conclusion no longer holds.
        next.conclusion = null;
        next.completedAt = null;
      }
      if (typeof b.conclusion === 'string') next.conclusion = b.conclusion;
      const output = b.output as OutputInput | undefined;
      if (output) {
        if (output.title !== undefined) next.output.title = output.title;
        if (output.summary !== undefined) next.output.summary = output.summary;
        if (output.text !== undefined) next.output.text = output.text;
        next.annotations.push(...annotationRecords(output));
      }
      if (Array.isArray(b.actions)) next.actions = b.actions as ActionInput;
      settle(next, b, ctx.now);
      Object.assign(r, next);
      const suite = ctx.site.store.suites.get(r.suiteId);
      if (suite) suite.updatedAt = timestamp(ctx.now);
      return ok(presentCheckRun(ctx.site, repo, r));
    },
  },

  'checks/get': { auth: 'installation', handle: (ctx) => ok(presentCheckRun(ctx.site, needRepo(ctx), run(ctx, needRepo(ctx)))) },

  'checks/list-annotations': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const r = run(ctx, repo);
      const page = paginate(ctx, r.annotations);
      return ok(page.items.map((a) => presentAnnotation(ctx.site, repo, r, a)), 200, page.headers);
    },
  },

  'checks/list-for-ref': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const sha = await commitOf(ctx, repo, String(ctx.params.ref));
      const q = ctx.query;
      let runs = [...ctx.site.store.runs.values()]
        .filter((r) => r.repo === repo.key && r.headSha === sha)
        .filter((r) => q.check_name === undefined || r.name === q.check_name)
        .filter((r) => q.status === undefined || r.status === q.status)
        .filter(() => q.app_id === undefined || Number(q.app_id) === ctx.site.app.id)
        .sort((a, b) => b.id - a.id);
      if ((q.filter ?? 'latest') === 'latest') {
        const seen = new Set<string>();
        runs = runs.filter((r) => !seen.has(r.name) && seen.add(r.name));
      }
      const page = paginate(ctx, runs);
      return ok({ total_count: runs.length, check_runs: page.items.map((r) => presentCheckRun(ctx.site, repo, r)) }, 200, page.headers);
    },
  },

  'checks/list-suites-for-ref': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const sha = await commitOf(ctx, repo, String(ctx.params.ref));
      const q = ctx.query;
      const store = ctx.site.store;
      const suites = [...store.suites.values()]
        .filter((s) => s.repo === repo.key && s.headSha === sha)
        .filter(() => q.app_id === undefined || Number(q.app_id) === ctx.site.app.id)
        .filter((s) => q.check_name === undefined || [...store.runs.values()].some((r) => r.suiteId === s.id && r.name === q.check_name));
      const commit = await commitInfo(repo.gitDir, sha);
      if (!commit) throw notFound();
      const page = paginate(ctx, suites);
      return ok({ total_count: suites.length, check_suites: page.items.map((s) => presentCheckSuite(ctx.site, repo, s, commit)) }, 200, page.headers);
    },
  },
};
