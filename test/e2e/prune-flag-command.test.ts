// `--prune` on `/bosun apply`, end to end: an environment with `prune: false` keeps what Git dropped on merge;
// `/bosun apply <env> --prune` on the merged pull request (refused for a writer, as without the flag) applies
// its merge commit and deletes what Git dropped, keeping an object annotated `bosun.dev/prune: disabled` (as
// `argocd app sync --prune` keeps a Prune=false one); before merge, `/bosun apply <env> --prune` on an open pull
// request prunes its head's removals the same way. Real Redis, git, kube-apiserver and the GitHub stand-in.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Json, PushRange } from '../../testkit/scenario.ts';
import { mainline } from '../../testkit/mainline.ts';
import { waitFor } from '../../testkit/harness.ts';

const owner = 'acme';
const name = 'prune-flag';
// Unique on the shared test cluster: bosun's inventory is per environment name.
const env = `keep-${randomBytes(3).toString('hex')}`;
const checkName = `bosun / apply (${env})`;
const namespace = `bosun-e2e-prune-${randomBytes(3).toString('hex')}`;
const slow = 180_000;

describe('/bosun apply <env> --prune on an environment with prune off', () => {
  const m = mainline({
    owner, name, namespace,
    files: { '.bosun.yaml': ['version: 1', 'environments:', `  - name: ${env}`, '    path: clusters/staging', '    cluster: test', '    prune: false', '    allowPreMergeApply: true', '    healthTimeout: 30s', ''].join('\n') },
    permissions: { alice: 'write', mia: 'maintain' },
  });
  const { s, kubectl } = m;
  const merges: Record<number, string> = {};
  const configMap = (cm: string, v: string, annotations = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n  namespace: ${namespace}\n${annotations}data:\n  v: "${v}"\n`;
  const value = (cm: string): Promise<string> => kubectl('get', 'configmap', cm, '-n', namespace, '-o', 'jsonpath={.data.v}');
  const absent = (cm: string): Promise<boolean> => kubectl('get', 'configmap', cm, '-n', namespace).then(() => false, () => true);
  const mergePr = async (number: number, title: string, change: () => Promise<void>): Promise<PushRange> => {
    const range = await s.mergeChange(m.repo, number, title, change);
    merges[number] = range.after;
    await s.push(range);
    return range;
  };

  it('on a merged pull request: a writer is refused; a maintainer\'s apply deletes what Git dropped and keeps the annotated object', async () => {
    await mergePr(1, 'app, old and kept', async () => {
      await m.repo.write('clusters/staging/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
      await m.repo.write('clusters/staging/app.yaml', configMap('app', '1'));
      await m.repo.write('clusters/staging/old.yaml', configMap('old', '1'));
      await m.repo.write('clusters/staging/kept.yaml', configMap('kept', '1', '  annotations:\n    bosun.dev/prune: disabled\n'));
    });
    expect((await s.completedRun(merges[1]!, checkName, { timeoutMs: slow })).conclusion).toBe('success');
    await mergePr(2, 'drop old and kept', async () => {
      await rm(join(m.repo.dir, 'clusters/staging/old.yaml'));
      await rm(join(m.repo.dir, 'clusters/staging/kept.yaml'));
      await m.repo.write('clusters/staging/app.yaml', configMap('app', '2'));
    });
    const merged = merges[2]!;
    expect((await s.completedRun(merged, checkName, { timeoutMs: slow })).conclusion).toBe('success');
    // prune: false — the merge leaves what Git dropped.
    expect(await value('app')).toBe('2');
    expect(await value('old')).toBe('1');

    const refused = await s.command(2, 'alice', `/bosun apply ${env} --prune`, 'confused');
    expect(refused).toContain(`@alice needs maintain permission to run \`/bosun apply ${env} --prune\`; you have write`);
    expect(await value('old')).toBe('1');

    const reply = await s.command(2, 'mia', `/bosun apply ${env} --prune`, 'rocket');
    expect(reply).toContain(`Applying #2's merge commit \`${merged.slice(0, 7)}\` to \`${env}\`, pruning what Git no longer has (\`--prune\`)`);
    const run = await s.completedRun(merged, checkName, { count: 2, timeoutMs: slow });
    expect(run.conclusion).toBe('success');
    expect(await absent('old')).toBe(true);
    // A rule keeps it even with --prune (Argo CD: Prune=false is "ignored (no prune)" by `argocd app sync --prune`).
    expect(await value('kept')).toBe('1');
    const output = run.output as Json;
    expect(`${String(output.summary)}\n${String(output.text)}`).toContain('bosun.dev/prune: disabled');
    const deployment = m.gh.deployments(owner, name).filter((d) => d.sha === merged && d.environment === env && (d.payload as Json).trigger === 'command');
    expect(deployment).toHaveLength(1);
    await waitFor('the command deployment succeeded', () => s.deploymentStates(deployment[0]!).at(-1)?.state === 'success');
  }, 2 * slow);

  it('before merge: /bosun apply <env> --prune on an open pull request prunes its head\'s removals', async () => {
    await m.repo.git('checkout', '--quiet', '-b', 'drop-app', 'main');
    await rm(join(m.repo.dir, 'clusters/staging/app.yaml'));
    const head = await m.repo.commit('drop app');
    await m.repo.checkout('main');
    await m.gh.addPullRequest({ owner, repo: name, number: 3, head: { ref: 'drop-app', sha: head }, base: { ref: 'main' }, user: 'alice' });

    const c = await s.comment(3, 'mia', `/bosun apply ${env} --prune`);
    await waitFor('🚀', s.reacted(c, 'rocket'), slow);
    const reply = await waitFor('the apply\'s reply', () => s.replies(3).find((b) => b.includes(`\`/bosun apply ${env} --prune\` at \`${head.slice(0, 7)}\``)), slow);
    expect(reply.startsWith('✅')).toBe(true);
    expect(await absent('app')).toBe(true);
    expect(await value('kept')).toBe('1');
  }, slow);

  it('every request bosun sent matched GitHub\'s OpenAPI description', () => {
    expect(m.gh.problems()).toEqual([]);
  });
});
