// The merge of a change that removes a Flux Kustomization does what the plan shows (issues #12, #13): with
// deletionPolicy: Delete its objects are deleted although spec.prune is false (kustomize-controller's
// finalizer deletes the inventory whatever prune says: kustomization_controller.go
// finalizerShouldDeleteResources), while one with the default MirrorPrune and spec.prune: false keeps them.
// The rule both follow is model/apply-options.ts removalKeepReason (plan: test/plan/kept-objects.test.ts).
// Real Redis, git, kube-apiserver and the GitHub stand-in.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mainline } from '../../testkit/mainline.ts';

const owner = 'acme';
const name = 'flux-deletion';
const id = randomBytes(3).toString('hex');
// Kustomizations outside clusters/<c>/ are named by metadata.name and target the registry cluster of that name.
const deleting = `deleting-${id}`;
const keeping = `keeping-${id}`;
const namespace = `bosun-e2e-fluxdel-${id}`;
type Output = { title: string; summary: string };

const kustomization = (env: string, path: string, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${env}
  namespace: flux-system
spec:
  interval: 10m
  path: ${path}
  prune: false
  sourceRef:
    kind: GitRepository
    name: flux-system
${extra}`;
const configMap = (cm: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${cm}\n  namespace: ${namespace}\ndata:\n  v: "1"\n`;

describe('merge: a removed Flux Kustomization with spec.prune: false', () => {
  const m = mainline({ owner, name, namespace, createNamespace: true, clusters: [deleting, keeping] });
  const { s, kubectl, merge, applied } = m;
  const present = (cm: string): Promise<boolean> => kubectl('get', 'configmap', cm, '-n', namespace).then(() => true, () => false);

  it('deletionPolicy: Delete prunes its objects on merge; MirrorPrune keeps them', async () => {
    const first = await merge('flux: two Kustomizations without prune', async () => {
      await m.repo.write('flux/deleting.yaml', kustomization(deleting, './deploy/deleting', '  deletionPolicy: Delete\n'));
      await m.repo.write('flux/keeping.yaml', kustomization(keeping, './deploy/keeping'));
      await m.repo.write('deploy/deleting/a.yaml', configMap('deleting-a'));
      await m.repo.write('deploy/deleting/b.yaml', configMap('deleting-b'));
      await m.repo.write('deploy/keeping/a.yaml', configMap('keeping-a'));
    });
    expect((await applied(deleting, first)).conclusion).toBe('success');
    expect((await applied(keeping, first)).conclusion).toBe('success');
    expect(await present('deleting-a')).toBe(true);
    expect(await present('keeping-a')).toBe(true);

    const second = await merge('flux: remove both Kustomizations', async () => {
      await m.repo.remove('flux/deleting.yaml');
      await m.repo.remove('flux/keeping.yaml');
    });
    const removed = await applied(deleting, second);
    expect(removed.conclusion).toBe('success');
    expect((removed.output as Output).title).toBe(`Removed ${deleting}: pruned 2 object(s)`);
    expect(await present('deleting-a')).toBe(false);
    expect(await present('deleting-b')).toBe(false);
    // MirrorPrune without prune: not affected, no prune queued (its finalizer deletes nothing).
    expect(s.checkRuns(second, `bosun / apply (${keeping})`)).toEqual([]);
    expect(await present('keeping-a')).toBe(true);
  }, 300_000);
});
