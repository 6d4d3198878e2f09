import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { isSopsEncrypted } from '../../src/model/sops.ts';
import { decryptSopsObject } from '../../src/sops/decrypt.ts';
import { decryptForApply } from '../../src/sops/for-apply.ts';
import { ageKeyPair, sopsEncrypt } from './sops-fixture.ts';

const secret = (): KubeObject => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, type: 'Opaque',
  stringData: { password: 'hunter2-very-secret', port: 5432, tls: true, hosts: ['a.example', 'b.example'] },
});

async function keyFile(...identities: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-sops-'));
  const file = join(dir, 'keys.txt');
  await writeFile(file, `# created: test\n# public key: …\n${identities.join('\n')}\n`);
  return file;
}

describe('SOPS decryption with age', () => {
  it('decrypts the values its rules encrypted, restores their types, checks the MAC and drops the sops block', async () => {
    const { identity, recipient } = await ageKeyPair();
    const encrypted = await sopsEncrypt(secret(), recipient);
    expect(isSopsEncrypted(encrypted)).toBe(true);
    expect(JSON.stringify(encrypted)).not.toContain('hunter2');
    const { object, plaintexts } = await decryptSopsObject(encrypted, [identity], { where: 'apps/db.yaml:1' });
    expect(object).toEqual(secret());
    expect(plaintexts).toContain('hunter2-very-secret');
  });

  it('decrypts a rendered document whose unencrypted fields and key order changed, as kustomize-controller does; a moved ciphertext fails', async () => {
    const { identity, recipient } = await ageKeyPair();
    const encrypted = await sopsEncrypt(secret(), recipient);
    // What a render does: a namespace and labels added, keys sorted.
    const { type, ...rest } = encrypted;
    const rendered = { type, ...rest, metadata: { labels: { team: 'shop' }, name: 'db', namespace: 'prod' } } as KubeObject;
    const { object } = await decryptSopsObject(rendered, [identity], { where: 'apps/db.yaml:1' });
    expect(object.stringData).toEqual(secret().stringData);
    expect(object.metadata).toEqual({ labels: { team: 'shop' }, name: 'db', namespace: 'prod' });

    // Each value is bound to its key path: a ciphertext copied to another key does not decrypt.
    const data = encrypted.stringData as Record<string, unknown>;
    const swapped = { ...encrypted, stringData: { ...data, password: data.port } } as KubeObject;
    const error = await decryptSopsObject(swapped, [identity], { where: 'apps/db.yaml:1' }).catch((e: Error) => e);
    expect(String(error)).toContain('apps/db.yaml:1: SOPS-encrypted Secret db: the value at stringData.password does not decrypt with the data key');
    expect(String(error)).not.toMatch(/hunter2|5432/);
    // A value the file's rules say is encrypted but is plain text: edited after encryption.
    const plain = { ...encrypted, stringData: { ...data, password: 'typed-in-later' } } as KubeObject;
    await expect(decryptSopsObject(plain, [identity], { where: 'apps/db.yaml:1' })).rejects.toThrow(/the value at stringData.password should be encrypted by the file's rules but is not/);
  });

  it('says which recipients the file has when the key is not one of them', async () => {
    const { recipient } = await ageKeyPair();
    const other = await ageKeyPair();
    const encrypted = await sopsEncrypt(secret(), recipient);
    await expect(decryptSopsObject(encrypted, [other.identity], { where: 'apps/db.yaml:1' })).rejects.toThrow(`none of the given age identities is one of its recipients (${recipient})`);
  });

  it('for apply: without a key file every encrypted object is refused with how to provide one; with one, decrypted', async () => {
    const { identity, recipient } = await ageKeyPair();
    const rendered: RenderedObject[] = [
      { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: '1' } } },
      { object: await sopsEncrypt(secret(), recipient), source: { file: 'apps/db.yaml', line: 1 } },
    ];
    const none = await decryptForApply(rendered, undefined);
    expect(none.problems.map((p) => p.error)).toEqual([expect.stringMatching(/^apps\/db\.yaml:1: Secret db is SOPS-encrypted and bosun has no age key .* BOSUN_SOPS_AGE_KEY_FILE=<file> .* --sops-age-key-file <file>/)]);
    const missing = await decryptForApply(rendered, '/nonexistent/keys.txt');
    expect(missing.problems[0].error).toContain('the age key file /nonexistent/keys.txt cannot be read (ENOENT)');

    const ok = await decryptForApply(rendered, await keyFile((await ageKeyPair()).identity, identity));
    expect(ok.problems).toEqual([]);
    expect(ok.objects[1].object).toEqual(secret());
    expect(ok.objects[1].source).toEqual({ file: 'apps/db.yaml', line: 1 });
    expect(ok.objects[0]).toBe(rendered[0]);
  });
});
