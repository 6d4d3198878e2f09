// A pull request on the example GitOps repo, end to end: signed webhooks into bosun's real server,
// jobs through Redis, workers that clone over smart HTTP from the GitHub stand-in, render with the real
// kustomize/helm, and report through GitHub's REST API as the stand-in checks it.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';

const run = promisify(execFile);
// The repository its Flux GitRepository names (fixtures/example-repo, gotk-sync.yaml): bosun previews
// only what Flux would fetch from this repository.
const owner = 'example-org';
const name = 'shop-fleet';

describe('a pull request on the example repo, through the GitHub App', () => {
  let h: Harness;
  let work: string;
  let repo: ExampleRepo;
  const s = scenario(owner, name, () => h);
  /** What the workers logged (fields and message), as an operator's log collector would see it. */
  const logged: Json[] = [];
  const collect = (fields: Json, msg: string): void => void logged.push({ ...fields, msg });

  const stickyComments = (): Json[] => s.planComments(1);
  const bosunRuns = (sha: string): Json[] => s.checkRuns(sha).filter((r) => String(r.name).startsWith('bosun / '));
  const completedRuns = (sha: string, count: number): Json[] | undefined => {
    const runs = bosunRuns(sha);
    return runs.length >= count && runs.every((r) => r.status === 'completed') ? runs : undefined;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-repo-'));
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
    h = await startHarness({ log: { info: collect, warn: collect, error: collect } });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    await h.gh.addPullRequest({ owner, repo: name, number: 1, head: { ref: repo.branch, sha: repo.headSha }, base: { ref: 'main' }, user: 'alice' });
    h.gh.setPermission(owner, name, 'alice', 'write');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('PR opened: one check run per affected environment with the right diff, and one comment with the index linking them and each environment\'s diffs', async () => {
    await s.pullRequestEvent(1, 'opened');

    const runs = await waitFor('three completed check runs', () => completedRuns(repo.headSha, 3));
    expect(runs.map((r) => r.name).sort()).toEqual(['bosun / production/apps', 'bosun / staging/apps', 'bosun / staging/infrastructure']);
    const staging = runs.find((r) => r.name === 'bosun / staging/apps')!;
    const output = staging.output as { title: string; summary: string; text: string | null };
    const detail = `${output.summary}\n${output.text ?? ''}`;
    expect(detail).toMatch(/^\+\s+image: .*:1\.5\.0$/m);
    expect(detail).toMatch(/^-\s+image: .*:1\.4\.3$/m);
    expect(detail).toMatch(/PersistentVolumeClaim[^\n]*database-backup/);
    expect(staging.conclusion).toBe('success');
    // The head's check runs are looked up once for the three environments, not once each: every lookup is
    // waited for before the render starts, and counts against the installation's rate limit.
    const lookups = h.gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith(`/commits/${repo.headSha}/check-runs`));
    expect(lookups).toHaveLength(1);

    const comments = await waitFor('the sticky comment', () => (stickyComments().length > 0 ? stickyComments() : undefined));
    expect(comments).toHaveLength(1);
    const body = String(comments[0].body);
    expect(body).toContain(repo.headSha.slice(0, 7));
    for (const r of runs) expect(body).toContain(String(r.html_url));
    expect((comments[0].user as Json).login).toBe(h.gh.botLogin);
    // The comment is the report, not only the index: the Deployment's image diff is in the conversation,
    // in a collapsed block under its environment, after the table.
    expect(body).toMatch(/^-\s+image: .*:1\.4\.3$/m);
    expect(body).toMatch(/^\+\s+image: .*:1\.5\.0$/m);
    expect(body.indexOf('| Environment |')).toBeLessThan(body.indexOf('### staging/apps'));
    expect(body).toMatch(/<details><summary>🟡 image · <code>~<\/code> Deployment [^<]+<\/summary>/);
    expect(body).toMatch(/PersistentVolumeClaim[^\n]*database-backup/);
    expect(body).not.toContain('Not shown in this comment');
  });

  it('the plan logs where its time went, phase by phase, once it posted the comment', async () => {
    const line = await waitFor('the plan timings line', () => logged.find((l) => l.msg === 'plan timings'));
    expect(line.queue).toBe('bosun-plan');
    const phases = line.phasesMs as Record<string, number>;
    expect(Object.keys(phases)).toEqual(['fetch', 'analyse', 'openChecks', 'render', 'checks', 'coverage', 'report', 'comment']);
    for (const ms of Object.values(phases)) expect(ms).toBeGreaterThanOrEqual(0);
    // The render of three environments with kustomize takes longer than rendering the comment.
    expect(phases.render).toBeGreaterThan(phases.report!);
  });

  it('a redelivered webhook queues nothing and posts nothing twice', async () => {
    const first = h.gh.deliveries.find((d) => d.event === 'pull_request')!;
    const jobsBefore = await h.jobCount('bosun-plan');
    const again = await h.send('pull_request', JSON.parse(first.body), { deliveryId: first.deliveryId });
    expect(again.status).toBeLessThan(300);
    // The handler enqueues before it answers, so the job count is final once the delivery returns.
    expect(await h.jobCount('bosun-plan')).toBe(jobsBefore);
    expect(bosunRuns(repo.headSha)).toHaveLength(3);
    expect(stickyComments()).toHaveLength(1);
  });

  it('a webhook with a forged signature is refused and queues nothing', async () => {
    const jobsBefore = await h.jobCount('bosun-plan');
    const forged = await h.send('pull_request', await s.pullRequestPayload(1, 'synchronize'), { secret: 'not-the-secret' });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    expect(await h.jobCount('bosun-plan')).toBe(jobsBefore);
  });

  it('a new commit updates the same comment and reports on the new head', async () => {
    const before = String(stickyComments()[0].body);
    await writeFile(join(repo.dir, 'apps/staging/extra-config.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: shop\ndata:\n  mode: canary\n');
    const kustomization = join(repo.dir, 'apps/staging/kustomization.yaml');
    const { stdout } = await run('cat', [kustomization]);
    await writeFile(kustomization, stdout.replace(/resources:\n/, 'resources:\n  - extra-config.yaml\n'));
    await run('git', ['add', '-A'], { cwd: repo.dir });
    await run('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', 'commit', '-q', '-m', 'staging: extra config'], { cwd: repo.dir });
    const newHead = (await run('git', ['rev-parse', 'HEAD'], { cwd: repo.dir })).stdout.trim();
    await h.gh.updatePullRequest(owner, name, 1, { head: { sha: newHead } });
    // GitHub's secondary rate limit on the first write: bosun waits as told and carries on.
    const limitedFrom = h.gh.requests.length;
    h.gh.simulateRateLimit({ requests: 1, retryAfter: 1 });

    await s.pullRequestEvent(1, 'synchronize');
    const runs = await waitFor('check runs on the new head', () => completedRuns(newHead, 3));
    const staging = runs.find((r) => r.name === 'bosun / staging/apps')!;
    expect(JSON.stringify(staging.output)).toContain('extra');
    const comments = await waitFor('the updated comment', () => {
      const found = stickyComments();
      return found.length === 1 && String(found[0].body).includes(newHead.slice(0, 7)) ? found : undefined;
    });
    expect(comments).toHaveLength(1);
    expect(String(comments[0].body)).not.toBe(before);
    expect(String(comments[0].body)).toContain(String(staging.html_url));
    expect(h.gh.requests.slice(limitedFrom).filter((r) => r.status === 403)).toHaveLength(1);
    expect(bosunRuns(newHead)).toHaveLength(3);
  });

  it('re-running a check with no pull request attached (a fork PR) plans that environment again', async () => {
    const pr = await h.gh.pullRequest(owner, name, 1);
    const head = String((pr.head as Json).sha);
    const named = (): Json[] => bosunRuns(head).filter((r) => r.name === 'bosun / staging/infrastructure');
    const before = named();
    const payload = h.gh.examplePayload('check_run', 'rerequested', h.gh.repoPayload(owner, name), {
      check_run: { ...before[0], pull_requests: [] },
    });
    expect((await h.send('check_run', payload)).status).toBeLessThan(300);
    const after = await waitFor('a new completed staging/infrastructure run', () => {
      const runs = named();
      return runs.length > before.length && runs.every((r) => r.status === 'completed') ? runs : undefined;
    });
    expect(after.at(-1)!.conclusion).toBe(before[0].conclusion);
  });

  it('re-running the check suite plans every affected environment of its pull requests again', async () => {
    const pr = await h.gh.pullRequest(owner, name, 1);
    const head = String((pr.head as Json).sha);
    const before = bosunRuns(head).length;
    const payload = h.gh.examplePayload('check_suite', 'rerequested', h.gh.repoPayload(owner, name), {
      check_suite: { head_sha: head, head_branch: repo.branch, pull_requests: [{ number: 1, head: { ref: repo.branch, sha: head }, base: pr.base }] },
    });
    expect((await h.send('check_suite', payload)).status).toBeLessThan(300);
    await waitFor('three more completed runs', () => completedRuns(head, before + 3));
  });

  it('re-running the check suite of a fork PR (GitHub names no pull request) plans the PR bosun planned at that head', async () => {
    const pr = await h.gh.pullRequest(owner, name, 1);
    const head = String((pr.head as Json).sha);
    const before = bosunRuns(head).length;
    const payload = h.gh.examplePayload('check_suite', 'rerequested', h.gh.repoPayload(owner, name), {
      check_suite: { head_sha: head, head_branch: repo.branch, pull_requests: [] },
    });
    expect((await h.send('check_suite', payload)).status).toBeLessThan(300);
    await waitFor('three more completed runs', () => completedRuns(head, before + 3));
  });

  it('`/bosun plan staging/apps` is acknowledged with 👀 and re-runs that environment\'s check', async () => {
    const pr = await h.gh.pullRequest(owner, name, 1);
    const head = String((pr.head as Json).sha);
    const runsBefore = bosunRuns(head).filter((r) => r.name === 'bosun / staging/apps').length;
    const comment = await s.comment(1, 'alice', 'Please re-plan.\n/bosun plan staging/apps');

    await waitFor('the 👀 reaction', s.reacted(comment, 'eyes'));
    await waitFor('a new staging/apps check run', () => {
      const runs = bosunRuns(head).filter((r) => r.name === 'bosun / staging/apps');
      return runs.length > runsBefore && runs.every((r) => r.status === 'completed');
    });
    await waitFor('the 🚀 reaction', s.reacted(comment, 'rocket'));
    expect(stickyComments()).toHaveLength(1);
  });

  it('a newer push while a plan runs: the stale plan never overwrites the newer report', async () => {
    const commit = async (file: string, message: string): Promise<string> => {
      await writeFile(join(repo.dir, file), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${message}\n  namespace: shop\n`);
      await run('git', ['add', '-A'], { cwd: repo.dir });
      await run('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.org', 'commit', '-q', '-m', message], { cwd: repo.dir });
      return (await run('git', ['rev-parse', 'HEAD'], { cwd: repo.dir })).stdout.trim();
    };
    await run('git', ['checkout', '-q', '-b', 'feature/race'], { cwd: repo.dir });
    const older = await commit('apps/staging/race-one.yaml', 'race-one');
    await h.gh.addPullRequest({ owner, repo: name, number: 3, head: { ref: 'feature/race', sha: older }, base: { ref: 'main' }, user: 'alice' });
    const from = h.gh.requests.length;
    await s.pullRequestEvent(3, 'opened');
    const newer = await commit('apps/staging/race-two.yaml', 'race-two');
    await h.gh.updatePullRequest(owner, name, 3, { head: { sha: newer } });
    await s.pullRequestEvent(3, 'synchronize');

    const sticky = (): Json[] => s.planComments(3);
    await waitFor('the comment for the newer head', () => sticky().length === 1 && String(sticky()[0].body).includes(newer.slice(0, 7)));
    await waitFor('no check run left in progress', () => [...bosunRuns(older), ...bosunRuns(newer)].every((r) => r.status === 'completed'));
    const writes = h.gh.requests.slice(from)
      .filter((r) => r.kind === 'rest' && /\/issues\/(3\/)?comments/.test(r.path) && (r.method === 'POST' || r.method === 'PATCH'))
      .map((r) => String((r.body as Json | undefined)?.body ?? ''));
    const firstNewer = writes.findIndex((b) => b.includes(newer.slice(0, 7)));
    expect(firstNewer).toBeGreaterThanOrEqual(0);
    expect(writes.slice(firstNewer).filter((b) => b.includes(older.slice(0, 7)))).toEqual([]);
    expect(bosunRuns(newer).map((r) => r.conclusion)).not.toContain('cancelled');
    await run('git', ['checkout', '-q', repo.branch], { cwd: repo.dir });
  });

  it('the bot\'s own comments never run commands', async () => {
    const jobsBefore = await h.jobCount('bosun-command');
    const own = stickyComments()[0];
    const payload = h.gh.examplePayload('issue_comment', 'created', h.gh.repoPayload(owner, name), {
      issue: h.gh.issuePayload(owner, name, 1),
      comment: { ...own, body: `${String(own.body)}\n/bosun plan` },
    });
    expect((await h.send('issue_comment', payload)).status).toBeLessThan(300);
    expect(await h.jobCount('bosun-command')).toBe(jobsBefore);
  });

  it('/metrics counts the webhooks, the GitHub requests (the rate-limited one too) and the finished jobs', async () => {
    const text = await (await fetch(`${h.bot.server!.url}/metrics`)).text();
    expect(text).toMatch(/^bosun_webhooks_received_total\{event="pull_request"\} [1-9]/m);
    expect(text).toMatch(/^bosun_webhooks_received_total\{event="issue_comment"\} [1-9]/m);
    expect(text).toMatch(/^bosun_github_requests_total\{status="201"\} [1-9]/m);
    expect(text).toMatch(/^bosun_github_requests_total\{status="403"\} 1$/m);
    expect(text).toMatch(/^bosun_job_duration_seconds_count\{queue="bosun-plan",outcome="done"\} [1-9]/m);
  });

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.requests.length).toBeGreaterThan(10);
    expect(h.gh.problems()).toEqual([]);
  });
});
