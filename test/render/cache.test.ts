import { describe, expect, it } from 'vitest';
import { RenderCache, renderCount, renderEnvironment, toolRunCount } from '../../src/render/index.ts';
import type { RenderOutcome } from '../../src/render/index.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();

const files = {
  'clusters/prod/kustomization.yaml': 'resources: [cm.yaml]\n',
  'clusters/prod/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: prod\n',
};

describe('RenderCache', () => {
  it('renders identical concurrent requests once and gives every caller its own copy', async () => {
    const root = await repo(files);
    const env = environment({ name: 'prod', path: 'clusters/prod' });
    const cache = new RenderCache();
    const rendersBefore = renderCount();
    const toolRunsBefore = toolRunCount();

    const [base, head] = await Promise.all([
      cache.get('prod@tree-abc', () => renderEnvironment(root, env)),
      cache.get('prod@tree-abc', () => renderEnvironment(root, env)),
    ]);
    expect(renderCount() - rendersBefore).toBe(1);
    expect(toolRunCount() - toolRunsBefore).toBe(1);
    expect(cache.stats).toEqual({ renders: 1, hits: 1, entries: 1 });
    expect(head).toEqual(base);
    expect(base.ok && base.objects[0].object.data).toEqual({ mode: 'prod' });

    // one caller normalising its objects in place does not change what the next caller gets
    if (base.ok) base.objects[0].object.data = { mode: 'changed' };
    const later = await cache.get('prod@tree-abc', () => renderEnvironment(root, env));
    expect(later.ok && later.objects[0].object.data).toEqual({ mode: 'prod' });
    expect(renderCount() - rendersBefore).toBe(1);

    await cache.get('prod@tree-def', () => renderEnvironment(root, env));
    expect(renderCount() - rendersBefore).toBe(2);
    expect(cache.stats).toEqual({ renders: 2, hits: 2, entries: 2 });
  });

  it('keeps failed outcomes, forgets renders that threw, and evicts the oldest entries', async () => {
    const cache = new RenderCache({ maxEntries: 2 });
    const failed: RenderOutcome = { ok: false, error: { kind: 'render', message: 'bad input' } };
    let calls = 0;
    const fail = async () => {
      calls++;
      return failed;
    };
    expect(await cache.get('a', fail)).toEqual(failed);
    expect(await cache.get('a', fail)).toEqual(failed);
    expect(calls).toBe(1);

    await expect(cache.get('boom', async () => {
      throw new Error('bug');
    })).rejects.toThrow('bug');
    const ok: RenderOutcome = { ok: true, objects: [] };
    expect(await cache.get('boom', async () => ok)).toEqual(ok);

    await cache.get('c', async () => ok);
    expect(cache.stats.entries).toBe(2);
    await cache.get('a', fail); // 'a' was the oldest and is gone: computed again
    expect(calls).toBe(2);
  });
});
