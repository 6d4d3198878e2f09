// The merge of a change that removes a `.bosun.yaml` environment does what the plan shows (issues #12, #13):
// with `prune: false` its objects stay (the removed environment's prune job stops at model/apply-options.ts
// removalKeepReason 'prune: false' and says so on a neutral check run; the plan lists each object as kept,
// test/plan/kept-objects.test.ts), while an environment with prune on has them deleted.
// Real Redis, git, kube-apiserver and the GitHub stand-in.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mainline } from '../../testkit/mainline.ts';

const owner = 'acme';
const name = 'prune-false-removal';
const id = randomBytes(3).toString('hex');
// Unique per run: the inventory is per environment name.
const keeping = `keeping-${id}`;
const pruning = `pruning-${id}`;
// `environments` may not be empty: one environment stays.
const staying = `staying-${id}`;
const namespace = `bosun-e2e-prunefalse-${id}`;
type Output = { title: string; summary: string };

const config = (envs: Array<{ env: string; prune: boolean }>) => [
  'version: 1', 'environments:',
  ...envs.flatMap(({ env, prune }) => [`  - name: ${env}`, `    path: deploy/${env}`, '    cluster: test', '    healthTimeout: 30s', `    prune: ${prune}`]), '',
].join('\n');
const configMap = (cm: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n  namespace: ${namespace}\ndata:\n  v: "1"\n`;

describe('merge: an environment removed from .bosun.yaml', () => {
  const m = mainline({ owner, name, namespace, createNamespace: true });
  const { kubectl, merge, applied } = m;
  const present = (cm: string): Promise<boolean> => kubectl('get', 'configmap', cm, '-n', namespace).then(() => true, () => false);

  it('with prune: false its objects stay (neutral check run, nothing deleted); with prune on they are deleted', async () => {
    const first = await merge('two environments', async () => {
      await m.repo.write('.bosun.yaml', config([{ env: keeping, prune: false }, { env: pruning, prune: true }, { env: staying, prune: true }]));
      await m.repo.write(`deploy/${staying}/a.yaml`, configMap('staying-a'));
      await m.repo.write(`deploy/${keeping}/a.yaml`, configMap('keeping-a'));
      await m.repo.write(`deploy/${keeping}/b.yaml`, configMap('keeping-b'));
      await m.repo.write(`deploy/${pruning}/a.yaml`, configMap('pruning-a'));
    });
    expect((await applied(keeping, first)).conclusion).toBe('success');
    expect((await applied(pruning, first)).conclusion).toBe('success');
    expect(await present('keeping-a')).toBe(true);
    expect(await present('pruning-a')).toBe(true);

    const second = await merge('remove both environments', async () => {
      await m.repo.write('.bosun.yaml', config([{ env: staying, prune: true }]));
    });
    const kept = await applied(keeping, second);
    expect(kept.conclusion).toBe('neutral');
    expect((kept.output as Output).title).toBe(`${keeping} removed; its objects stay (prune: false)`);
    const pruned = await applied(pruning, second);
    expect(pruned.conclusion).toBe('success');
    expect((pruned.output as Output).title).toBe(`Removed ${pruning}: pruned 1 object(s)`);
    expect(await present('pruning-a')).toBe(false);
    expect(await present('keeping-a')).toBe(true);
    expect(await present('keeping-b')).toBe(true);
    expect(await present('staying-a')).toBe(true);
  }, 300_000);
});
