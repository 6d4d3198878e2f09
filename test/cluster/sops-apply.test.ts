import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderApplySummary } from '../../src/cluster/apply-summary.ts';
import { applyEnvironment } from '../../src/cluster/environment.ts';
import { previewEnvironment } from '../../src/cluster/preview.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { ageKeyPair, sopsEncrypt } from '../sops/sops-fixture.ts';
import { configMap, environment, get, ns, suiteCleanup, testClient } from './helpers.ts';

// SOPS-encrypted objects at apply time, on the real test API server.
const client = testClient();
const { setup } = suiteCleanup(client, 'sops');

const secret = (namespace: string, password: string): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace }, type: 'Opaque', stringData: { password, user: 'shop' },
});

async function keyFile(identity: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'bosun-sops-')), 'age.txt');
  await writeFile(file, `# public key: test\n${identity}\n`);
  return file;
}

describe('SOPS-encrypted objects at apply', () => {
  it('without a key the apply fails before touching the cluster, naming the file and how to give bosun a key', async () => {
    const { env, space } = setup();
    const { recipient } = await ageKeyPair();
    const objects: RenderedObject[] = [
      { object: ns(space), source: { file: 'apps/ns.yaml', line: 1 } },
      { object: configMap(space, 'plain', { a: '1' }), source: { file: 'apps/cm.yaml', line: 1 } },
      { object: await sopsEncrypt(secret(space, 'correct-horse-battery'), recipient), source: { file: 'apps/db.sops.yaml', line: 1 } },
    ];
    const report = await applyEnvironment({ client, env: environment(env), objects, sopsAgeKeyFile: '' });
    expect(report.ok).toBe(false);
    const summary = renderApplySummary(report);
    expect(summary).toMatch(/failed\s+Secret .*\/db \(apps\/db\.sops\.yaml:1\): apps\/db\.sops\.yaml:1: Secret db is SOPS-encrypted and bosun has no age key to decrypt it; bosun never applies ciphertext\. Give bosun the age key: BOSUN_SOPS_AGE_KEY_FILE=<file> .* --sops-age-key-file <file>/);
    expect(report.notes).toContain('nothing was applied: 1 SOPS-encrypted object(s) cannot be decrypted');
    expect(await get(client, `/api/v1/namespaces/${space}`)).toBeUndefined();

    const preview = await previewEnvironment({ client, env: environment(env), objects, sopsAgeKeyFile: '' });
    expect(preview.ok).toBe(false);
    expect(preview.objects.find((o) => o.kind === 'Secret')).toMatchObject({ action: 'rejected', message: expect.stringContaining('is SOPS-encrypted and bosun has no age key') });
  });

  it('with the operator\'s age key the Secret is applied decrypted, and no value shows in the preview or the summary', async () => {
    const { env, space } = setup();
    const { identity, recipient } = await ageKeyPair();
    const sopsAgeKeyFile = await keyFile(identity);
    const objects = async (password: string): Promise<RenderedObject[]> => [
      { object: ns(space) },
      { object: await sopsEncrypt(secret(space, password), recipient), source: { file: 'apps/db.sops.yaml', line: 1 } },
    ];
    const first = await applyEnvironment({ client, env: environment(env), objects: await objects('correct-horse-battery'), sopsAgeKeyFile });
    expect(first.ok, renderApplySummary(first)).toBe(true);
    const live = await get(client, `/api/v1/namespaces/${space}/secrets/db`);
    expect(Buffer.from(String((live?.data as Record<string, string>).password), 'base64').toString()).toBe('correct-horse-battery');
    expect(live?.sops).toBeUndefined();
    expect(renderApplySummary(first)).not.toContain('correct-horse');

    const changed = await objects('tr0ub4dor-and-3');
    const preview = await previewEnvironment({ client, env: environment(env), objects: changed, sopsAgeKeyFile });
    const shown = preview.objects.find((o) => o.kind === 'Secret');
    expect(shown).toMatchObject({ action: 'update', secretKeys: { added: [], removed: [], changed: ['password'] } });
    expect(JSON.stringify(preview)).not.toMatch(/tr0ub4dor|correct-horse|dHIwdWI0ZG9y|Y29ycmVjdC1ob3Jz/);
    const second = await applyEnvironment({ client, env: environment(env), objects: changed, sopsAgeKeyFile });
    expect(second.ok).toBe(true);
    expect(JSON.stringify(second)).not.toMatch(/tr0ub4dor|correct-horse/);
  });

  it('shows no diff for a decrypted object that is not a Secret: a copied ciphertext would print in clear', async () => {
    const { env, space } = setup();
    const { identity, recipient } = await ageKeyPair();
    const sopsAgeKeyFile = await keyFile(identity);
    const settings = await sopsEncrypt(configMap(space, 'settings', { token: 'n0t-f0r-the-pr-author' }), recipient, '^data$');
    const preview = await previewEnvironment({ client, env: environment(env), objects: [{ object: ns(space) }, { object: settings, source: { file: 'apps/settings.sops.yaml', line: 1 } }], sopsAgeKeyFile });
    expect(preview.objects.find((o) => o.kind === 'ConfigMap')).toMatchObject({ action: 'create', message: expect.stringContaining('SOPS-encrypted ConfigMap: its diff is not shown, as it would show decrypted values') });
    expect(preview.objects.find((o) => o.kind === 'ConfigMap')?.diff).toBeUndefined();
    expect(JSON.stringify(preview)).not.toContain('n0t-f0r-the-pr-author');
  });
});
