import type { IncomingMessage, ServerResponse } from 'node:http';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createEnvStatusStore, jobKinds, queueNames } from '../jobs.ts';
import type { LockManager } from '../locks/index.ts';
import { authChallenge, checkAuthorization } from './auth.ts';
import { collectDashboard, type DashboardSources } from './collect.ts';
import { githubLinks } from './links.ts';
import { escapeHtml, renderDashboard } from './render.ts';
import { queuesBoard } from './queues-board.ts';

export interface DashboardOptions {
  /** BOSUN_DASHBOARD_TOKEN. */
  token: string;
  /** The server's Redis client (shared: the dashboard does not close it). */
  redis: Redis;
  /** Redis key prefix of queues, job state and locks. */
  prefix: string;
  locks: LockManager;
  /** GitHub's API base URL; links go to the matching web host. */
  githubBaseUrl: string;
  /** Default `/dashboard`. */
  basePath?: string;
  /** The page reloads itself this often. Default 30 s; 0: never. */
  refreshSeconds?: number;
  /** Jobs listed. Default 50. */
  jobs?: number;
}

export interface Dashboard {
  readonly basePath: string;
  /** Answers the request when it is for the dashboard; false when it is not (the server goes on). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

// The dashboard page loads nothing and runs no script; bull-board loads its own scripts and styles from
// its mount and nothing else (its template asks for a web font from a CDN: refused here instead of
// hanging on a closed network).
const pageCsp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const boardCsp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const commonHeaders = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The status dashboard under `/dashboard`: the page, its data as JSON (`/dashboard/api/status`) and
 * bull-board (`/dashboard/queues`), all behind BOSUN_DASHBOARD_TOKEN. Mounted by the server only when
 * a token is configured; without one these paths are not found, like any other.
 */
export function createDashboard(opts: DashboardOptions): Dashboard {
  const base = (opts.basePath ?? '/dashboard').replace(/\/+$/, '');
  const queuesPath = `${base}/queues`;
  const queues = jobKinds.map((kind) => new Queue(queueNames[kind], { connection: opts.redis, prefix: opts.prefix }));
  for (const queue of queues) queue.on('error', () => undefined);
  const sources: DashboardSources = {
    status: createEnvStatusStore(opts.redis, opts.prefix),
    locks: opts.locks,
    redis: opts.redis,
    prefix: opts.prefix,
    queues,
    links: githubLinks(opts.githubBaseUrl),
  };
  const board = queuesBoard(queues, queuesPath);
  const refreshSeconds = opts.refreshSeconds ?? 30;

  const send = (res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}) => {
    res.writeHead(status, { ...commonHeaders, 'content-type': type, ...extra });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };

  const refuse = (res: ServerResponse, wrong: boolean) => {
    const why = wrong
      ? 'The credentials sent were not accepted.'
      : 'This page needs the dashboard token.';
    send(res, 401, 'text/html; charset=utf-8', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bosun: sign in</title></head><body style="font-family:system-ui,sans-serif;margin:2rem">
<h1>401: sign in to the bosun dashboard</h1><p>${escapeHtml(why)}</p>
<p>Sign in with any user name and the dashboard token (<code>BOSUN_DASHBOARD_TOKEN</code>) as the password, or send <code>Authorization: Bearer &lt;token&gt;</code>.</p></body></html>\n`, { 'www-authenticate': authChallenge, 'content-security-policy': pageCsp });
  };

  const unavailable = (res: ServerResponse, json: boolean) => {
    // Almost always Redis being away; the details are in /readyz and the log, not on this page.
    const message = 'the dashboard could not read bosun\'s state from Redis; try again shortly (see /readyz)';
    if (json) send(res, 503, 'application/json', JSON.stringify({ message }));
    else send(res, 503, 'text/html; charset=utf-8', `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bosun dashboard</title></head><body><h1>503</h1><p>${escapeHtml(message)}</p></body></html>\n`, { 'content-security-policy': pageCsp });
  };

  return {
    basePath: base,
    async handle(req, res) {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== base && !path.startsWith(`${base}/`)) return false;
      const verdict = checkAuthorization(req.headers.authorization, opts.token);
      if (verdict !== 'ok') {
        refuse(res, verdict === 'wrong');
        return true;
      }
      if (path === queuesPath || path.startsWith(`${queuesPath}/`)) {
        res.setHeader('content-security-policy', boardCsp);
        for (const [name, value] of Object.entries(commonHeaders)) res.setHeader(name, value);
        board(req, res);
        return true;
      }
      const isPage = path === base || path === `${base}/`;
      const isApi = path === `${base}/api/status`;
      if (!isPage && !isApi) {
        send(res, 404, 'application/json', JSON.stringify({ message: 'Not Found' }));
        return true;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        send(res, 405, 'application/json', JSON.stringify({ message: 'Method Not Allowed' }), { allow: 'GET, HEAD' });
        return true;
      }
      let data;
      try {
        data = await collectDashboard(sources, { ...(opts.jobs ? { jobs: opts.jobs } : {}) });
      } catch {
        unavailable(res, isApi);
        return true;
      }
      if (isApi) send(res, 200, 'application/json', JSON.stringify(data));
      else send(res, 200, 'text/html; charset=utf-8', renderDashboard(data, { basePath: base, refreshSeconds }), { 'content-security-policy': pageCsp });
      return true;
    },
    async close() {
      await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    },
  };
}
