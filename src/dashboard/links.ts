/**
 * Links from the dashboard to GitHub's web pages. The server knows the API base URL (GHE_HOST →
 * `<protocol>://<host>/api/v3`); the web pages live at the same host without `/api/v3`, and on
 * github.com at `github.com` rather than `api.github.com`.
 */

export interface GitHubLinks {
  repo(repo: string): string;
  commit(repo: string, sha: string): string;
  pull(repo: string, pr: number): string;
  issue(repo: string, issue: number): string;
  checkRun(repo: string, checkRunId: number): string;
}

/** `https://api.github.com` → `https://github.com`; `http://ghe.local:8443/api/v3` → `http://ghe.local:8443`. */
export function githubWebBase(apiBaseUrl: string): string {
  const url = new URL(apiBaseUrl);
  if (url.hostname === 'api.github.com') return `${url.protocol}//github.com`;
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

export function githubLinks(apiBaseUrl: string): GitHubLinks {
  const base = githubWebBase(apiBaseUrl);
  // Repository names are [A-Za-z0-9_.-] on GitHub; encoding each part keeps a corrupt record from
  // turning into another path.
  const repoPath = (repo: string) => repo.split('/').map(encodeURIComponent).join('/');
  return {
    repo: (repo) => `${base}/${repoPath(repo)}`,
    commit: (repo, sha) => `${base}/${repoPath(repo)}/commit/${encodeURIComponent(sha)}`,
    pull: (repo, pr) => `${base}/${repoPath(repo)}/pull/${pr}`,
    issue: (repo, issue) => `${base}/${repoPath(repo)}/issues/${issue}`,
    checkRun: (repo, checkRunId) => `${base}/${repoPath(repo)}/runs/${checkRunId}`,
  };
}

/** A stored URL as a link target: only http(s), so a bad record cannot become a `javascript:` link. */
export function webUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
