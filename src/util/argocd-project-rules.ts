/**
 * How Argo CD matches an Application against its AppProject (argo-cd pkg/apis/application/v1alpha1
 * app_project_types.go), restated over plain strings so discovery (the Application) and validation (each
 * rendered object's namespace) use one reading.
 */
import { gobwasGlob } from './argocd-glob.ts';

/** globMatch: util/glob.Match, with `!pattern` meaning "does not match pattern" when negation is allowed. */
export function argocdGlobMatch(pattern: string, value: string, separators = ''): boolean {
  if (pattern.startsWith('!')) return !gobwasGlob(pattern.slice(1), separators).test(value);
  if (pattern === '*') return true;
  return gobwasGlob(pattern, separators).test(value);
}

/**
 * util/git NormalizeGitURL: lower case; an SSH URL (`git@host:path`) has its first `:` made a `/` and loses
 * `ssh://`; a trailing `.git` goes. An https URL keeps its scheme, so `https://…` patterns never match an SSH URL.
 */
export function argocdNormalizeGitUrl(url: string): string {
  let repo = url.trim().toLowerCase();
  if (/^(ssh:\/\/)?([^/:]*?)@[^@]+$/.test(repo) && !repo.startsWith('ssh://')) repo = `ssh://${repo.replace(':', '/')}`;
  if (repo.endsWith('.git')) repo = repo.slice(0, -'.git'.length);
  return repo.startsWith('ssh://') ? repo.slice('ssh://'.length) : repo;
}

/**
 * IsSourcePermitted: each pattern normalized like the URL and globbed with `/` as separator; a `!` pattern the
 * URL matches refuses it at once, and one it does not match counts as a match.
 */
export function argocdSourcePermitted(sourceRepos: readonly string[], repoUrl: string): boolean {
  const src = argocdNormalizeGitUrl(repoUrl);
  let any = false;
  for (const pattern of sourceRepos) {
    const deny = pattern.startsWith('!');
    const normalized = deny ? `!${argocdNormalizeGitUrl(pattern.slice(1))}` : argocdNormalizeGitUrl(pattern);
    if (argocdGlobMatch(normalized, src, '/')) any = true;
    else if (deny) return false;
  }
  return any;
}

/**
 * isDestinationMatched: a destination matches when its server (or name) and its namespace match; a `!`
 * field that the destination does not satisfy refuses it whatever else matched. Argo CD matches the
 * destination's cluster with both its server and its name (GetDestinationCluster resolves one from the
 * other); a side bosun could not resolve is `undefined` and taken to match any entry that names one.
 */
export function argocdDestinationMatched(destinations: ReadonlyArray<{ server: string; name: string; namespace: string }>, dst: { server?: string; name?: string; namespace: string }): boolean {
  let any = false;
  let noDeny = true;
  for (const item of destinations) {
    const nameMatched = dst.name === undefined ? item.name !== '' && !item.name.startsWith('!') : dst.name !== '' && argocdGlobMatch(item.name, dst.name);
    const serverMatched = dst.server === undefined ? item.server !== '' && !item.server.startsWith('!') : dst.server !== '' && argocdGlobMatch(item.server, dst.server);
    const namespaceMatched = argocdGlobMatch(item.namespace, dst.namespace);
    if ((serverMatched || nameMatched) && namespaceMatched) any = true;
    else if ((dst.name !== undefined && !nameMatched && item.name.startsWith('!')) || (dst.server !== undefined && !serverMatched && item.server.startsWith('!')) || (!namespaceMatched && item.namespace.startsWith('!'))) noDeny = false;
  }
  return any && noDeny;
}

/**
 * The destination's cluster as Argo CD knows it: `in-cluster` is https://kubernetes.default.svc and back (the
 * cluster Argo CD runs in); another name or server bosun cannot resolve leaves the other side unknown.
 */
export function argocdDestinationCluster(destination: { server: string; name: string }): { server?: string; name?: string } {
  const inClusterServer = 'https://kubernetes.default.svc';
  const server = destination.server.replace(/\/+$/, '');
  if (server && destination.name) return { server, name: destination.name };
  if (server) return server === inClusterServer ? { server, name: 'in-cluster' } : { server };
  if (destination.name) return destination.name === 'in-cluster' ? { server: inClusterServer, name: 'in-cluster' } : { name: destination.name };
  return { server: '', name: '' };
}
