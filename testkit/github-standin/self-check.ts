// Reads each repository back through the same REST paths bosun uses (App JWT → installation token →
// GET /repos/{owner}/{repo}), so a stand-in started by hand proves it answers before anyone relies on it.
import type { GitHubStandin } from './types.ts';

export interface ReadBack {
  fullName: string;
  defaultBranch: string;
  cloneUrl: string;
  installationId: number;
}

async function json(res: Response, what: string): Promise<Record<string, unknown>> {
  const body = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status} ${String(body.message ?? '')}`);
  return body;
}

export async function readBack(gh: GitHubStandin, owner: string, repo: string): Promise<ReadBack> {
  const headers = { accept: 'application/vnd.github+json', authorization: `Bearer ${gh.appJwt()}` };
  const installation = await json(await fetch(`${gh.apiUrl}/repos/${owner}/${repo}/installation`, { headers }), `GET /repos/${owner}/${repo}/installation`);
  const installationId = Number(installation.id);
  const minted = await json(
    await fetch(`${gh.apiUrl}/app/installations/${installationId}/access_tokens`, { method: 'POST', headers }),
    `POST /app/installations/${installationId}/access_tokens`,
  );
  const data = await json(
    await fetch(`${gh.apiUrl}/repos/${owner}/${repo}`, { headers: { accept: headers.accept, authorization: `token ${String(minted.token)}` } }),
    `GET /repos/${owner}/${repo}`,
  );
  return { fullName: String(data.full_name), defaultBranch: String(data.default_branch), cloneUrl: String(data.clone_url), installationId };
}
