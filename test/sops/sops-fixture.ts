// Encrypts a document the way `sops --encrypt --age <recipient>` does (getsops/sops: sops.go Tree.Encrypt,
// aes/cipher.go, age/keysource.go), for tests: no sops binary exists for this machine's Debian, so the
// fixtures are made here, to the format, with a real age implementation and a key generated per test.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { armor, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import type { KubeObject } from '../../src/model/object.ts';

export async function ageKeyPair(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

function seal(plain: string, type: string, key: Buffer, aad: string): string {
  const iv = randomBytes(32);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([cipher.update(Buffer.from(plain, 'utf8')), cipher.final()]);
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${cipher.getAuthTag().toString('base64')},type:${type}]`;
}

/** `doc` encrypted for `recipient`, values under keys matching `encryptedRegex` (sops' `--encrypted-regex`). */
export async function sopsEncrypt(doc: KubeObject, recipient: string, encryptedRegex = '^(data|stringData)$'): Promise<KubeObject> {
  const key = randomBytes(32);
  const regex = new RegExp(encryptedRegex);
  const hash = createHash('sha512');
  const walk = (node: unknown, path: string[]): unknown => {
    if (node === null || node === undefined) return node;
    if (Array.isArray(node)) return node.map((n) => walk(n, path));
    if (typeof node === 'object') return Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, [...path, k])]));
    const text = typeof node === 'boolean' ? (node ? 'True' : 'False') : String(node);
    hash.update(Buffer.from(text, 'utf8'));
    if (!path.some((p) => regex.test(p))) return node;
    const type = typeof node === 'boolean' ? 'bool' : typeof node === 'number' ? (Number.isInteger(node) ? 'int' : 'float') : 'str';
    return seal(text, type, key, `${path.join(':')}:`);
  };
  const body = walk(doc, []) as KubeObject;
  const lastmodified = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const mac = seal(hash.digest('hex').toUpperCase(), 'str', key, lastmodified);
  const encrypter = new Encrypter();
  encrypter.addRecipient(recipient);
  const enc = armor.encode(await encrypter.encrypt(key));
  return { ...body, sops: { age: [{ recipient, enc }], lastmodified, mac, encrypted_regex: encryptedRegex, version: '3.9.0' } };
}
