import { describe, expect, it } from 'vitest';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { readInventory } from '../../src/cluster/inventory.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import { renderPreviewMarkdown } from '../../src/report/preview-section.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { configMap, deployment, environment, get, ns, rendered, testClient, suiteCleanup } from './helpers.ts';

const client = testClient();
const { setup } = suiteCleanup(client, 'pv');

/** Writes a field as another field manager, the way `kubectl apply --server-side` by a human would. */
async function applyAs(manager: string, obj: KubeObject): Promise<void> {
  await client.request({
    method: 'PATCH',
    path: `/api/v1/namespaces/${obj.metadata?.namespace}/configmaps/${obj.metadata?.name}`,
    query: { fieldManager: manager, force: 'true' },
    contentType: 'application/apply-patch+yaml',
    body: JSON.stringify(obj),
  });
}

describe('apply preview', () => {
  it('classifies objects as create, update, unchanged and prune, with diffs against the live state', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'same', { a: '1' }), configMap(space, 'changed', { a: '1' }), configMap(space, 'removed', { a: '1' })) });
    const preview = await previewEnvironment({
      client,
      env: environment(env),
      objects: rendered(ns(space), configMap(space, 'same', { a: '1' }), configMap(space, 'changed', { a: '2' }), configMap(space, 'added', { a: '1' })),
    });
    expect(preview.ok).toBe(true);
    const byName = Object.fromEntries([...preview.objects, ...preview.prunes].map((o) => [o.name, o]));
    expect(byName[space].action).toBe('unchanged');
    expect(byName.same.action).toBe('unchanged');
    expect(byName.changed.action).toBe('update');
    expect(byName.changed.diff).toContain('-  a: "1"');
    expect(byName.changed.diff).toContain('+  a: "2"');
    // Server-written noise never shows up in a diff.
    expect(byName.changed.diff).not.toMatch(/resourceVersion|managedFields|creationTimestamp|uid:/);
    expect(byName.added.action).toBe('create');
    expect(byName.removed.action).toBe('prune');
    expect(preview.counts).toMatchObject({ create: 1, update: 1, unchanged: 2, prune: 1 });
    const markdown = renderPreviewMarkdown(preview);
    expect(markdown).toContain('**+1 ~1 −1**, 2 unchanged');
    expect(markdown).toContain(`~ ConfigMap ${space}/changed`);
    expect(markdown).toContain('```diff');
  });

  it('with prune off, counts what is left out of sync as Argo CD does: not an IgnoreExtraneous object, not one another application took; what Prune=false keeps apart, as a sync with prune keeps it too', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'kept', { a: '1' }), configMap(space, 'left', { a: '1' }),
      configMap(space, 'extraneous', { a: '1' }, { 'argocd.argoproj.io/compare-options': 'ServerSideDiff=true,IgnoreExtraneous' }), configMap(space, 'taken', { a: '1' }),
      configMap(space, 'guarded', { a: '1' }, { 'argocd.argoproj.io/sync-options': 'Prune=false' }), configMap(space, 'bosun-guarded', { a: '1' }, { 'bosun.dev/prune': 'disabled' }),
      configMap(space, 'guarded-extraneous', { a: '1' }, { 'argocd.argoproj.io/sync-options': 'Prune=false', 'argocd.argoproj.io/compare-options': 'IgnoreExtraneous' })) });
    // Someone relabelled `taken` for another environment: no longer this one's.
    await client.request({ method: 'PATCH', path: `/api/v1/namespaces/${space}/configmaps/taken`, contentType: 'application/merge-patch+json', body: JSON.stringify({ metadata: { labels: { 'bosun.dev/environment': 'elsewhere' } } }) });
    const preview = await previewEnvironment({ client, env: environment(env, { prune: false }), objects: rendered(ns(space), configMap(space, 'kept', { a: '1' })) });
    expect(preview.prunes).toEqual([]);
    expect(preview.notes).toContain('prune is off for this environment: 6 object(s) Git no longer has stay in the cluster');
    expect(preview.leftByPruneOff).toBe(1);
    // Prune=false and bosun.dev/prune: disabled: out of sync too ("ignored (no prune)"), but not for a sync with prune to release; with IgnoreExtraneous, not at all.
    expect(preview.keptByPruneRule).toBe(2);
    // The apply leaves them and records the same counts (ApplyReport: a later RollingSync step waits on them).
    const left = await applyEnvironment({ client, env: environment(env, { prune: false }), objects: rendered(ns(space), configMap(space, 'kept', { a: '1' })) });
    expect(left.ok).toBe(true);
    expect(left.notes).toContain('prune is off: 6 object(s) Git no longer has stay in the cluster');
    expect(left.leftByPruneOff).toBe(1);
    expect(left.keptByPruneRule).toBe(2);
    // Pruned (a sync with prune): nothing is left, but what the rules keep stays and still counts.
    const pruned = await applyEnvironment({ client, env: environment(env, { prune: false }), prune: true, objects: rendered(ns(space), configMap(space, 'kept', { a: '1' })) });
    expect(pruned.ok).toBe(true);
    expect(pruned.leftByPruneOff).toBeUndefined();
    expect(pruned.keptByPruneRule).toBe(2);
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/left`)).toBeUndefined();
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/guarded`))?.metadata?.name).toBe('guarded');
    // Deleted by hand: the next sync with prune leaves nothing out of sync.
    for (const name of ['guarded', 'bosun-guarded']) await client.request({ method: 'DELETE', path: `/api/v1/namespaces/${space}/configmaps/${name}` });
    const cleared = await applyEnvironment({ client, env: environment(env, { prune: false }), prune: true, objects: rendered(ns(space), configMap(space, 'kept', { a: '1' })) });
    expect(cleared.ok).toBe(true);
    expect(cleared.leftByPruneOff).toBeUndefined();
    expect(cleared.keptByPruneRule).toBeUndefined();
  });

  it('shows server-side defaults and admission results, and reports rejections with the server reason', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space)) });
    const bad = deployment(space, 'bad');
    (bad.spec as { selector: unknown }).selector = { matchLabels: { app: 'mismatch' } };
    const preview = await previewEnvironment({ client, env: environment(env), objects: rendered(ns(space), deployment(space, 'web'), bad) });
    expect(preview.ok).toBe(false);
    const web = preview.objects.find((o) => o.name === 'web');
    expect(web?.action).toBe('create');
    // The dry run went through the API server: defaults it fills in are part of the diff.
    expect(web?.diff).toContain('progressDeadlineSeconds: 600');
    const rejected = preview.objects.find((o) => o.name === 'bad');
    expect(rejected?.action).toBe('rejected');
    expect(rejected?.message).toMatch(/422 Invalid: .*selector/);
    expect(rejected?.source).toEqual({ file: 'clusters/test/objects.yaml', line: 21 });
  });

  it('checks objects in a namespace that this change creates, without creating it', async () => {
    const { env, space } = setup();
    const bad = deployment(space, 'bad');
    (bad.spec as { selector: unknown }).selector = { matchLabels: { app: 'mismatch' } };
    const preview = await previewEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'c', { a: '1' }), bad) });
    expect(preview.objects.map((o) => `${o.kind}:${o.action}`)).toEqual(['Namespace:create', 'ConfigMap:create', 'Deployment:rejected']);
    expect(preview.objects[1].message).toBe(`namespace ${space} is created by this change; checked by the API server in namespace default instead`);
    expect(preview.objects[1].diff).toContain(`namespace: ${space}`);
    expect(preview.objects[2].message).toMatch(/422 Invalid: .*selector/);
    expect(preview.ok).toBe(false);
    expect(await get(client, `/api/v1/namespaces/${space}`)).toBeUndefined();
  });

  it('reports a conflict with another field manager, naming the manager and field', async () => {
    const { env, space } = setup();
    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'shared', { owned: 'bosun' })) });
    await applyAs('other', configMap(space, 'shared', { tuned: 'by-hand' }));

    const objects = rendered(ns(space), configMap(space, 'shared', { owned: 'bosun', tuned: 'from-git' }));
    const preview = await previewEnvironment({ client, env: environment(env), objects });
    const shared = preview.objects.find((o) => o.name === 'shared');
    expect(shared?.action).toBe('conflict');
    expect(shared?.conflicts).toEqual([{ manager: 'other', field: '.data.tuned' }]);
    expect(renderPreviewMarkdown(preview)).toContain('`.data.tuned` is owned by `other`');

    const applied = await applyEnvironment({ client, env: environment(env), objects });
    expect(applied.ok).toBe(false);
    const failed = applied.objects.find((o) => o.name === 'shared');
    expect(failed?.action).toBe('failed');
    expect(failed?.error).toContain('"other" owns .data.tuned');
    expect(failed?.error).toContain('forceConflicts');
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/shared`))?.data).toEqual({ owned: 'bosun', tuned: 'by-hand' });

    const forcedPreview = await previewEnvironment({ client, env: environment(env, { forceConflicts: true }), objects });
    const forcedShared = forcedPreview.objects.find((o) => o.name === 'shared');
    expect(forcedShared?.action).toBe('update');
    expect(forcedShared?.message).toContain('takes over .data.tuned from "other"');

    const forced = await applyEnvironment({ client, env: environment(env, { forceConflicts: true }), objects });
    expect(forced.ok).toBe(true);
    expect(forced.objects.find((o) => o.name === 'shared')?.action).toBe('configured');
    expect((await get(client, `/api/v1/namespaces/${space}/configmaps/shared`))?.data).toEqual({ owned: 'bosun', tuned: 'from-git' });
  });

  it('changes nothing in a dry run, not even the inventory', async () => {
    const { env, space } = setup();
    const report = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'c', { a: '1' })), dryRun: true });
    expect(report.ok).toBe(true);
    expect(report.dryRun).toBe(true);
    expect(report.objects.map((o) => o.action)).toEqual(['created', 'created']);
    expect(report.notes[0]).toBe('dry run: nothing was changed');
    expect(await get(client, `/api/v1/namespaces/${space}`)).toBeUndefined();
    expect(await readInventory(client, env)).toBeUndefined();

    await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'c', { a: '1' }), configMap(space, 'gone', { a: '1' })) });
    const before = await get(client, `/api/v1/namespaces/${space}/configmaps/c`);
    const dry = await applyEnvironment({ client, env: environment(env), objects: rendered(ns(space), configMap(space, 'c', { a: '2' })), dryRun: true });
    expect(dry.objects.map((o) => `${o.name}:${o.action}`)).toEqual([`${space}:unchanged`, 'c:configured', 'gone:pruned']);
    const after = await get(client, `/api/v1/namespaces/${space}/configmaps/c`);
    expect(after?.metadata?.resourceVersion).toBe(before?.metadata?.resourceVersion);
    expect(after?.data).toEqual({ a: '1' });
    expect(await get(client, `/api/v1/namespaces/${space}/configmaps/gone`)).toBeDefined();
  });
});
