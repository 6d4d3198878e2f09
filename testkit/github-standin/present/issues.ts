import { nodeId } from '../state/store.ts';
import type { CommentRecord, IssueRecord, Permission, PullRecord, ReactionRecord, RepoRecord } from '../state/records.ts';
import { repoApi, repoWeb } from './repos.ts';
import { botLogin, type Site } from './site.ts';
import { presentApp, presentUser } from './users.ts';

const reactionContents = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'eyes', 'rocket'] as const;

/** GitHub's author_association from the author's relation to the repository. */
export function authorAssociation(site: Site, repo: RepoRecord, login: string): string {
  if (login.toLowerCase() === repo.owner.toLowerCase()) return 'OWNER';
  const level: Permission = repo.permissions.get(login.toLowerCase()) ?? 'none';
  if (level === 'none' || login === botLogin(site)) return 'NONE';
  return repo.ownerType === 'Organization' ? 'MEMBER' : 'COLLABORATOR';
}

/** A label created through `POST /repos/{o}/{r}/labels`: its color and description (others get GitHub's defaults). */
export interface LabelDetails {
  name: string;
  color: string;
  description: string | null;
}

const labelDetailsBySite = new WeakMap<Site, Map<string, LabelDetails>>();

/** The repository labels created through the API, keyed `<repo key>:<lower-case name>`. */
export function createdLabels(site: Site): Map<string, LabelDetails> {
  let labels = labelDetailsBySite.get(site);
  if (!labels) labelDetailsBySite.set(site, (labels = new Map()));
  return labels;
}

export function labelKey(repo: RepoRecord, name: string): string {
  return `${repo.key}:${name.toLowerCase()}`;
}

export function presentLabel(site: Site, repo: RepoRecord, name: string): Record<string, unknown> {
  const details = createdLabels(site).get(labelKey(repo, name));
  const id = site.store.labelId(repo.key, details?.name ?? name);
  return {
    id,
    node_id: nodeId('LA', id),
    url: `${repoApi(site, repo)}/labels/${encodeURIComponent(details?.name ?? name)}`,
    name: details?.name ?? name,
    description: details?.description ?? null,
    color: details?.color ?? 'ededed',
    default: false,
  };
}

export function reactionRollup(site: Site, url: string, commentId?: number): Record<string, unknown> {
  const mine = commentId === undefined ? [] : site.store.reactions.filter((r) => r.commentId === commentId);
  const out: Record<string, unknown> = { url, total_count: mine.length };
  for (const c of reactionContents) out[c] = mine.filter((r) => r.content === c).length;
  return out;
}

export function presentComment(site: Site, repo: RepoRecord, c: CommentRecord): Record<string, unknown> {
  const api = repoApi(site, repo);
  const isPull = site.store.pull(repo.key, c.issue) !== undefined;
  const url = `${api}/issues/comments/${c.id}`;
  return {
    id: c.id,
    node_id: nodeId('IC', c.id),
    url,
    html_url: `${repoWeb(site, repo)}/${isPull ? 'pull' : 'issues'}/${c.issue}#issuecomment-${c.id}`,
    body: c.body,
    user: presentUser(site, c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    issue_url: `${api}/issues/${c.issue}`,
    author_association: authorAssociation(site, repo, c.user),
    performed_via_github_app: c.viaApp ? presentApp(site) : null,
    reactions: reactionRollup(site, `${url}/reactions`, c.id),
    minimized: c.minimized ? { is_minimized: true, minimized_reason: c.minimized.toLowerCase() } : null,
  };
}

export function presentReaction(site: Site, r: ReactionRecord): Record<string, unknown> {
  return {
    id: r.id,
    node_id: nodeId('REA', r.id),
    user: presentUser(site, r.user),
    content: r.content,
    created_at: r.createdAt,
  };
}

/** An issue, or the issue side of a pull request (GitHub's issue endpoints return both). */
export function presentIssue(site: Site, repo: RepoRecord, issue: IssueRecord | PullRecord): Record<string, unknown> {
  const api = repoApi(site, repo);
  const url = `${api}/issues/${issue.number}`;
  const pull = 'head' in issue;
  const comments = [...site.store.comments.values()].filter((c) => c.repo === repo.key && c.issue === issue.number).length;
  const out: Record<string, unknown> = {
    id: pull ? issue.issueId : issue.id,
    node_id: nodeId(pull ? 'PR' : 'I', pull ? issue.id : issue.id),
    url,
    repository_url: api,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: `${repoWeb(site, repo)}/${pull ? 'pull' : 'issues'}/${issue.number}`,
    number: issue.number,
    state: issue.state,
    state_reason: pull ? null : issue.stateReason,
    title: issue.title,
    body: issue.body,
    user: presentUser(site, issue.user),
    labels: issue.labels.map((name) => presentLabel(site, repo, name)),
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments,
    closed_at: issue.closedAt,
    created_at: issue.createdAt,
    updated_at: issue.updatedAt,
    closed_by: null,
    author_association: authorAssociation(site, repo, issue.user),
    reactions: reactionRollup(site, `${url}/reactions`),
    timeline_url: `${url}/timeline`,
    performed_via_github_app: null,
  };
  if (pull) {
    out.draft = issue.draft;
    out.pull_request = {
      url: `${api}/pulls/${issue.number}`,
      html_url: `${repoWeb(site, repo)}/pull/${issue.number}`,
      diff_url: `${repoWeb(site, repo)}/pull/${issue.number}.diff`,
      patch_url: `${repoWeb(site, repo)}/pull/${issue.number}.patch`,
      merged_at: issue.mergedAt,
    };
  } else {
    const assignees = issue.assignees.map((login) => presentUser(site, login));
    out.assignees = assignees;
    out.assignee = assignees[0] ?? null;
  }
  return out;
}
