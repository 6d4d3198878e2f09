// Merges that go beyond "apply each environment": promotion order (production dependsOn staging),
// a failed/unhealthy staging stopping production, plan pinning (the merge commit vs what the PR's last
// plan showed; requireMatchingPlan waits for `/bosun apply`), an autoApply:false environment applied by
// `/bosun apply` on the merged PR, the "applied to" lines on the merged PR's comment, an environment
// removed from the configuration being pruned (and a renamed one keeping its objects), and the
// pre-merge `/bosun apply` respecting the job layer's environment lease. Real Redis, git, kube-apiserver
// and the GitHub stand-in.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateKeys } from '../../src/jobs.ts';
import { scenario, type Json } from '../../testkit/scenario.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { redisUrl, startHarness, waitFor, type Harness } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'promote';
// Unique per run: inventories are per environment name on the shared test cluster.
const id = randomBytes(3).toString('hex');
const staging = `staging-${id}`;
const production = `production-${id}`;
const pinned = `pinned-${id}`;
const manual = `manual-${id}`;
const doomed = `doomed-${id}`;
const oldName = `old-${id}`;
const newName = `new-${id}`;
const premerge = `premerge-${id}`;
type Output = { title: string; summary: string; text: string | null };
const slow = 180_000;

describe('promotion, plan pinning and manual environments on merge', () => {
  let h: Harness;
  let work: string;
  let repo: GitRepoBuilder;
  let ns: string;
  let tip: string;
  const s = scenario(owner, name, () => h);
  const { kubectl, planComment, comment, replies, reacted } = s;
  const value = (cm: string): Promise<string> => kubectl('get', 'configmap', cm, '-n', ns, '-o', 'jsonpath={.data.v}');
  const absent = async (cm: string): Promise<boolean> => kubectl('get', 'configmap', cm, '-n', ns).then(() => false, () => true);
  const configMap = (cm: string, v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n  namespace: ${ns}\ndata:\n  v: "${v}"\n`;

  const checkName = (env: string) => `bosun / apply (${env})`;
  const runOf = (sha: string, env: string): Json | undefined => s.checkRuns(sha, checkName(env)).at(-1);
  const completed = (sha: string, env: string, notId?: unknown) => waitFor(`${checkName(env)} completed on ${sha.slice(0, 7)}`, () => {
    const r = runOf(sha, env);
    return r?.status === 'completed' && r.id !== notId ? r : undefined;
  }, 120_000);
  const { deploymentOf, deploymentStates: statuses } = s;

  const push = async (before: string, after: string): Promise<void> => {
    await s.push({ before, after });
  };
  /** Opens a PR from a branch off main with `change`, and has bosun plan it. */
  const openPr = async (branch: string, change: () => Promise<void>): Promise<{ pr: number; head: string }> => {
    await repo.branch(branch);
    await repo.checkout(branch);
    await change();
    const head = await repo.commit(`change on ${branch}`);
    await repo.checkout('main');
    // Numbered by the stand-in: issues bosun opens share the numbers.
    const pr = await s.openPullRequest({ ref: branch, sha: head });
    await waitFor(`the plan comment on #${pr}`, () => planComment(pr).includes(head.slice(0, 7)), 90_000);
    return { pr, head };
  };
  /** Merges the PR with a merge commit, as GitHub's merge button does, and sends the push. */
  const mergePr = async (pr: number, branch: string): Promise<string> => {
    const range = await s.mergeBranch(repo, pr, branch, `Merge pull request #${pr} from ${branch}`);
    tip = range.after;
    await s.push(range);
    return tip;
  };
  /** A commit straight on main (another merge landing), pushed. */
  const commitOnMain = async (message: string, change: () => Promise<void>): Promise<{ before: string; after: string }> => {
    await change();
    const before = tip;
    tip = await repo.commit(message);
    await push(before, tip);
    return { before, after: tip };
  };

  beforeAll(async () => {
    ns = `bosun-e2e-${id}`;
    work = await mkdtemp(join(tmpdir(), 'bosun-e2e-promote-'));
    const clustersFile = join(work, 'clusters.yaml');
    await writeTestClusterRegistry(clustersFile);
    await kubectl('create', 'namespace', ns);

    repo = await makeGitRepo();
    const env = (n: string, path: string, more: string[] = []) => [`  - name: ${n}`, `    path: ${path}`, '    cluster: test', '    healthTimeout: 4s', ...more.map((m) => `    ${m}`)];
    await repo.write('.bosun.yaml', ['version: 1', 'environments:',
      ...env(staging, 'clusters/staging'),
      ...env(production, 'clusters/production', [`dependsOn: [${staging}]`]),
      ...env(pinned, 'clusters/pinned', ['requireMatchingPlan: true']),
      ...env(manual, 'clusters/manual', ['autoApply: false']),
      ...env(doomed, 'clusters/doomed'),
      ...env(oldName, 'clusters/old'),
      ...env(premerge, 'clusters/premerge', ['allowPreMergeApply: true']),
      ''].join('\n'));
    await repo.write('clusters/staging/app.yaml', configMap('staging-app', '0'));
    await repo.write('clusters/production/app.yaml', configMap('production-app', '0'));
    await repo.write('clusters/pinned/app.yaml', configMap('pinned-app', '0'));
    await repo.write('clusters/pinned/other.yaml', configMap('pinned-other', '0'));
    await repo.write('clusters/manual/app.yaml', configMap('manual-app', '0'));
    await repo.write('clusters/doomed/app.yaml', configMap('doomed-app', '0'));
    await repo.write('clusters/old/app.yaml', configMap('renamed-app', '0'));
    await repo.write('clusters/premerge/app.yaml', configMap('premerge-app', '0'));
    tip = await repo.commit('configure bosun');

    h = await startHarness({ clustersFile });
    await h.gh.addRepo({ owner, name, gitDir: repo.dir, defaultBranch: 'main' });
    h.gh.setPermission(owner, name, 'alice', 'write');
    h.gh.setPermission(owner, name, 'mia', 'maintain');
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await kubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=false').catch(() => undefined);
    await rm(work, { recursive: true, force: true });
    await rm(repo.dir, { recursive: true, force: true });
  });

  it('a merge touching staging and production applies staging first, and production only once staging is healthy', async () => {
    const { pr } = await openPr('first', async () => {
      await repo.write('clusters/staging/app.yaml', configMap('staging-app', '1'));
      await repo.write('clusters/production/app.yaml', configMap('production-app', '1'));
      await repo.write('clusters/doomed/app.yaml', configMap('doomed-app', '1'));
      await repo.write('clusters/old/app.yaml', configMap('renamed-app', '1'));
    });
    const sha = await mergePr(pr, 'first');

    // The order is visible at once: production's check run is queued, waiting for staging.
    const queued = await waitFor('production queued behind staging', () => {
      const r = runOf(sha, production);
      return r && r.status !== 'completed' ? r : undefined;
    });
    expect((queued.output as Output).title).toBe(`Waiting for ${staging}`);

    const prod = await completed(sha, production);
    expect(prod.conclusion).toBe('success');
    expect((await completed(sha, staging)).conclusion).toBe('success');
    expect(await value('staging-app')).toBe('1');
    expect(await value('production-app')).toBe('1');
    // Staging's deployment succeeded before production's even started.
    const stagingSuccess = statuses(deploymentOf(sha, staging)!).find((s) => s.state === 'success')!;
    const prodStatuses = statuses(deploymentOf(sha, production)!);
    expect(prodStatuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(Number(stagingSuccess.id)).toBeLessThan(Number(prodStatuses[0].id));
    expect(Date.parse(String(stagingSuccess.created_at))).toBeLessThanOrEqual(Date.parse(String(prodStatuses[0].created_at)));
    // The merge commit renders exactly what the PR's plan showed.
    expect((prod.output as Output).summary).toContain(`the merge commit renders exactly what #${pr}'s last plan showed`);

    // The merged PR's comment lists each environment it reached.
    await waitFor('the applied lines on the PR', () => {
      const body = planComment(pr);
      return [staging, production, doomed, oldName].every((e) => body.includes(`✅ applied to \`${e}\` at \`${sha.slice(0, 7)}\``)) ? body : undefined;
    });
    expect(planComment(pr)).toContain(String(prod.html_url));
  }, slow);

  it('an unhealthy staging stops the promotion: production says why, links staging, and is not touched', async () => {
    const range = await commitOnMain('a deployment that never becomes healthy', async () => {
      // No kubelet runs in the test cluster: the Deployment's pods never become available.
      await repo.write('clusters/staging/deploy.yaml', [
        'apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', `  namespace: ${ns}`,
        'spec:', '  replicas: 1', '  selector:', '    matchLabels: {app: web}', '  template:', '    metadata:', '      labels: {app: web}',
        '    spec:', '      containers:', '        - name: web', '          image: registry.invalid/web:1', '',
      ].join('\n'));
      await repo.write('clusters/production/app.yaml', configMap('production-app', '2'));
    });
    const stagingRun = await completed(range.after, staging);
    expect(stagingRun.conclusion).toBe('failure');
    const prod = await completed(range.after, production);
    expect(prod.conclusion).toBe('cancelled');
    const output = prod.output as Output;
    expect(output.title).toBe(`Not applied: ${staging} is unhealthy at ${range.after.slice(0, 7)}`);
    expect(output.summary).toContain(String(stagingRun.html_url));
    expect(await value('production-app')).toBe('1');
    expect(deploymentOf(range.after, production)).toBeUndefined();

    // Fixed by the next merge: production is promoted again.
    const fixed = await commitOnMain('drop the deployment', () => repo.remove('clusters/staging/deploy.yaml').then(() => repo.write('clusters/production/app.yaml', configMap('production-app', '3'))));
    expect((await completed(fixed.after, production)).conclusion).toBe('success');
    expect(await value('production-app')).toBe('3');
  }, slow);

  it('when main moved after the plan, the merge says how it differs; requireMatchingPlan and autoApply:false wait for /bosun apply on the merged PR', async () => {
    const { pr, head } = await openPr('second', async () => {
      await repo.write('clusters/pinned/app.yaml', configMap('pinned-app', '2'));
      await repo.write('clusters/manual/app.yaml', configMap('manual-app', '2'));
    });
    // Another change to the same environment lands on main while the PR waits.
    const moved = await commitOnMain('someone else changes pinned', () => repo.write('clusters/pinned/other.yaml', configMap('pinned-other', 'moved')));
    expect((await completed(moved.after, pinned)).conclusion).toBe('success');
    const sha = await mergePr(pr, 'second');

    const held = await completed(sha, pinned);
    expect(held.conclusion).toBe('action_required');
    const out = held.output as Output;
    expect(out.title).toBe('Not applied: differs from the reviewed plan');
    expect(out.summary).toContain(`Comment \`/bosun apply ${pinned}\` on #${pr}`);
    expect(out.summary).toContain(`last plan (head \`${head.slice(0, 7)}\`) did not show`);
    expect(out.text).toContain(`## Planned (\`${head.slice(0, 7)}\`) vs merge commit (\`${sha.slice(0, 7)}\`)`);
    expect(out.text).toMatch(/ConfigMap [^<]*\/pinned-other[\s\S]*-\s+v: "0"\n\+\s+v: moved/);
    expect(deploymentOf(sha, pinned)).toBeUndefined();
    expect(await value('pinned-app')).toBe('0');

    const waiting = await completed(sha, manual);
    expect(waiting.conclusion).toBe('action_required');
    expect((waiting.output as Output).title).toBe(`Waiting for /bosun apply ${manual}`);
    expect((waiting.output as Output).text).toMatch(/Apply preview: .* → cluster `test`[\s\S]*[+~] ConfigMap .*\/manual-app/);
    expect(await absent('manual-app')).toBe(true);
    await waitFor('the waiting lines on the PR', () => planComment(pr).includes(`\`${manual}\` at \`${sha.slice(0, 7)}\` waits for \`/bosun apply ${manual}\``));

    // A writer may not; a maintainer applies both with one comment.
    const refused = await comment(pr, 'alice', `/bosun apply ${manual}`);
    await waitFor('😕', reacted(refused, 'confused'));
    const c = await comment(pr, 'mia', `/bosun apply ${pinned}\n/bosun apply ${manual}`);
    await waitFor('🚀', reacted(c, 'rocket'));
    expect(replies(pr).join('\n')).toContain(`Applying #${pr}'s merge commit \`${sha.slice(0, 7)}\` to \`${manual}\``);
    expect((await completed(sha, pinned, held.id)).conclusion).toBe('success');
    expect((await completed(sha, manual, waiting.id)).conclusion).toBe('success');
    expect(await value('pinned-app')).toBe('2');
    expect(await value('manual-app')).toBe('2');
    expect(statuses(deploymentOf(sha, manual)!).map((s) => s.state)).toEqual(['in_progress', 'success']);
    await waitFor('the applied lines after /bosun apply', () => [pinned, manual].every((e) => planComment(pr).includes(`✅ applied to \`${e}\` at \`${sha.slice(0, 7)}\``)));
  }, slow);

  it('/bosun apply on a merged PR older than what the environment has is refused as superseded', async () => {
    const { pr } = await openPr('third', () => repo.write('clusters/manual/app.yaml', configMap('manual-app', '3')));
    const older = await mergePr(pr, 'third');
    expect((await completed(older, manual)).conclusion).toBe('action_required');
    const { pr: pr2 } = await openPr('fourth', () => repo.write('clusters/manual/app.yaml', configMap('manual-app', '4')));
    const newer = await mergePr(pr2, 'fourth');
    expect((await completed(newer, manual)).conclusion).toBe('action_required');
    const c = await comment(pr, 'mia', `/bosun apply ${manual}`);
    await waitFor('😕', reacted(c, 'confused'));
    expect(replies(pr).at(-1)).toContain(`already has a newer commit (\`${newer.slice(0, 7)}\``);
    expect(await value('manual-app')).toBe('2');
  }, slow);

  it('an environment removed from the configuration is pruned; a renamed one keeps its objects', async () => {
    expect(await value('doomed-app')).toBe('1');
    expect(await value('renamed-app')).toBe('1');
    const range = await commitOnMain('remove doomed, rename old', async () => {
      const config = await repo.read('.bosun.yaml');
      const lines = config.split('\n');
      const start = lines.findIndex((l) => l === `  - name: ${doomed}`);
      lines.splice(start, 4);
      await repo.write('.bosun.yaml', lines.join('\n').replace(`name: ${oldName}`, `name: ${newName}`));
    });
    const removed = await completed(range.after, doomed);
    expect(removed.conclusion).toBe('success');
    expect((removed.output as Output).title).toBe(`Removed ${doomed}: pruned 1 object(s)`);
    expect(await absent('doomed-app')).toBe(true);

    expect((await completed(range.after, newName)).conclusion).toBe('success');
    const renamedOld = await completed(range.after, oldName);
    expect(renamedOld.conclusion).toBe('success');
    expect((renamedOld.output as Output).title).toBe(`Removed ${oldName}: pruned 0 object(s)`);
    expect(await value('renamed-app')).toBe('1');
    const label = await kubectl('get', 'configmap', 'renamed-app', '-n', ns, '-o', 'jsonpath={.metadata.labels.bosun\\.dev/environment}');
    expect(label).toBe(newName);
  }, slow);

  it('a pre-merge /bosun apply waits its turn: while another job holds the environment it applies nothing', async () => {
    const { pr } = await openPr('fifth', () => repo.write('clusters/premerge/app.yaml', configMap('premerge-app', '5')));
    const redis = new Redis(redisUrl);
    const key = stateKeys(h.prefix).envLease(`${owner}/${name}`, premerge);
    try {
      await redis.set(key, 'another-worker:apply', 'PX', 60_000);
      const busy = await comment(pr, 'mia', `/bosun apply ${premerge}`);
      await waitFor('😕', reacted(busy, 'confused'));
      expect(replies(pr).at(-1)).toMatch(/is being changed by another job right now/);
      expect(await value('premerge-app').catch(() => 'absent')).not.toBe('5');
      await redis.del(key);
      const ok = await comment(pr, 'mia', `/bosun apply ${premerge}`);
      await waitFor('🚀', reacted(ok, 'rocket'));
      expect(await value('premerge-app')).toBe('5');
      // The lease was given back.
      expect(await redis.exists(key)).toBe(0);
    } finally {
      redis.disconnect();
    }
  }, slow);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(h.gh.problems()).toEqual([]);
  });
});
