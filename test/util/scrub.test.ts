import { describe, expect, it } from 'vitest';
import { scrub } from '../../src/util/scrub.ts';

describe('scrub removes secret material from free text', () => {
  it('masks tokens, passwords, PEM keys, URL credentials and base64 key material', () => {
    const b64 = Buffer.from('s3cr3t-Pa55word-that-is-long-enough-to-matter!').toString('base64');
    const text = [
      'Authorization: Bearer abcdefghijklmnop',
      'password=hunter2 token: ghp_0123456789abcdefghijABCDEFGHIJ',
      'clone https://x-access-token:ghs_SECRETSECRETSECRET@github.example/o/r.git',
      `data: ${b64}`,
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----',
    ].join('\n');
    const out = scrub(text, ['extra-value']);
    for (const secret of ['abcdefghijklmnop', 'hunter2', 'ghp_0123456789', 'ghs_SECRET', b64, 'MIIEowIBAAKCAQEA']) expect(out).not.toContain(secret);
  });

  it('keeps long repository paths readable', () => {
    const path = 'clusters/production/infrastructure/monitoring/servicemonitors.yaml';
    expect(scrub(`error in ${path}: bad`)).toContain(path);
  });
});
