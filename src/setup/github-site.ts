/**
 * Where a GitHub lives: its web pages (where a signed-in person registers an App) and its REST API
 * (where the manifest code is exchanged). github.com keeps the API on its own host; GitHub Enterprise
 * Server serves it under `/api/v3` of the same host, as Probot's GHE_HOST / GHE_PROTOCOL settings say.
 */
import { BosunError } from '../model/errors.ts';

export interface GitHubSite {
  /** `https://github.com` or `https://ghe.example.com` (no trailing slash). */
  web: string;
  /** `https://api.github.com` or `https://ghe.example.com/api/v3`. */
  api: string;
  /** Set for GitHub Enterprise Server: what `bosun serve` needs as GHE_HOST / GHE_PROTOCOL. */
  enterprise?: { host: string; protocol: string };
}

/**
 * From `--github-url` when given, else from GHE_HOST / GHE_PROTOCOL (the variables `bosun serve` reads),
 * else github.com.
 */
export function githubSite(url: string | undefined, env: NodeJS.ProcessEnv): GitHubSite {
  if (url) return fromUrl(url);
  const host = env.GHE_HOST?.trim();
  if (host) return fromUrl(`${env.GHE_PROTOCOL?.trim() || 'https'}://${host}`);
  return { web: 'https://github.com', api: 'https://api.github.com' };
}

function fromUrl(text: string): GitHubSite {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BosunError({ kind: 'usage', message: `--github-url "${text}" is not a URL; give your GitHub's address, e.g. https://github.com or https://ghe.example.com` });
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname.replace(/\/+$/, '') !== '' || url.search || url.username) {
    throw new BosunError({ kind: 'usage', message: `--github-url "${text}" must be the address of the GitHub itself (https://host[:port]), with no path, query or user` });
  }
  const web = `${url.protocol}//${url.host}`;
  if (url.host === 'github.com' || url.host === 'www.github.com') return { web: 'https://github.com', api: 'https://api.github.com' };
  return { web, api: `${web}/api/v3`, enterprise: { host: url.host, protocol: url.protocol.replace(/:$/, '') } };
}

/** The page that registers an App from a manifest: the signed-in user's, or an organization's. */
export function newAppUrl(site: GitHubSite, org: string | undefined, state: string): string {
  const owner = org ? `/organizations/${encodeURIComponent(org)}` : '';
  return `${site.web}${owner}/settings/apps/new?state=${encodeURIComponent(state)}`;
}
