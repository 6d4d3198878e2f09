import { createDecipheriv } from 'node:crypto';
import type { KubeObject } from '../model/object.ts';
import { isSopsValue } from '../model/sops.ts';
import { repoRegExp } from '../util/repo-regexp.ts';

/**
 * Decrypts one SOPS-encrypted document with age identities, in bosun's own process (never the sandbox),
 * the way getsops/sops does (sops.go Tree.Decrypt, aes/cipher.go, age/keysource.go):
 * - the 32-byte data key is in `sops.age[].enc`, an armored age file for each recipient;
 * - each value the file's rules say is encrypted is `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM
 *   with the value's key path joined by `:` plus a trailing `:` as additional data (list items share their
 *   parent's path); `type` restores str, int, float, bool or bytes;
 * - the MAC (`sops.mac`) is not checked, as kustomize-controller does not check it after a build.
 * Errors name the file and what is wrong, never a value.
 */
export class SopsError extends Error {}

export interface SopsSource {
  /** Where the document comes from, for messages (`apps/secret.yaml:1`). */
  where: string;
}

type Rules = { unencryptedSuffix?: string; encryptedSuffix?: string; unencryptedRegex?: RegExp; encryptedRegex?: RegExp };

const encPattern = /^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:(.*)\]$/;

export async function decryptSopsObject(obj: KubeObject, identities: readonly string[], source: SopsSource): Promise<{ object: KubeObject; plaintexts: string[] }> {
  const fail = (why: string): never => { throw new SopsError(`${source.where}: SOPS-encrypted ${obj.kind ?? 'object'} ${obj.metadata?.name ?? ''}: ${why}`); };
  const meta = obj.sops as Record<string, unknown> | undefined;
  if (!meta || typeof meta !== 'object') return fail('no sops metadata block');
  // Comment rules cannot be evaluated on parsed objects (the comments are gone): such files are decrypted by what is encrypted.
  const byComments = typeof meta.encrypted_comment_regex === 'string' || typeof meta.unencrypted_comment_regex === 'string';
  const key = await dataKey(meta, identities, fail);
  const rules: Rules = {
    ...(typeof meta.unencrypted_suffix === 'string' && meta.unencrypted_suffix ? { unencryptedSuffix: meta.unencrypted_suffix } : {}),
    ...(typeof meta.encrypted_suffix === 'string' && meta.encrypted_suffix ? { encryptedSuffix: meta.encrypted_suffix } : {}),
    ...(typeof meta.unencrypted_regex === 'string' && meta.unencrypted_regex ? { unencryptedRegex: repoRegExp(meta.unencrypted_regex) } : {}),
    ...(typeof meta.encrypted_regex === 'string' && meta.encrypted_regex ? { encryptedRegex: repoRegExp(meta.encrypted_regex) } : {}),
  };
  const plaintexts: string[] = [];
  const walk = (node: unknown, path: string[]): unknown => {
    if (node === null || node === undefined) return node;
    if (Array.isArray(node)) return node.map((item) => walk(item, path));
    if (typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) out[k] = walk(v, [...path, k]);
      return out;
    }
    let value = node;
    if (isSopsValue(value) || (!byComments && shouldBeEncrypted(path, rules))) {
      if (!isSopsValue(value)) fail(`the value at ${path.join('.')} should be encrypted by the file's rules but is not; the file was edited after encryption`);
      value = decryptValue(value as string, key, `${path.join(':')}:`, () => fail(`the value at ${path.join('.')} does not decrypt with the data key (edited after encryption?)`));
      plaintexts.push(String(value));
    }
    return value;
  };
  const { sops: _sops, ...body } = obj;
  const decrypted = walk(body, []) as KubeObject;
  // The MAC is not checked, as kustomize-controller does not (its checkSopsMac is off: "arbitrary data gets
  // injected into most resources, causing the integrity check to fail"): a render adds a namespace, labels,
  // and reorders keys. Each encrypted value is still authenticated, bound to its own key path.
  return { object: decrypted, plaintexts };
}

async function dataKey(meta: Record<string, unknown>, identities: readonly string[], fail: (why: string) => never): Promise<Buffer> {
  const stanzas = (Array.isArray(meta.age) ? meta.age : []) as Array<{ recipient?: unknown; enc?: unknown }>;
  if (stanzas.length === 0) fail('it has no age recipients (sops.age); bosun decrypts age-encrypted files only');
  if (identities.length === 0) fail('no age identity was given');
  const { Decrypter, armor } = await import('age-encryption');
  const decrypter = new Decrypter();
  for (const identity of identities) decrypter.addIdentity(identity);
  for (const stanza of stanzas) {
    if (typeof stanza.enc !== 'string') continue;
    try {
      const key = await decrypter.decrypt(armor.decode(stanza.enc));
      if (key.length === 32) return Buffer.from(key);
    } catch {
      // Not this recipient: try the next.
    }
  }
  return fail(`none of the given age identities is one of its recipients (${stanzas.map((s) => String(s.recipient ?? '?')).join(', ')}); add the matching key to the age key file`);
}

function decryptValue(text: string, key: Buffer, aad: string, onError: () => never): string | number | boolean {
  const m = encPattern.exec(text);
  if (!m) return onError();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(m[2], 'base64'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(m[3], 'base64'));
    const plain = Buffer.concat([decipher.update(Buffer.from(m[1], 'base64')), decipher.final()]).toString('utf8');
    switch (m[4]) {
      case 'int': return Number.parseInt(plain, 10);
      case 'float': return Number.parseFloat(plain);
      case 'bool': return /^(1|t|true)$/i.test(plain);
      default: return plain;
    }
  } catch {
    return onError();
  }
}

/** sops Tree.shouldBeEncrypted without the comment rules. */
function shouldBeEncrypted(path: readonly string[], rules: Rules): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix && path.some((p) => p.endsWith(rules.unencryptedSuffix!))) encrypted = false;
  if (rules.encryptedSuffix) encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix!));
  if (rules.unencryptedRegex && path.some((p) => rules.unencryptedRegex!.test(p))) encrypted = false;
  if (rules.encryptedRegex) encrypted = path.some((p) => rules.encryptedRegex!.test(p));
  return encrypted;
}
