/**
 * A comparable form of a Git URL: `https://github.com/Org/Repo.git`, `git@github.com:org/repo`,
 * `ssh://git@github.com/org/repo/` all become `github.com/org/repo`. Credentials, scheme, port-less
 * user parts, a trailing `.git` and case are dropped (GitHub owner and repository names are
 * case-insensitive).
 */
export function normalizeRepoUrl(url: string): string {
  let u = url.trim();
  const scp = /^[\w.-]+@([^:/]+):(?!\/)(.*)$/.exec(u); // git@host:org/repo
  if (scp) u = `${scp[1]}/${scp[2]}`;
  else u = u.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^[^@/]*@/, '').replace(/^([^/:]+):\d+\//, '$1/');
  return u.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '').toLowerCase();
}

/** Whether `url` names one of `repoUrls`. */
export function isSameRepo(url: unknown, repoUrls: readonly string[]): boolean {
  if (typeof url !== 'string' || url === '') return false;
  const normal = normalizeRepoUrl(url);
  return repoUrls.some((r) => normalizeRepoUrl(r) === normal);
}
