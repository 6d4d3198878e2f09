import { nodeId } from '../state/store.ts';
import type { RepoRecord } from '../state/records.ts';
import type { Site } from './site.ts';
import { presentUser } from './users.ts';

/** The URL of a repository's API resource. */
export function repoApi(site: Site, repo: RepoRecord): string {
  return `${site.api}/repos/${repo.owner}/${repo.name}`;
}

export function repoWeb(site: Site, repo: RepoRecord): string {
  return `${site.web}/${repo.owner}/${repo.name}`;
}

/** Where the stand-in serves the repository over git smart HTTP. */
export function cloneUrl(site: Site, repo: RepoRecord): string {
  return `${site.web}/${repo.owner}/${repo.name}.git`;
}

function openCount(site: Site, repo: RepoRecord): number {
  let n = 0;
  for (const i of site.store.issues.values()) if (i.repo === repo.key && i.state === 'open') n++;
  for (const p of site.store.pulls.values()) if (p.repo === repo.key && p.state === 'open') n++;
  return n;
}

/** The `repository` shape (webhooks, pull request heads); `full` adds what `GET /repos/{o}/{r}` has. */
export function presentRepo(site: Site, repo: RepoRecord, opts: { full?: boolean } = {}): Record<string, unknown> {
  const api = repoApi(site, repo);
  const web = repoWeb(site, repo);
  const host = new URL(site.web).host;
  const open = openCount(site, repo);
  const out: Record<string, unknown> = {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: `${repo.owner}/${repo.name}`,
    private: true,
    owner: presentUser(site, repo.owner, repo.ownerType),
    html_url: web,
    description: null,
    fork: false,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    assignees_url: `${api}/assignees{/user}`,
    blobs_url: `${api}/git/blobs{/sha}`,
    branches_url: `${api}/branches{/branch}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    comments_url: `${api}/comments{/number}`,
    commits_url: `${api}/commits{/sha}`,
    compare_url: `${api}/compare/{base}...{head}`,
    contents_url: `${api}/contents/{+path}`,
    contributors_url: `${api}/contributors`,
    deployments_url: `${api}/deployments`,
    downloads_url: `${api}/downloads`,
    events_url: `${api}/events`,
    forks_url: `${api}/forks`,
    git_commits_url: `${api}/git/commits{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_url: `git://${host}/${repo.owner}/${repo.name}.git`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    issue_events_url: `${api}/issues/events{/number}`,
    issues_url: `${api}/issues{/number}`,
    keys_url: `${api}/keys{/key_id}`,
    labels_url: `${api}/labels{/name}`,
    languages_url: `${api}/languages`,
    merges_url: `${api}/merges`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    pulls_url: `${api}/pulls{/number}`,
    releases_url: `${api}/releases{/id}`,
    ssh_url: `git@${new URL(site.web).hostname}:${repo.owner}/${repo.name}.git`,
    stargazers_url: `${api}/stargazers`,
    statuses_url: `${api}/statuses/{sha}`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    tags_url: `${api}/tags`,
    teams_url: `${api}/teams`,
    trees_url: `${api}/git/trees{/sha}`,
    clone_url: cloneUrl(site, repo),
    mirror_url: null,
    hooks_url: `${api}/hooks`,
    svn_url: web,
    homepage: null,
    language: null,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    size: 0,
    default_branch: repo.defaultBranch,
    open_issues_count: open,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: 'private',
    pushed_at: repo.createdAt,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_forking: false,
    web_commit_signoff_required: false,
    license: null,
    forks: 0,
    open_issues: open,
    watchers: 0,
  };
  if (opts.full) {
    out.network_count = 0;
    out.subscribers_count = 0;
    out.temp_clone_token = null;
  }
  return out;
}
