// Git smart HTTP through the real `git http-backend` (CGI), behind GitHub's rule for Apps: HTTP basic
// auth with user `x-access-token` and an installation token as the password.
import { spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { basicPassword, installationCaller } from '../auth/credentials.ts';
import type { Site } from '../present/site.ts';

/** What clients did with one repository over git. */
export interface GitCounts {
  /** Ref advertisements for fetching: every clone, fetch and ls-remote starts with one. */
  advertisements: number;
  /** upload-pack requests that asked for objects (a clone or a fetch that downloaded something). */
  fetches: number;
  pushes: number;
}

export interface GitRoute {
  owner: string;
  name: string;
  /** The part after `<name>.git`: `/info/refs`, `/git-upload-pack`, `/git-receive-pack`. */
  rest: string;
  query: string;
}

const gitPath = /^\/([^/]+)\/([^/]+?)\.git(\/.*)?$/;

export function matchGitPath(pathname: string, search: string): GitRoute | undefined {
  const m = gitPath.exec(pathname);
  if (!m) return undefined;
  return { owner: decodeURIComponent(m[1]), name: decodeURIComponent(m[2]), rest: m[3] ?? '/', query: search.replace(/^\?/, '') };
}

function refuse(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
  return status;
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Whether an upload-pack request body asks for objects (protocol v2 `command=fetch`, v0 `want`). */
function asksForObjects(body: Buffer, encoding: string | undefined): boolean {
  let text: string;
  try {
    text = (encoding === 'gzip' ? gunzipSync(body) : body).toString('latin1');
  } catch {
    return true;
  }
  return text.includes('command=fetch') || /^[0-9a-f]{4}want /m.test(text);
}

export async function serveGit(site: Site, counts: (repoKey: string) => GitCounts, route: GitRoute, req: IncomingMessage, res: ServerResponse, now: number): Promise<number> {
  const service = new URLSearchParams(route.query).get('service');
  const smart =
    (req.method === 'GET' && route.rest === '/info/refs' && (service === 'git-upload-pack' || service === 'git-receive-pack')) ||
    (req.method === 'POST' && (route.rest === '/git-upload-pack' || route.rest === '/git-receive-pack'));
  if (!smart) return refuse(res, 404, 'Not Found (the stand-in serves git smart HTTP only)');

  const challenge = { 'www-authenticate': 'Basic realm="GitHub"' };
  const credentials = basicPassword(req.headers.authorization);
  if (!credentials) return refuse(res, 401, 'Authentication required: use user x-access-token and an installation token as the password', challenge);
  const caller = credentials.user === 'x-access-token' ? installationCaller(site.store, credentials.password, now) : undefined;
  if (!caller || caller.kind !== 'installation') {
    return refuse(res, 401, 'Invalid username or token. Password authentication is not supported for Git operations.', challenge);
  }
  const repo = site.store.repo(route.owner, route.name);
  if (!repo || repo.installationId !== caller.installationId || (caller.repos && !caller.repos.has(repo.key))) {
    return refuse(res, 404, 'Repository not found.');
  }

  const counter = counts(repo.key);
  let body: Buffer | undefined;
  if (route.rest === '/info/refs' && service === 'git-upload-pack') counter.advertisements++;
  if (route.rest === '/git-upload-pack') {
    body = await readAll(req);
    if (asksForObjects(body, req.headers['content-encoding'])) counter.fetches++;
  }
  if (route.rest === '/git-receive-pack') counter.pushes++;

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_PROJECT_ROOT: dirname(repo.gitDir),
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: `/${basename(repo.gitDir)}${route.rest}`,
    QUERY_STRING: route.query,
    REQUEST_METHOD: req.method ?? 'GET',
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_USER: 'x-access-token',
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    // GitHub lets clients fetch any commit reachable from a ref (a PR head by SHA, say).
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'uploadpack.allowReachableSHA1InWant',
    GIT_CONFIG_VALUE_0: 'true',
  };
  if (req.headers['git-protocol']) env.GIT_PROTOCOL = String(req.headers['git-protocol']);
  if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = String(req.headers['content-encoding']);
  if (body) env.CONTENT_LENGTH = String(body.length);
  else if (req.headers['content-length']) env.CONTENT_LENGTH = String(req.headers['content-length']);

  const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  child.stdin.on('error', () => undefined);
  if (body) child.stdin.end(body);
  else req.pipe(child.stdin);

  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let status = 200;
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
      if (end < 0) return;
      const sep = end === crlf ? 4 : 2;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      started = true;
      const rest = head.subarray(end + sep);
      if (rest.length > 0) res.write(rest);
    });
    child.on('close', (code) => {
      if (!started) {
        status = 500;
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.write(`git http-backend failed (exit ${code}): ${Buffer.concat(stderr).toString('utf8')}`);
      }
      res.end();
      resolve(status);
    });
    child.on('error', (err) => {
      if (!started) {
        status = 500;
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`cannot run git http-backend: ${err.message}`);
        started = true;
      }
      resolve(status);
    });
  });
}
