import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitWait, withGitHubRetry } from '../../src/github/index.ts';
import { standinWithRepo, type Fixture } from './fixture.ts';

const repoRef = { owner: 'acme', repo: 'gitops' };
const minimize = `mutation hide($id: ID!, $classifier: ReportedContentClassifiers!) {
  minimizeComment(input: { subjectId: $id, classifier: $classifier }) { minimizedComment { isMinimized minimizedReason } }
}`;

describe('GitHub stand-in secondary rate limits and GraphQL', () => {
  let f: Fixture;

  beforeAll(async () => {
    f = await standinWithRepo();
    await f.gh.addPullRequest({ ...repoRef, number: 2, head: { ref: 'feature', sha: f.head }, base: { ref: 'main' }, user: 'alice' });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('refuses the next N content-creating requests with 403 and retry-after, reads still pass', async () => {
    f.gh.simulateRateLimit({ requests: 2, retryAfter: 30 });
    type Refusal = { status: number; response: { headers: Record<string, string> }; message: string };
    const refused = (await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 2, body: 'one' }).catch((e: unknown) => e)) as Refusal;
    expect(refused.status).toBe(403);
    expect(refused.response.headers['retry-after']).toBe('30');
    expect(refused.message).toMatch(/secondary rate limit/);
    expect(rateLimitWait(refused, 1, Date.now())).toEqual({ ms: 30_000, kind: 'secondary' });

    expect((await f.octokit.rest.issues.listComments({ ...repoRef, issue_number: 2 })).status).toBe(200);

    // bosun's retry waits what GitHub asks, then succeeds once the limit is gone.
    const waits: number[] = [];
    const created = await withGitHubRetry(() => f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 2, body: 'two' }), {
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    expect(created.status).toBe(201);
    expect(waits).toEqual([30_000]);
    expect(f.gh.comments('acme', 'gitops', 2).map((c) => c.body)).toEqual(['two']);
  });

  it('minimizes a comment by node id through /api/graphql, as Octokit sends it for GitHub Enterprise', async () => {
    const c = await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 2, body: 'old plan' });
    const result = await f.octokit.graphql<{ minimizeComment: { minimizedComment: { isMinimized: boolean; minimizedReason: string } } }>(minimize, {
      id: c.data.node_id,
      classifier: 'OUTDATED',
    });
    expect(result.minimizeComment.minimizedComment).toEqual({ isMinimized: true, minimizedReason: 'outdated' });
    const [stored] = f.gh.comments('acme', 'gitops', 2).filter((x) => x.id === c.data.id);
    expect(stored.minimized).toEqual({ is_minimized: true, minimized_reason: 'outdated' });
  });

  it('answers GraphQL errors for a bad classifier, a wrongly typed variable and an unknown node id', async () => {
    const c = await f.octokit.rest.issues.createComment({ ...repoRef, issue_number: 2, body: 'another' });
    const badClassifier = await f.octokit.graphql(minimize, { id: c.data.node_id, classifier: 'STALE' }).catch((e: Error) => e);
    expect((badClassifier as Error).message).toMatch(/classifier/);
    const wrongType = await f.octokit
      .graphql(`mutation($id: String!) { minimizeComment(input: { subjectId: $id, classifier: OUTDATED }) { clientMutationId } }`, { id: c.data.node_id })
      .catch((e: Error) => e);
    expect((wrongType as Error).message).toMatch(/Type mismatch/);
    const unknown = await f.octokit.graphql(minimize, { id: 'IC_doesnotexist', classifier: 'OUTDATED' }).catch((e: Error) => e);
    expect((unknown as Error).message).toMatch(/Could not resolve to a node/);
    expect(f.gh.comments('acme', 'gitops', 2).find((x) => x.id === c.data.id)?.minimized).toBeNull();
    const rejected = f.gh.requests.filter((r) => r.kind === 'graphql' && r.rejected);
    expect(rejected).toHaveLength(2);
  });

  it('answers 501 for GraphQL it does not implement', async () => {
    const err = await f.octokit.graphql('query { viewer { login } }').catch((e: { status?: number }) => e);
    expect((err as { status?: number }).status).toBe(501);
  });
});
