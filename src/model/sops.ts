import type { KubeObject } from './object.ts';

/** A value SOPS encrypted: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`. */
export const sopsValuePattern = /^ENC\[AES256_GCM,data:[^\]]*\]$/;

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Keys SOPS writes into its metadata block; one of these besides `mac` or `lastmodified` is enough. */
const metadataKeys = ['kms', 'gcp_kms', 'azure_kv', 'hc_vault', 'age', 'pgp', 'key_groups', 'encrypted_regex', 'unencrypted_regex', 'encrypted_suffix', 'unencrypted_suffix', 'version'];

/**
 * Whether an object is a SOPS-encrypted file's document: a top-level `sops:` mapping that looks like SOPS
 * metadata (a MAC or last-modified date and a key source or version), not any field that happens to be
 * called `sops`. Flux's kustomize-controller decrypts such objects and drops the block before applying.
 */
export function isSopsEncrypted(obj: KubeObject | undefined): boolean {
  const meta = obj?.sops;
  if (!isMapping(meta)) return false;
  const stamped = typeof meta.mac === 'string' || meta.lastmodified !== undefined;
  return stamped && metadataKeys.some((k) => k in meta);
}

export function isSopsValue(value: unknown): value is string {
  return typeof value === 'string' && sopsValuePattern.test(value);
}

/** The object without its `sops` block (the input is not modified). */
export function withoutSopsMetadata(obj: KubeObject): KubeObject {
  const { sops: _sops, ...rest } = obj;
  return rest as KubeObject;
}

/** The value at a JSON pointer (`/data/password`), or undefined. */
export function valueAtPointer(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.replace(/^\//, '').split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isMapping(node)) node = node[segment];
    else return undefined;
  }
  return node;
}
