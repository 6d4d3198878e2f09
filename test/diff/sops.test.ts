import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { diffObject } from '../../src/diff/change-diff.ts';
import { maskSecrets, sopsMasks } from '../../src/diff/secrets.ts';
import type { KubeObject } from '../../src/model/object.ts';
import { isSopsEncrypted } from '../../src/model/sops.ts';
import { enc, sopsMetadata, sopsSecret } from '../support/sops-fixtures.ts';

const obj = (text: string) => parse(text) as KubeObject;

describe('SOPS-encrypted objects', () => {
  it('are recognised by their metadata block, not by any field called sops', () => {
    expect(isSopsEncrypted(obj(sopsSecret('db', { password: 'pw' }, 'm1')))).toBe(true);
    expect(isSopsEncrypted({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, sops: 'enabled' })).toBe(false);
    expect(isSopsEncrypted({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, sops: { note: 'ours' } })).toBe(false);
  });

  it('mask a Secret like Flux (**SOPS**) with added, removed and changed keys; the metadata block is left out', () => {
    const base = obj(sopsSecret('db', { password: 'old-pass', user: 'app', legacy: 'x' }, 'mac-1'));
    const head = obj(sopsSecret('db', { password: 'new-pass', user: 'app', token: 't' }, 'mac-2'));
    const masked = maskSecrets(base, head);
    expect(masked.sops).toBe(true);
    expect(masked.keys).toEqual({ added: ['token'], removed: ['legacy'], changed: ['password'] });
    expect(masked.base?.data).toEqual({ password: sopsMasks.old, user: sopsMasks.unchanged, legacy: sopsMasks.old });
    expect(masked.head?.data).toEqual({ password: sopsMasks.new, user: sopsMasks.unchanged, token: sopsMasks.new });
    expect(masked.head).not.toHaveProperty('sops');
    expect(base.sops).toBeDefined();
  });

  it('never put a ciphertext, the MAC or a plaintext in the diff; an edit of the metadata alone is no change', () => {
    const base = { object: obj(sopsSecret('db', { password: 'old-pass' }, 'mac-1')) };
    const head = { object: obj(sopsSecret('db', { password: 'new-pass' }, 'mac-2')) };
    const change = diffObject(base, head)!;
    expect(change.secretKeys).toEqual({ added: [], removed: [], changed: ['password'] });
    expect(change.diff).toContain('**SOPS** (new value)');
    expect(change.diff).not.toMatch(/ENC\[|AGE ENCRYPTED|age1q|new-pass|old-pass|lastmodified/);
    const sameValues = { object: obj(sopsSecret('db', { password: 'old-pass' }, 'mac-3')) };
    expect(diffObject(base, sameValues)).toBeUndefined();
  });

  it('mask encrypted values of other kinds by field path', () => {
    const text = (password: string, mac: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
    name: db
spec:
    interval: 10m
    values:
        db:
            password: ${enc(password)}
            hosts:
                - ${enc('h1')}
${sopsMetadata(mac)}`;
    const change = diffObject({ object: obj(text('a', 'm1')) }, { object: obj(text('b', 'm2')) })!;
    expect(change.secretKeys).toEqual({ added: [], removed: [], changed: ['spec.values.db.password'] });
    expect(change.diff).not.toContain('ENC[');
    expect(change.diff).toContain('password: "**SOPS** (new value)"');
  });
});
