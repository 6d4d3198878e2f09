import { call } from './call.ts';
import type { GitHubClient } from './client.ts';

export type ReactionContent = '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

/** Reacts to a PR (issue) comment, e.g. `eyes` when a command is picked up. Reacting twice is harmless. */
export async function addReaction(gh: GitHubClient, owner: string, repo: string, commentId: number, content: ReactionContent): Promise<{ id: number; created: boolean }> {
  const res = await call(gh, `reacting ${content} to comment ${commentId}`, 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions', {
    owner,
    repo,
    comment_id: commentId,
    content,
  });
  // 201 for a new reaction, 200 when this App had already reacted the same way.
  return { id: (res.data as { id: number }).id, created: res.status === 201 };
}
