// Step 1: a pull request is opened. bosun plans every environment it touches: one check run per
// environment (`bosun / <env>`) and one sticky comment with the report.
import type { TourContext } from './context.ts';
import { bosunRuns, checkRunLine, commentText } from './github-view.ts';
import { changeLines } from './markdown.ts';

type Json = Record<string, unknown>;

export const planMarker = '<!-- bosun:plan -->';

export const stickyComment = (ctx: TourContext): Json | undefined =>
  ctx.stack.gh.comments(ctx.owner, ctx.name, ctx.pr).find((c) => String(c.body).startsWith(planMarker));

export const prPayload = async (ctx: TourContext, action: string, extra: Json = {}): Promise<Json> =>
  ctx.stack.gh.examplePayload('pull_request', action, ctx.stack.gh.repoPayload(ctx.owner, ctx.name), {
    number: ctx.pr,
    pull_request: await ctx.stack.gh.pullPayload(ctx.owner, ctx.name, ctx.pr),
    ...extra,
  });

export async function openPullRequest(ctx: TourContext): Promise<void> {
  const { gh } = ctx.stack;
  const title = 'web 1.5.0 with debug logging';
  // GitHub numbers issues and pull requests together: the pull request gets the next free number.
  const pull = await gh.addPullRequest({
    owner: ctx.owner,
    repo: ctx.name,
    head: { ref: ctx.repo.branch, sha: ctx.repo.headSha },
    base: { ref: 'main' },
    user: ctx.maintainer,
    title,
    body: 'Moves web to 1.5.0, turns on debug logging, and adds a replica in production.',
  });
  ctx.pr = Number(pull.number);
  ctx.t.say(`${ctx.maintainer} opens pull request #${ctx.pr} "${title}" (${ctx.repo.branch} → main, head ${ctx.repo.headSha.slice(0, 7)}).`);
  const delivery = await ctx.stack.send('pull_request', await prPayload(ctx, 'opened'));
  if (delivery.status >= 300) throw new Error(`bosun answered the pull_request webhook with HTTP ${delivery.status}`);

  const names = [ctx.staging, ctx.production].map((e) => `bosun / ${e.name}`);
  const runs = await ctx.wait(`check runs ${names.join(' and ')} to complete`, () => {
    const found = names.map((n) => bosunRuns(gh, ctx.owner, ctx.name, ctx.repo.headSha, n).at(-1));
    return found.every((r) => r?.status === 'completed') ? (found as Json[]) : undefined;
  });
  const comment = await ctx.wait('bosun\'s comment on the pull request', () => stickyComment(ctx));

  ctx.t.say('');
  ctx.t.say(`On GitHub, the "Checks" of ${ctx.repo.headSha.slice(0, 7)}: each changed object with its risk class and changed lines,`);
  ctx.t.say('then the apply preview (a server-side dry run against the live cluster):');
  for (const run of runs) {
    ctx.t.show(checkRunLine(run));
    // What a reviewer expands in the check run: each changed object with its risk class, and the diff.
    const output = (run.output ?? {}) as { summary?: string | null; text?: string | null };
    const changes = changeLines(output.summary ?? '');
    ctx.t.show((changes.length > 0 ? changes : changeLines(output.text ?? '')).join('\n'), '     │ ');
  }
  ctx.t.say('');
  ctx.t.say('and in the conversation, bosun\'s comment (one comment, edited in place on every push):');
  ctx.t.show(commentText(comment, 40));
}
