// The env file `bosun setup` writes, read back the ways operators read it: `bosun serve --env-file`
// (dotenv rules, the real environment wins), a shell's `set -a; . ./.env`, and `docker run --env-file`
// (which keeps the quotes).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withEnvFile } from '../../src/cli/env-file.ts';
import { loadServerConfig } from '../../src/config/server.ts';
import { normalizePem } from '../../src/config/server-private-key.ts';
import type { AppCredentials } from '../../src/setup/conversion.ts';
import { defaultSecretName, envAssignments, mergeEnvFile } from '../../src/setup/credential-files.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { generateAppKey } from '../../testkit/github-standin/index.ts';

const run = promisify(execFile);
const pem = generateAppKey();
const creds: AppCredentials = { id: 321, slug: 'bosun-t', name: 'bosun-t', owner: 'acme', htmlUrl: 'https://github.com/apps/bosun-t', pem, webhookSecret: '0f1e2d3c4b5a69788796a5b4c3d2e1f001234567', clientId: 'Iv1.abc', clientSecret: 'cs-0123456789abcdef' };

describe('the env file bosun setup writes', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bosun-envfile-'));
    file = join(dir, '.env');
    const existing = 'REDIS_URL=redis://127.0.0.1:6379/2\nPRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\nthe-old-key\n-----END RSA PRIVATE KEY-----"\nLOG_LEVEL=debug\n';
    await writeFile(file, mergeEnvFile(existing, envAssignments(creds, { WEBHOOK_PROXY_URL: 'https://smee.io/abc' }), 'test'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('replaces the variables it writes (a multi-line old key included) and keeps the others', async () => {
    const text = await readFile(file, 'utf8');
    // '-' is not in base64: the new key's text cannot contain this by chance (a bare 'old' once did).
    expect(text).not.toContain('the-old-key');
    expect(text.match(/^PRIVATE_KEY=/gm)).toHaveLength(1);
    expect(text).toMatch(/^REDIS_URL=redis:\/\/127\.0\.0\.1:6379\/2$/m);
    expect(text).toMatch(/^LOG_LEVEL=debug$/m);
    // One line per variable: the key's line breaks are \n escapes.
    expect(text.split('\n').filter((l) => l.startsWith('PRIVATE_KEY='))[0]).toMatch(/^PRIVATE_KEY="-----BEGIN RSA PRIVATE KEY-----\\n.+\\n-----END RSA PRIVATE KEY-----\\n"$/);
  });

  it('bosun serve --env-file reads it; a variable set in the real environment wins', () => {
    const env = withEnvFile({ LOG_LEVEL: 'warn', PATH: '/usr/bin' }, '.env', dir);
    const config = loadServerConfig(env, { cwd: dir });
    expect(config.appId).toBe(321);
    expect(config.webhookSecret).toBe(creds.webhookSecret);
    expect(config.privateKey).toBe(normalizePem(pem));
    expect(config.webhookProxyUrl).toBe('https://smee.io/abc');
    expect(config.logLevel).toBe('warn');
    expect(() => withEnvFile({}, 'missing.env', dir)).toThrow(/--env-file .*missing\.env does not exist \(bosun setup writes one\)/);
  });

  it('a shell sourcing it, and docker\'s --env-file (quotes kept), give bosun a key it accepts', async () => {
    const shell = await run('bash', ['-c', 'set -a; . ./.env; printf %s "$PRIVATE_KEY"'], { cwd: dir });
    expect(loadServerConfig({ APP_ID: '321', WEBHOOK_SECRET: 'x-secret', PRIVATE_KEY: shell.stdout }, { cwd: dir }).privateKey).toBe(normalizePem(pem));
    const line = (await readFile(file, 'utf8')).split('\n').find((l) => l.startsWith('PRIVATE_KEY='))!;
    const dockerValue = line.slice('PRIVATE_KEY='.length);
    expect(dockerValue.startsWith('"')).toBe(true);
    expect(loadServerConfig({ APP_ID: '321', WEBHOOK_SECRET: 'x-secret', PRIVATE_KEY: dockerValue }, { cwd: dir }).privateKey).toBe(normalizePem(pem));
  });

  it('never lands in Git from a checkout: both default files (.env, the Secret manifest) are ignored there', async () => {
    // docs/operating.md's install runs `npm run bosun -- setup --output secret` in the checkout's root.
    for (const name of ['.env', `${defaultSecretName}.secret.yaml`]) {
      const r = await run('git', ['check-ignore', '--no-index', '-q', name], { cwd: projectRoot }).then(() => 0, (e: { code: number }) => e.code);
      expect(r, `${name} is not ignored by the checkout's .gitignore`).toBe(0);
    }
  });
});
