// The PR shows the plan from its first second (issue #16): before, nothing appeared on a pull request until
// the analysis ended — on a large repository a minute or more. Through the real worker path (signed
// webhooks, Redis, a worker cloning from the GitHub stand-in, which checks every request against GitHub's
// OpenAPI description): the job opens the `bosun` check run in progress before anything else it posts,
// the environments' runs come after it, no progress update lands after its end, and it ends as the plan
// decides — success when every changed file is judged, neutral when one cannot be, failure when the plan
// cannot run or an affected environment's own run fails (never green beside a red environment). One `bosun` run per plan of a head. The order of the stand-in's requests, not timing.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { startHarness, waitFor, type Harness } from '../../testkit/harness.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';
import type { RequestRecord } from '../../testkit/github-standin/types.ts';

const owner = 'acme';
const name = 'gitops';
const configMap = (cmName: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cmName}\n  namespace: default\ndata:\n  value: "${value}"\n`;
// A Flux Kustomization applied on a cluster bosun does not know (spec.kubeConfig): a change to apps/billing cannot be judged.
const remoteKustomization = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: billing, namespace: flux-system}
spec: {interval: 10m, path: ./apps/billing, prune: true, sourceRef: {kind: GitRepository, name: flux-system}, kubeConfig: {secretRef: {name: edge}}}
`;

describe('the bosun check run of a plan job', () => {
  let h: Harness;
  let repo: GitRepoBuilder;
  const heads: Record<'covered' | 'uncovered' | 'broken' | 'invalid', string> = { covered: '', uncovered: '', broken: '', invalid: '' };
  const s = scenario(owner, name, () => h);

  beforeAll(async () => {
    repo = await makeGitRepo();
    await repo.write('clusters/staging/settings.yaml', configMap('settings', 'a'));
    await repo.write('clusters/prod/settings.yaml', configMap('settings', 'a'));
    await repo.write('flux/billing.yaml', remoteKustomization);
    await repo.write('apps/billing/settings.yaml', configMap('billing', 'a'));
    await repo.commit('base');
    const branch = async (ref: string, files: Record<string, string>): Promise<string> => {
      await repo.git('checkout', '--quiet', '-b', ref, 'main');
      for (const [path, text] of Object.entries(files)) await repo.write(path, text);
      const sha = await repo.commit(ref);
      await repo.git('checkout', '--quiet', 'main');
      return sha;
    };
    heads.covered = await branch('covered', { 'clusters/staging/settings.yaml': configMap('settings', 'b'), 'clusters/prod/settings.yaml': configMap('settings', 'b') });
    heads.uncovered = await branch('uncovered', { 'clusters/staging/settings.yaml': configMap('settings', 'c'), 'apps/billing/settings.yaml': configMap('billing', 'c') });
    heads.broken = await branch('broken', { '.bosun.yaml': 'environments: [this is not a list of environments\n' });
    heads.invalid = await branch('invalid', { 'clusters/staging/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: [not, a, map\n' });
    h = await startHarness();
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    for (const [i, ref] of (['covered', 'uncovered', 'broken', 'invalid'] as const).entries()) {
      await h.gh.addPullRequest({ owner, repo: name, number: i + 1, head: { ref, sha: heads[ref] }, base: { ref: 'main' }, user: 'alice' });
    }
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  /** The head's requests about check runs, in the order the stand-in answered them, and the `bosun` run's id. */
  const story = (sha: string) => {
    const runs = s.checkRuns(sha);
    const bosun = runs.filter((r) => r.name === 'bosun');
    const ids = new Map(runs.map((r) => [String(r.id), String(r.name)]));
    const events = h.gh.requests.filter((r: RequestRecord) => r.kind === 'rest' && r.path.includes('/check-runs') && r.status < 300).flatMap((r) => {
      const body = (r.body ?? {}) as Json;
      if (r.method === 'POST' && body.head_sha === sha) return [{ seq: r.seq, what: `open ${String(body.name)} ${String(body.status)}` }];
      const id = r.method === 'PATCH' ? r.path.split('/').pop()! : undefined;
      if (!id || !ids.has(id)) return [];
      const output = (body.output ?? {}) as Json;
      return [{ seq: r.seq, what: body.status === 'completed' ? `complete ${ids.get(id)!} ${String(body.conclusion)}` : `update ${ids.get(id)!} ${String(output.title)}` }];
    });
    return { runs, bosun, events: events.map((e) => e.what) };
  };
  /** Every run of `names` completed on the head and the PR's comment names the head. */
  const done = (pr: number, sha: string, names: string[]) => () => {
    const runs = s.checkRuns(sha);
    return names.every((n) => runs.some((r) => r.name === n && r.status === 'completed')) && s.planComment(pr).includes(sha.slice(0, 7)) ? runs : undefined;
  };

  it('opens `bosun` in progress before the environments\' runs, and completes it with success when every changed file is judged', async () => {
    await s.pullRequestEvent(1, 'opened');
    await waitFor('the covered plan', done(1, heads.covered, ['bosun', 'bosun / staging', 'bosun / prod']));
    const { bosun, events } = story(heads.covered);
    expect(events[0]).toBe('open bosun in_progress');
    expect(events.filter((e) => e.startsWith('open '))).toEqual(['open bosun in_progress', expect.stringMatching(/^open bosun \/ (prod|staging) in_progress$/), expect.stringMatching(/^open bosun \/ (prod|staging) in_progress$/)]);
    // Progress updates (if the plan was slow enough for one) say "Planning…", and none comes after the end.
    const end = events.indexOf('complete bosun success');
    expect(end).toBeGreaterThan(0);
    expect(events.slice(end + 1).filter((e) => e.includes(' bosun ') && !e.includes(' bosun /'))).toEqual([]);
    expect(events.filter((e) => e.startsWith('update bosun ') && !e.startsWith('update bosun /'))).toEqual(events.filter((e) => e === 'update bosun Planning…'));
    expect(bosun).toHaveLength(1);
    expect(bosun[0]).toMatchObject({ status: 'completed', conclusion: 'success', output: expect.objectContaining({ title: 'Planned: 2 environments affected' }) });
    expect(s.checkRuns(heads.covered).filter((r) => String(r.name).startsWith('bosun / ')).map((r) => r.conclusion)).toEqual(['success', 'success']);
  }, 120_000);

  it('ends neutral, as before, when a changed file cannot be judged — the same run it opened', async () => {
    await s.pullRequestEvent(2, 'opened');
    await waitFor('the uncovered plan', done(2, heads.uncovered, ['bosun', 'bosun / staging']));
    const { bosun, events } = story(heads.uncovered);
    expect(events[0]).toBe('open bosun in_progress');
    expect(events.filter((e) => e.startsWith('open bosun'))).toEqual(['open bosun in_progress', 'open bosun / staging in_progress']);
    expect(events.filter((e) => e.startsWith('complete bosun ') && !e.startsWith('complete bosun /'))).toEqual(['complete bosun neutral']);
    expect(bosun).toHaveLength(1);
    expect(bosun[0]).toMatchObject({ conclusion: 'neutral', output: expect.objectContaining({ title: 'bosun cannot judge 1 changed file' }) });
  }, 120_000);

  it('ends failed, as before, when the plan cannot run — and no environment run is opened', async () => {
    await s.pullRequestEvent(3, 'opened');
    await waitFor('the failed plan', done(3, heads.broken, ['bosun']));
    const { bosun, events } = story(heads.broken);
    expect(events[0]).toBe('open bosun in_progress');
    expect(events.filter((e) => e.startsWith('open '))).toEqual(['open bosun in_progress']);
    expect(events.at(-1)).toBe('complete bosun failure');
    expect(bosun).toHaveLength(1);
    expect(bosun[0]).toMatchObject({ conclusion: 'failure', output: expect.objectContaining({ title: 'bosun could not plan this pull request' }) });
  }, 120_000);

  it('ends failed when an affected environment\'s own run fails, so `bosun` alone is never green beside a red environment', async () => {
    await s.pullRequestEvent(4, 'opened');
    await waitFor('the invalid plan', done(4, heads.invalid, ['bosun', 'bosun / staging']));
    const { bosun, runs, events } = story(heads.invalid);
    expect(events[0]).toBe('open bosun in_progress');
    expect(runs.find((r) => r.name === 'bosun / staging')).toMatchObject({ conclusion: 'failure' });
    expect(events.filter((e) => e.startsWith('complete bosun ') && !e.startsWith('complete bosun /'))).toEqual(['complete bosun failure']);
    expect(bosun).toHaveLength(1);
    expect(bosun[0]).toMatchObject({ conclusion: 'failure', output: expect.objectContaining({ title: '1 of 1 affected environment failing' }) });
  }, 120_000);
});
