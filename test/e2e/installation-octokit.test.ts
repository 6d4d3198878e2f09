// The workers' GitHub client must not queue writes behind Probot's throttling plugin (one write per
// second for the whole process): rate limits are handled by bosun's own retry, which turns GitHub's
// retry-after into a delayed job instead of a sleeping worker.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppAuth } from '../../src/github/app-auth.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';

describe('the workers\' installation client', () => {
  let gh: GitHubStandin;
  let work: string;
  let installationId: number;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-octokit-'));
    const repo = await makeGitRepo(join(work, 'repo'));
    await repo.write('README.md', 'hello\n');
    const sha = await repo.commit('init');
    await repo.branch('feature');
    gh = await startGitHubStandin();
    ({ installationId } = await gh.addRepo({ owner: 'acme', name: 'app', gitDir: repo.dir }));
    await gh.addPullRequest({ owner: 'acme', repo: 'app', number: 1, head: { ref: 'feature', sha }, base: { ref: 'main' }, user: 'alice' });
  });
  afterAll(async () => {
    await gh?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('sends concurrent writes at once instead of one per second', async () => {
    const auth = createAppAuth({ appId: gh.appId, privateKey: gh.privateKey, baseUrl: gh.apiUrl });
    const { client } = await auth.installation(installationId);
    await Promise.all(Array.from({ length: 6 }, (_, i) => client.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
      owner: 'acme', repo: 'app', issue_number: 1, body: `comment ${i}`,
    })));
    const writes = gh.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/issues/1/comments'));
    expect(writes).toHaveLength(6);
    const times = writes.map((w) => Date.parse(w.timestamp));
    // With the throttling plugin on, six writes are spread over at least five seconds.
    expect(Math.max(...times) - Math.min(...times)).toBeLessThan(2_000);
    expect(gh.problems()).toEqual([]);
  });
});
