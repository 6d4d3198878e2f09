import { isRepoPermission, type RepoPermission } from '../chatops/permissions.ts';
import { call } from './call.ts';
import type { GitHubClient } from './client.ts';
import { errorStatus } from './errors.ts';

/**
 * A user's permission on a repository, from the collaborator-permission endpoint (not
 * `author_association`, which says nothing about write access). `role_name` carries the fine-grained
 * level (triage, maintain); `permission` only admin/write/read/none, and is the base level of a
 * custom role. Someone GitHub does not know as a collaborator has `none`.
 */
export async function getPermission(gh: GitHubClient, owner: string, repo: string, username: string): Promise<RepoPermission> {
  let data: { permission?: unknown; role_name?: unknown };
  try {
    const res = await call(gh, `reading ${username}'s permission on ${owner}/${repo}`, 'GET /repos/{owner}/{repo}/collaborators/{username}/permission', {
      owner,
      repo,
      username,
    });
    data = res.data as typeof data;
  } catch (err) {
    if (errorStatus(err) === 404) return 'none';
    throw err;
  }
  if (isRepoPermission(data.role_name)) return data.role_name;
  if (isRepoPermission(data.permission)) return data.permission;
  return 'none';
}
