// The App's own endpoints (JWT) and the installation's view of its repositories (token).
import { mintInstallationToken } from '../../auth/credentials.ts';
import { presentRepo } from '../../present/repos.ts';
import { presentApp, presentInstallation } from '../../present/users.ts';
import type { InstallationRecord, RepoRecord } from '../../state/records.ts';
import type { Store } from '../../state/store.ts';
import { timestamp } from '../../state/store.ts';
import { paginate } from '../pagination.ts';
import { ApiError, notFound, ok, type Handlers, type OpContext } from '../types.ts';

export function installationRepos(store: Store, installationId: number): RepoRecord[] {
  return [...store.repos.values()].filter((r) => r.installationId === installationId);
}

function installation(ctx: OpContext): InstallationRecord {
  const inst = ctx.site.store.installations.get(Number(ctx.params.installation_id));
  if (!inst) throw notFound();
  return inst;
}

function installationOfAccount(ctx: OpContext, account: string): InstallationRecord {
  const inst = [...ctx.site.store.installations.values()].find((i) => i.account.toLowerCase() === account.toLowerCase());
  if (!inst) throw notFound();
  return inst;
}

export const appHandlers: Handlers = {
  'apps/get-authenticated': { auth: 'app', handle: (ctx) => ok(presentApp(ctx.site)) },

  'apps/list-installations': {
    auth: 'app',
    handle: (ctx) => {
      const page = paginate(ctx, [...ctx.site.store.installations.values()]);
      return ok(page.items.map((i) => presentInstallation(ctx.site, i)), 200, page.headers);
    },
  },

  'apps/get-installation': { auth: 'app', handle: (ctx) => ok(presentInstallation(ctx.site, installation(ctx))) },

  'apps/get-repo-installation': {
    auth: 'app',
    handle: (ctx) => {
      const repo = ctx.site.store.repo(String(ctx.params.owner), String(ctx.params.repo));
      const inst = repo && ctx.site.store.installations.get(repo.installationId);
      if (!inst) throw notFound();
      return ok(presentInstallation(ctx.site, inst));
    },
  },

  'apps/get-org-installation': { auth: 'app', handle: (ctx) => ok(presentInstallation(ctx.site, installationOfAccount(ctx, String(ctx.params.org)))) },

  'apps/get-user-installation': { auth: 'app', handle: (ctx) => ok(presentInstallation(ctx.site, installationOfAccount(ctx, String(ctx.params.username)))) },

  'apps/create-installation-access-token': {
    auth: 'app',
    handle: (ctx) => {
      const inst = installation(ctx);
      const all = installationRepos(ctx.site.store, inst.id);
      const names = (ctx.body.repositories as string[] | undefined) ?? [];
      const ids = (ctx.body.repository_ids as number[] | undefined) ?? [];
      let limited: RepoRecord[] | undefined;
      if (names.length > 0 || ids.length > 0) {
        limited = [];
        for (const name of names) {
          const repo = all.find((r) => r.name.toLowerCase() === name.toLowerCase());
          if (!repo) throw new ApiError(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
          limited.push(repo);
        }
        for (const id of ids) {
          const repo = all.find((r) => r.id === id);
          if (!repo) throw new ApiError(422, 'There is at least one repository that does not exist or is not accessible to the parent installation.');
          limited.push(repo);
        }
      }
      const minted = mintInstallationToken(ctx.site.store, inst.id, limited && new Set(limited.map((r) => r.key)), ctx.now);
      const body: Record<string, unknown> = {
        token: minted.token,
        expires_at: timestamp(minted.expiresAt),
        permissions: (ctx.body.permissions as Record<string, string> | undefined) ?? ctx.site.app.permissions,
        repository_selection: limited ? 'selected' : 'all',
      };
      if (limited) body.repositories = limited.map((r) => presentRepo(ctx.site, r));
      return ok(body, 201);
    },
  },

  'apps/list-repos-accessible-to-installation': {
    auth: 'installation',
    handle: (ctx) => {
      if (ctx.caller.kind !== 'installation') throw notFound();
      const scope = ctx.caller.repos;
      const repos = installationRepos(ctx.site.store, ctx.caller.installationId).filter((r) => !scope || scope.has(r.key));
      const page = paginate(ctx, repos);
      return ok(
        { total_count: repos.length, repository_selection: scope ? 'selected' : 'all', repositories: page.items.map((r) => presentRepo(ctx.site, r)) },
        200,
        page.headers,
      );
    },
  },
};
