/**
 * Replies to a `/bosun` comment, posted at most once each even when the command job is retried: every
 * reply ends with a hidden marker naming the command comment and the reply's position, and a retried
 * attempt first collects the markers already on the PR and skips those replies.
 */
import { call } from './call.ts';
import type { GitHubClient, RepoRef } from './client.ts';
import { issueComments } from './sticky-comment.ts';

export function replyMarker(commentId: number, index: number): string {
  return `<!-- bosun:reply ${commentId}:${index} -->`;
}

/** Positions of the replies to `commentId` already on the PR (bot comments only). */
export async function postedReplies(gh: GitHubClient, args: RepoRef & { issue: number; commentId: number }): Promise<Set<number>> {
  const pattern = new RegExp(`<!-- bosun:reply ${args.commentId}:(\\d+) -->\\s*$`);
  const posted = new Set<number>();
  for await (const comment of issueComments(gh, args)) {
    if (comment.user?.type !== 'Bot') continue;
    const match = pattern.exec(comment.body ?? '');
    if (match) posted.add(Number(match[1]));
  }
  return posted;
}

/**
 * A `reply(body)` for one command job. On the first attempt it just posts; on a retry it skips the
 * replies an earlier attempt already posted (commands run in the same order, so positions match).
 */
export function commandReplier(gh: GitHubClient, args: RepoRef & { issue: number; commentId: number; retry: boolean }): (body: string) => Promise<void> {
  let index = 0;
  let posted: Promise<Set<number>> | undefined;
  return async (body) => {
    const position = index++;
    if (args.retry && (await (posted ??= postedReplies(gh, args))).has(position)) return;
    await call(gh, `replying on #${args.issue}`, 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: args.owner,
      repo: args.repo,
      issue_number: args.issue,
      body: `${body}\n\n${replyMarker(args.commentId, position)}`,
    });
  };
}
