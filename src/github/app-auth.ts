/**
 * GitHub access for the workers: an Octokit per installation (Probot's, so GitHub Enterprise and the
 * JWT → installation-token exchange work the same as in the app) and the installation token git needs
 * to fetch. Probot's own throttling and retry plugins are off: a worker must not sleep through a
 * rate limit, src/github's adapters turn it into a `retryAfterMs` the job runtime delays the job by.
 */
import { Probot, ProbotOctokit } from 'probot';
import { withGitHubRetry, type GitHubClient } from './index.ts';

export interface Installation {
  client: GitHubClient;
  /** A fresh-enough installation token, for `git fetch` (never stored in jobs or logs). */
  token(): Promise<string>;
}

export interface GitHubAppAuth {
  appId: number;
  installation(installationId: number): Promise<Installation>;
  /** `<slug>[bot]`: the login the App's comments are written by. */
  botLogin(): Promise<string>;
}

export interface AppAuthOptions {
  appId: number;
  privateKey: string;
  /** `https://api.github.com` or a GHE `…/api/v3`. */
  baseUrl: string;
  /** Told the HTTP status of every GitHub request (metrics); `error` when there was no response. */
  onResponse?: (status: number | string) => void;
}

interface Hookable {
  hook: {
    after(name: 'request', fn: (response: { status: number }) => void): void;
    error(name: 'request', fn: (error: { status?: number }) => never): void;
  };
}

function countResponses(octokit: unknown, onResponse: ((status: number | string) => void) | undefined): void {
  if (!onResponse) return;
  const { hook } = octokit as Hookable;
  hook.after('request', (response) => onResponse(response.status));
  hook.error('request', (error) => {
    onResponse(error.status ?? 'error');
    throw error;
  });
}

/** Installation tokens live an hour; a client is rebuilt well before that. */
const clientTtlMs = 30 * 60_000;

export function createAppAuth(opts: AppAuthOptions): GitHubAppAuth {
  // The function form is the one that sticks: Probot wraps this class in its own `defaults` that sets a
  // `throttle` object, which would replace an object-form `{ enabled: false }` and leave the write
  // limiter (one write per second for the whole process) on.
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object | undefined), enabled: false },
    retry: { ...(options.retry as object | undefined), enabled: false },
  }));
  const probot = new Probot({ appId: opts.appId, privateKey: opts.privateKey, baseUrl: opts.baseUrl, Octokit, logLevel: 'fatal' });
  const cache = new Map<number, { at: number; installation: Promise<Installation> }>();
  let login: Promise<string> | undefined;

  // Minted through the REST API rather than `octokit.auth()`, whose own request ignores a GHE base URL.
  const mintToken = async (installationId: number): Promise<{ token: string; expiresAt: number }> => {
    const app = await probot.auth();
    countResponses(app, opts.onResponse);
    // A token more or less changes nothing: minting one is repeated on a server error like a read.
    const res = await withGitHubRetry(() => app.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: installationId }), { idempotent: true });
    const data = res.data as { token: string; expires_at: string };
    return { token: data.token, expiresAt: Date.parse(data.expires_at) };
  };

  const build = async (installationId: number): Promise<Installation> => {
    const octokit = await probot.auth(installationId);
    countResponses(octokit, opts.onResponse);
    let current: Promise<{ token: string; expiresAt: number }> | undefined;
    return {
      client: octokit as unknown as GitHubClient,
      token: async () => {
        const held = current ? await current.catch(() => undefined) : undefined;
        // A fetch can take minutes: never start one with a token that is about to run out.
        if (!held || held.expiresAt - Date.now() < 10 * 60_000) current = mintToken(installationId);
        return (await current!).token;
      },
    };
  };

  return {
    appId: opts.appId,
    installation(installationId) {
      const hit = cache.get(installationId);
      if (hit && Date.now() - hit.at < clientTtlMs) return hit.installation;
      const installation = build(installationId);
      cache.set(installationId, { at: Date.now(), installation });
      installation.catch(() => cache.delete(installationId));
      return installation;
    },
    botLogin() {
      login ??= (async () => {
        const octokit = await probot.auth();
        const res = await withGitHubRetry(() => octokit.request('GET /app'), { idempotent: true });
        return `${(res.data as { slug: string }).slug}[bot]`;
      })();
      login.catch(() => {
        login = undefined;
      });
      return login;
    },
  };
}
