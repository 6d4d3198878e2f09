// Deployments and their statuses: the audit trail of applies. Status descriptions are limited to 140
// characters, as on GitHub. `auto_merge` and `required_contexts` are accepted but not acted on: the
// stand-in never merges the default branch into a deployment ref and has no commit statuses to wait for.
import { resolveCommit } from '../../git/repo-git.ts';
import { presentDeployment, presentDeploymentStatus } from '../../present/deployments.ts';
import type { DeploymentRecord, DeploymentStatusRecord, RepoRecord } from '../../state/records.ts';
import { timestamp } from '../../state/store.ts';
import { paginate } from '../pagination.ts';
import { ApiError, needRepo, notFound, ok, validationFailed, type Handlers, type OpContext } from '../types.ts';
import { actor } from './issues.ts';

export const maxStatusDescription = 140;

function deployment(ctx: OpContext, repo: RepoRecord): DeploymentRecord {
  const d = ctx.site.store.deployments.get(Number(ctx.params.deployment_id));
  if (!d || d.repo !== repo.key) throw notFound();
  return d;
}

function payloadOf(value: unknown): Record<string, unknown> | string {
  if (typeof value !== 'string') return (value as Record<string, unknown> | undefined) ?? {};
  if (value === '') return {};
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : value;
  } catch {
    return value;
  }
}

function latestStatus(ctx: OpContext, deploymentId: number): DeploymentStatusRecord | undefined {
  return ctx.site.store.statuses.filter((s) => s.deploymentId === deploymentId).at(-1);
}

export const deploymentHandlers: Handlers = {
  'repos/create-deployment': {
    auth: 'installation',
    handle: async (ctx) => {
      const repo = needRepo(ctx);
      const b = ctx.body;
      const ref = String(b.ref);
      const sha = await resolveCommit(repo.gitDir, ref);
      if (!sha) throw new ApiError(422, `No ref found for: ${ref}`);
      const environment = typeof b.environment === 'string' ? b.environment : 'production';
      const now = timestamp(ctx.now);
      const d: DeploymentRecord = {
        id: ctx.site.store.nextId('deployment'),
        repo: repo.key,
        sha,
        ref,
        task: typeof b.task === 'string' ? b.task : 'deploy',
        payload: payloadOf(b.payload),
        environment,
        originalEnvironment: environment,
        description: typeof b.description === 'string' ? b.description : null,
        creator: actor(ctx),
        transient: b.transient_environment === true,
        production: typeof b.production_environment === 'boolean' ? b.production_environment : environment === 'production',
        createdAt: now,
        updatedAt: now,
      };
      ctx.site.store.deployments.set(d.id, d);
      return ok(presentDeployment(ctx.site, repo, d), 201);
    },
  },

  'repos/list-deployments': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const q = ctx.query;
      const list = [...ctx.site.store.deployments.values()]
        .filter((d) => d.repo === repo.key)
        .filter((d) => q.sha === undefined || d.sha === String(q.sha))
        .filter((d) => q.ref === undefined || d.ref === String(q.ref))
        .filter((d) => q.task === undefined || d.task === String(q.task))
        .filter((d) => q.environment === undefined || d.environment === String(q.environment))
        .sort((a, b) => b.id - a.id);
      const page = paginate(ctx, list);
      return ok(page.items.map((d) => presentDeployment(ctx.site, repo, d)), 200, page.headers);
    },
  },

  'repos/get-deployment': { auth: 'installation', handle: (ctx) => ok(presentDeployment(ctx.site, needRepo(ctx), deployment(ctx, needRepo(ctx)))) },

  'repos/create-deployment-status': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const d = deployment(ctx, repo);
      const b = ctx.body;
      const description = typeof b.description === 'string' ? b.description : '';
      if (description.length > maxStatusDescription) {
        throw validationFailed('DeploymentStatus', 'description', 'custom', `description is too long (maximum is ${maxStatusDescription} characters)`);
      }
      const now = timestamp(ctx.now);
      if (typeof b.environment === 'string' && b.environment !== '') {
        d.environment = b.environment;
        d.updatedAt = now;
      }
      const targetUrl = typeof b.target_url === 'string' ? b.target_url : '';
      const s: DeploymentStatusRecord = {
        id: ctx.site.store.nextId('status'),
        deploymentId: d.id,
        state: String(b.state),
        description,
        environment: d.environment,
        targetUrl,
        logUrl: typeof b.log_url === 'string' ? b.log_url : targetUrl,
        environmentUrl: typeof b.environment_url === 'string' ? b.environment_url : '',
        creator: actor(ctx),
        createdAt: now,
      };
      if (s.state === 'success' && b.auto_inactive !== false) {
        // GitHub marks earlier successful, non-transient, non-production deployments to the same
        // environment inactive.
        for (const other of ctx.site.store.deployments.values()) {
          if (other.id === d.id || other.repo !== repo.key || other.environment !== d.environment || other.transient || other.production) continue;
          if (latestStatus(ctx, other.id)?.state !== 'success') continue;
          ctx.site.store.statuses.push({ ...s, id: ctx.site.store.nextId('status'), deploymentId: other.id, state: 'inactive', description: '', environment: other.environment });
        }
      }
      ctx.site.store.statuses.push(s);
      d.updatedAt = now;
      return ok(presentDeploymentStatus(ctx.site, repo, s), 201);
    },
  },

  'repos/list-deployment-statuses': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const d = deployment(ctx, repo);
      const page = paginate(ctx, ctx.site.store.statuses.filter((s) => s.deploymentId === d.id).reverse());
      return ok(page.items.map((s) => presentDeploymentStatus(ctx.site, repo, s)), 200, page.headers);
    },
  },

  'repos/get-deployment-status': {
    auth: 'installation',
    handle: (ctx) => {
      const repo = needRepo(ctx);
      const d = deployment(ctx, repo);
      const s = ctx.site.store.statuses.find((x) => x.deploymentId === d.id && x.id === Number(ctx.params.status_id));
      if (!s) throw notFound();
      return ok(presentDeploymentStatus(ctx.site, repo, s));
    },
  },
};
