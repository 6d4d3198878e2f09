// The repository itself, collaborator permissions and the caller's rate limit.
import { presentRepo } from '../../present/repos.ts';
import { presentUser } from '../../present/users.ts';
import type { Permission } from '../../state/records.ts';
import type { RateLimits } from '../../rate-limit.ts';
import { needRepo, ok, type Handlers } from '../types.ts';

/** The legacy base role GitHub reports in `permission` next to the precise `role_name`. */
const baseRole: Record<Permission, string> = { admin: 'admin', maintain: 'write', write: 'write', triage: 'read', read: 'read', none: 'none' };

export function repoHandlers(limits: RateLimits): Handlers {
  return {
    'repos/get': { auth: 'installation', handle: (ctx) => ok(presentRepo(ctx.site, needRepo(ctx), { full: true })) },

    'repos/get-collaborator-permission-level': {
      auth: 'installation',
      handle: (ctx) => {
        const repo = needRepo(ctx);
        const login = String(ctx.params.username);
        const owner = repo.ownerType === 'User' && login.toLowerCase() === repo.owner.toLowerCase();
        const level: Permission = owner ? 'admin' : (repo.permissions.get(login.toLowerCase()) ?? 'none');
        const rank = ['none', 'read', 'triage', 'write', 'maintain', 'admin'].indexOf(level);
        const user = {
          ...presentUser(ctx.site, login),
          permissions: { admin: rank >= 5, maintain: rank >= 4, push: rank >= 3, triage: rank >= 2, pull: rank >= 1 },
          role_name: level,
        };
        return ok({ permission: baseRole[level], role_name: level, user });
      },
    },

    'rate-limit/get': {
      auth: 'any',
      handle: (ctx) => {
        const core = limits.core(ctx.caller, ctx.now);
        const idle = { limit: core.limit, remaining: core.limit, reset: core.reset, used: 0 };
        return ok({
          resources: { core, search: { ...idle, limit: 30, remaining: 30 }, graphql: idle, integration_manifest: idle },
          rate: core,
        });
      },
    },
  };
}
