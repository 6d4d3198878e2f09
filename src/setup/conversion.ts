/**
 * The last step of GitHub's manifest flow: the temporary code GitHub handed the browser is exchanged
 * (`POST /app-manifests/{code}/conversions`, no credentials needed, the code works once and for an
 * hour) for the new App's id, private key and webhook secret.
 */
import { BosunError } from '../model/errors.ts';
import type { GitHubSite } from './github-site.ts';

/** What the conversion hands back; `pem`, `webhookSecret` and `clientSecret` are secrets. */
export interface AppCredentials {
  id: number;
  slug: string;
  name: string;
  owner: string;
  htmlUrl: string;
  pem: string;
  webhookSecret: string;
  clientId: string;
  clientSecret: string;
}

export async function convertManifestCode(site: GitHubSite, code: string, fetchImpl: typeof fetch = fetch): Promise<AppCredentials> {
  const url = `${site.api}/app-manifests/${encodeURIComponent(code)}/conversions`;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'bosun-setup' },
    });
  } catch (err) {
    throw new BosunError({ kind: 'config', message: `cannot reach ${site.api} to finish registering the App (${(err as Error).message}); check the address and the network, then run \`bosun setup\` again` });
  }
  const text = await res.text();
  if (res.status !== 201) {
    // GitHub's error body holds only a message; the success body (with the key) never reaches this line.
    let message = text.slice(0, 300);
    try {
      message = String((JSON.parse(text) as { message?: unknown }).message ?? message);
    } catch {
      // not JSON: keep the start of the text
    }
    const why = res.status === 404 ? 'the code is unknown, was already used or is older than an hour' : `HTTP ${res.status}`;
    throw new BosunError({ kind: 'config', message: `GitHub did not hand over the new App's credentials (${why}: ${message}); run \`bosun setup\` again` });
  }
  const data = JSON.parse(text) as Record<string, unknown>;
  const owner = data.owner as { login?: unknown } | null | undefined;
  const need = (field: string): string => {
    const value = data[field];
    if (typeof value !== 'string' || value === '') throw new BosunError({ kind: 'config', message: `GitHub's answer has no ${field}; the App was created (see its settings page) but bosun cannot configure it — generate a private key and webhook secret there by hand` });
    return value;
  };
  if (typeof data.id !== 'number') throw new BosunError({ kind: 'config', message: 'GitHub\'s answer has no App id; run `bosun setup` again' });
  return {
    id: data.id,
    slug: typeof data.slug === 'string' ? data.slug : String(data.id),
    name: typeof data.name === 'string' ? data.name : '',
    owner: typeof owner?.login === 'string' ? owner.login : '',
    htmlUrl: typeof data.html_url === 'string' ? data.html_url : '',
    pem: need('pem'),
    webhookSecret: need('webhook_secret'),
    clientId: typeof data.client_id === 'string' ? data.client_id : '',
    clientSecret: typeof data.client_secret === 'string' ? data.client_secret : '',
  };
}
