import { afterAll, describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { inventoryName } from '../../src/cluster/inventory.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import { renderPreviewMarkdown } from '../../src/report/preview-section.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { deleteInventory, deleteNamespaces, environment, ns, rendered, testClient, unique } from './helpers.ts';

const client = testClient();
const env = unique('env');
const space = unique('sec');
afterAll(async () => {
  await deleteNamespaces(client, [space]);
  await deleteInventory(client, inventoryName(env));
  client.close();
});

const values = {
  dataOld: 'hunter2-alpha-value',
  stringOld: 'p@ssw0rd-beta-value',
  dataNew: 'hunter3-gamma-value',
  stringNew: 'p@ssw0rd-delta-value',
  rejected: 'rejected-epsilon-value',
  contested: 'contested-zeta-value',
};

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secret(name: string, data: Record<string, string>, stringData?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: space }, type: 'Opaque', data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])), ...(stringData ? { stringData } : {}) };
}

function expectNoSecret(label: string, output: unknown): void {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  for (const value of Object.values(values)) {
    for (const form of [value, b64(value), b64(value).replace(/=+$/, '')]) {
      expect(text.includes(form), `${label} contains a secret value (${form.slice(0, 4)}…)`).toBe(false);
    }
  }
}

describe('secret values', () => {
  it('never appear in previews, apply reports, summaries or errors', async () => {
    const outputs: Array<[string, unknown]> = [];
    const objects = (dataValue: string, stringValue: string): ReturnType<typeof rendered> => rendered(
      ns(space),
      secret('app', { token: dataValue }, { password: stringValue }),
      // An invalid key: the API server rejects the Secret (422) while the value rides along in the request.
      secret('broken', { 'bad key': values.rejected }),
      secret('contested', { shared: values.contested }),
    );

    const firstPreview = await previewEnvironment({ client, env: environment(env), objects: objects(values.dataOld, values.stringOld) });
    outputs.push(['first preview', firstPreview], ['first preview markdown', renderPreviewMarkdown(firstPreview)]);
    expect(firstPreview.objects.find((o) => o.name === 'broken')?.action).toBe('rejected');

    const first = await applyEnvironment({ client, env: environment(env), objects: objects(values.dataOld, values.stringOld) });
    outputs.push(['first apply', first], ['first summary', renderApplySummary(first)]);
    expect(first.objects.find((o) => o.name === 'broken')?.error).toMatch(/^422 Invalid/);
    expect(first.objects.find((o) => o.name === 'app')?.action).toBe('created');

    // Another manager takes over a key, so the next apply has a conflict on a Secret field.
    await client.request({
      method: 'PATCH', path: `/api/v1/namespaces/${space}/secrets/contested`, query: { fieldManager: 'other', force: 'true' },
      contentType: 'application/apply-patch+yaml', body: JSON.stringify(secret('contested', { shared: `${values.contested}-x` })),
    });
    const changed = objects(values.dataNew, values.stringNew);
    const preview = await previewEnvironment({ client, env: environment(env), objects: changed });
    outputs.push(['changed preview', preview], ['changed preview markdown', renderPreviewMarkdown(preview)]);
    const app = preview.objects.find((o) => o.name === 'app');
    expect(app?.action).toBe('update');
    expect(app?.secretKeys).toEqual({ added: [], removed: [], changed: ['password', 'token'] });
    expect(app?.diff).toContain('*** (new value)');
    expect(preview.objects.find((o) => o.name === 'contested')?.action).toBe('conflict');

    const dry = await applyEnvironment({ client, env: environment(env), objects: changed, dryRun: true });
    outputs.push(['dry run', dry], ['dry run summary', renderApplySummary(dry)]);
    const second = await applyEnvironment({ client, env: environment(env), objects: changed });
    outputs.push(['second apply', second], ['second summary', renderApplySummary(second)]);
    expect(second.objects.find((o) => o.name === 'contested')?.error).toContain('"other" owns .data.shared');

    const emptied = await applyEnvironment({ client, env: environment(env, { allowEmpty: true }), objects: rendered(ns(space)) });
    outputs.push(['prune', emptied], ['prune summary', renderApplySummary(emptied)]);
    expect(emptied.pruned).toBe(2);

    for (const [label, output] of outputs) expectNoSecret(label, output);
  });
});
