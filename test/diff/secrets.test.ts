import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { diffRenders } from '../../src/diff/change-diff.ts';
import { maskSecrets, secretMasks } from '../../src/diff/secrets.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderMarkdown } from '../../src/report/markdown.ts';
import { b64, rendered, secret } from './objects.ts';

const oldPassword = 'correct-horse-Battery-9!';
const newPassword = 'Tr0ub4dor&3-staple-xyz';
const apiToken = 'tok_live_8fJ2kLmN0pQ';
const removedCert = 'MIIBszCCAVmgAwIBAgIUgone';

/** Every form in which a value could leak: as is, base64 (padded, unpadded, url-safe), hex, hashes. */
function encodings(value: string): string[] {
  const buf = Buffer.from(value, 'utf8');
  const forms = [value, buf.toString('base64'), buf.toString('base64').replace(/=+$/, ''), buf.toString('base64url'), buf.toString('hex'), JSON.stringify(value).slice(1, -1)];
  for (const algo of ['sha256', 'sha1', 'md5']) {
    forms.push(createHash(algo).update(buf).digest('hex'), createHash(algo).update(buf).digest('base64'));
    // the hash of the base64 form, as a tool hashing the `data` field would produce
    forms.push(createHash(algo).update(buf.toString('base64')).digest('hex'));
  }
  return forms;
}

function expectNoLeak(text: string, values: readonly string[]): void {
  for (const value of values) {
    for (const form of encodings(value)) expect(text, `leaked ${JSON.stringify(form)}`).not.toContain(form);
  }
}

describe('secret masking', () => {
  const base = secret('db', { data: { password: b64(oldPassword), token: b64(apiToken), 'tls.crt': b64(removedCert) } });
  const head = secret('db', { data: { password: b64(newPassword), token: b64(apiToken), username: b64('admin-user-7') } });

  it('lists which keys were added, removed and changed', () => {
    expect(maskSecrets(base, head).keys).toEqual({ added: ['username'], removed: ['tls.crt'], changed: ['password'] });
  });

  it('gives unchanged keys the same mask on both sides and changed keys a different one per side', () => {
    const { base: b, head: h } = maskSecrets(base, head);
    expect(b!.data).toEqual({ password: secretMasks.old, token: secretMasks.unchanged, 'tls.crt': secretMasks.old });
    expect(h!.data).toEqual({ password: secretMasks.new, token: secretMasks.unchanged, username: secretMasks.new });
  });

  it('never lets a value, its base64 or a hash of it into the change, its diff or the reports', () => {
    const values = [oldPassword, newPassword, apiToken, removedCert, 'admin-user-7'];
    const changes = diffRenders([rendered(base, 'secrets/db.yaml', 1)], [rendered(head, 'secrets/db.yaml', 1)]);
    const plan: PlanResult = {
      base: 'main', head: 'pr',
      environments: [{
        name: 'staging', source: 'config', path: 'clusters/staging', affected: true, reason: 'secrets/db.yaml changed',
        render: { objects: 1, baseObjects: 1 }, validation: { errors: [], warnings: [] }, changes,
      }],
    };
    expectNoLeak(JSON.stringify(changes), values);
    expectNoLeak(renderMarkdown(plan).join('\n'), values);
    expectNoLeak(renderJson(plan), values);
  });

  it('still shows a diff when only a Secret changed', () => {
    const changes = diffRenders([rendered(secret('db', { data: { password: b64(oldPassword) } }))], [rendered(secret('db', { data: { password: b64(newPassword) } }))]);
    expect(changes).toHaveLength(1);
    expect(changes[0].secretKeys).toEqual({ added: [], removed: [], changed: ['password'] });
    expect(changes[0].diff).toContain(`-  password: "${secretMasks.old}"`);
    expect(changes[0].diff).toContain(`+  password: "${secretMasks.new}"`);
  });

  it('omits a Secret whose values are the same', () => {
    const same = () => rendered(secret('db', { data: { password: b64(oldPassword) } }));
    expect(diffRenders([same()], [same()])).toEqual([]);
  });

  it('compares stringData with data by decoded value', () => {
    const moved = maskSecrets(secret('db', { stringData: { password: oldPassword } }), secret('db', { data: { password: b64(oldPassword) } }));
    expect(moved.keys).toEqual({ added: [], removed: [], changed: [] });
    expect(moved.base!.stringData).toEqual({ password: secretMasks.unchanged });
    expect(moved.head!.data).toEqual({ password: secretMasks.unchanged });

    const changed = maskSecrets(secret('db', { stringData: { password: oldPassword } }), secret('db', { data: { password: b64(newPassword) } }));
    expect(changed.keys.changed).toEqual(['password']);
  });

  it('lets stringData win over data for the same key, as the API server does', () => {
    const base = secret('db', { data: { password: b64('ignored') }, stringData: { password: oldPassword } });
    const head = secret('db', { data: { password: b64(oldPassword) } });
    expect(maskSecrets(base, head).keys.changed).toEqual([]);
  });

  it('masks all keys of a created or deleted Secret and lists them', () => {
    const [created] = diffRenders([], [rendered(secret('api', { stringData: { token: apiToken } }))]);
    expect(created.secretKeys).toEqual({ added: ['token'], removed: [], changed: [] });
    expect(created.diff).toContain(`+  token: "${secretMasks.new}"`);
    const [deleted] = diffRenders([rendered(secret('api', { data: { token: b64(apiToken) } }))], []);
    expect(deleted.secretKeys).toEqual({ added: [], removed: ['token'], changed: [] });
    expectNoLeak(created.diff + deleted.diff, [apiToken]);
  });

  it('masks the last-applied annotation of a live Secret, which holds every value', () => {
    const live = secret('db', { data: { password: b64(oldPassword) } });
    live.metadata!.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(live) };
    const masked = maskSecrets(live, undefined);
    expectNoLeak(JSON.stringify(masked), [oldPassword]);
  });

  it('leaves objects that are not Secrets alone', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'visible' } };
    const out = maskSecrets(cm, cm);
    expect(out.base).toBe(cm);
    expect(out.keys).toEqual({ added: [], removed: [], changed: [] });
  });
});
