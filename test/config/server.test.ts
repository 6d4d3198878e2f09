import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { describeServerConfig, loadServerConfig, ServerConfigError } from '../../src/config/server.ts';
import { serverEnvReferenceMarkdown } from '../../src/config/server-reference.ts';
import { serverEnvSchema } from '../../src/config/server-env-schema.ts';
import type { BosunError } from '../../src/model/errors.ts';

const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const PEM = rsa.privateKey;
/** A line from the middle of the key: if it shows up anywhere, key material leaked. */
const KEY_LINE = PEM.split('\n')[5];
const SECRET = 'whsec-Not-For-Your-Eyes-1234';
const DASHBOARD = 'dashboard-token-0123456789abcdef';

const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length > 0) await rm(dirs.pop()!, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-server-config-'));
  dirs.push(dir);
  return dir;
}

// Plain strings: the environment is untyped input (Probot's ProcessEnv augmentation narrows LOG_LEVEL,
// but a user can set anything, and that is what these tests feed in).
function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { HOME: '/home/bosun', APP_ID: '12345', PRIVATE_KEY: PEM, WEBHOOK_SECRET: SECRET, ...extra } as NodeJS.ProcessEnv;
}

function failure(fn: () => unknown): ServerConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ServerConfigError);
    expect((e as BosunError).kind).toBe('config');
    return e as ServerConfigError;
  }
  throw new Error('expected loadServerConfig to refuse this environment');
}

function expectNoSecrets(text: string, secrets: string[] = []): void {
  for (const s of [KEY_LINE, SECRET, DASHBOARD, ...secrets]) expect(text).not.toContain(s);
}

describe('loadServerConfig', () => {
  it('loads a minimal environment with Probot\'s names and bosun\'s defaults', async () => {
    const cfg = loadServerConfig(baseEnv(), { cwd: '/srv/bosun' });
    expect({ ...cfg, privateKey: '<pem>' }).toEqual({
      appId: 12345,
      privateKey: '<pem>',
      privateKeySource: { variable: 'PRIVATE_KEY' },
      webhookSecret: SECRET,
      port: 3000,
      host: '127.0.0.1',
      webhookPath: '/api/github/webhooks',
      githubBaseUrl: 'https://api.github.com',
      redisUrl: 'redis://127.0.0.1:6379',
      dataDir: '/home/bosun/.cache/bosun/data',
      concurrency: 2,
      applyConcurrency: 0,
      applyConcurrencyPerCluster: 4,
      applyWorkerConcurrency: 2,
      planFanout: { envs: 40, batch: 10 },
      planTimeoutMs: 30 * 60_000,
      lockTtlMs: 7 * 24 * 3600 * 1000,
      enqueueTimeoutMs: 3_000,
      jobLockMs: 30_000,
      jobMaxStalls: 5,
      envLeaseMs: 60_000,
      objectLimits: { perEnvironment: 20_000, perPlan: 100_000 },
      logLevel: 'info',
      chartSources: [],
      sandbox: {
        mode: 'on',
        outputBytes: 64 * 1024 ** 2,
        limits: {
          memoryBytes: 2 * 1024 ** 3,
          cpuSeconds: 120,
          processes: process.getuid?.() === 0 ? 256 : 1024,
          fileBytes: 64 * 1024 ** 2,
          openFiles: 1024,
          tmpBytes: 256 * 1024 ** 2,
        },
      },
    });
    expect(createPrivateKey(cfg.privateKey).asymmetricKeyType).toBe('rsa');
  });

  it('takes the render sandbox settings (sizes with Ki/Mi/Gi), and names the variable when one is wrong', () => {
    const cfg = loadServerConfig(baseEnv({ BOSUN_SANDBOX: 'off', BOSUN_SANDBOX_MEMORY: '512Mi', BOSUN_SANDBOX_CPU_SECONDS: '30', BOSUN_SANDBOX_PROCESSES: '64', BOSUN_RENDER_MAX_BYTES: '8Mi' }));
    expect(cfg.sandbox).toMatchObject({ mode: 'off', outputBytes: 8 * 1024 ** 2, limits: { memoryBytes: 512 * 1024 ** 2, cpuSeconds: 30, processes: 64 } });
    const err = failure(() => loadServerConfig(baseEnv({ BOSUN_SANDBOX: 'maybe', BOSUN_SANDBOX_MEMORY: '2GB', BOSUN_RENDER_MAX_BYTES: '1' })));
    expect(err.problems.map((p) => p.field)).toEqual(['BOSUN_SANDBOX', 'BOSUN_SANDBOX_MEMORY', 'BOSUN_RENDER_MAX_BYTES']);
    expect(err.message).toContain('BOSUN_SANDBOX must be "on" or "off"');
    expect(err.message).toContain('BOSUN_SANDBOX_MEMORY must be a size in bytes, optionally with Ki, Mi or Gi (e.g. 2Gi)');
  });

  it('takes the PR lock lease as a duration of at least a minute', () => {
    expect(loadServerConfig(baseEnv({ BOSUN_LOCK_TTL: '72h' })).lockTtlMs).toBe(72 * 3600 * 1000);
    expect(loadServerConfig(baseEnv({ BOSUN_LOCK_TTL: '1h30m' })).lockTtlMs).toBe(5400 * 1000);
    const err = failure(() => loadServerConfig(baseEnv({ BOSUN_LOCK_TTL: '7d' })));
    expect(err.problems.map((p) => p.field)).toEqual(['BOSUN_LOCK_TTL']);
    expect(failure(() => loadServerConfig(baseEnv({ BOSUN_LOCK_TTL: '30s' }))).message).toContain('at least a minute');
  });

  it('takes BOSUN_CHART_SOURCES as hosts or URL prefixes, comma- or space-separated, and names a wrong entry', () => {
    expect(loadServerConfig(baseEnv({ BOSUN_CHART_SOURCES: 'ghcr.io, https://charts.example.com/stable oci://registry.example.com/charts' })).chartSources)
      .toEqual(['ghcr.io', 'https://charts.example.com/stable', 'oci://registry.example.com/charts']);
    const err = (() => {
      try {
        loadServerConfig(baseEnv({ BOSUN_CHART_SOURCES: 'ftp://x.example.com/charts' }));
      } catch (e) {
        return e as { problems: Array<{ field?: string; message: string }> };
      }
      throw new Error('accepted');
    })();
    expect(err.problems.map((p) => `${p.field}: ${p.message}`)).toEqual(['BOSUN_CHART_SOURCES: BOSUN_CHART_SOURCES "ftp://x.example.com/charts": only http(s):// and oci:// sources can be fetched (got "ftp://x.example.com/charts")']);
  });

  it('takes the object limits per environment and per plan as whole numbers', () => {
    const cfg = loadServerConfig(baseEnv({ BOSUN_MAX_OBJECTS: '5000', BOSUN_MAX_PLAN_OBJECTS: ' 30000 ' }));
    expect(cfg.objectLimits).toEqual({ perEnvironment: 5_000, perPlan: 30_000 });
    const err = failure(() => loadServerConfig(baseEnv({ BOSUN_MAX_OBJECTS: '20k', BOSUN_MAX_PLAN_OBJECTS: '0' })));
    expect(err.problems.map((p) => p.field)).toEqual(['BOSUN_MAX_OBJECTS', 'BOSUN_MAX_PLAN_OBJECTS']);
    expect(err.message).toContain('BOSUN_MAX_OBJECTS must be a whole number of objects from 1 to 1000000 (got "20k")');
    expect(err.message).toContain('BOSUN_MAX_PLAN_OBJECTS must be a whole number of objects from 1 to 10000000 (got "0")');
  });

  it('takes the worker recovery settings (job lock, environment lease) in milliseconds within sane bounds', () => {
    const cfg = loadServerConfig(baseEnv({ BOSUN_JOB_LOCK_MS: '5000', BOSUN_ENV_LEASE_MS: ' 8000 ' }));
    expect([cfg.jobLockMs, cfg.envLeaseMs]).toEqual([5_000, 8_000]);
    const err = failure(() => loadServerConfig(baseEnv({ BOSUN_JOB_LOCK_MS: '500', BOSUN_ENV_LEASE_MS: '30s' })));
    expect(err.problems.map((p) => p.field)).toEqual(['BOSUN_JOB_LOCK_MS', 'BOSUN_ENV_LEASE_MS']);
    expect(err.message).toContain('BOSUN_JOB_LOCK_MS must be a whole number of milliseconds from 1000 to 600000 (got "500")');
    expect(err.message).toContain('BOSUN_ENV_LEASE_MS must be a whole number of milliseconds from 1000 to 3600000 (got "30s")');
  });

  it('accepts the key as PEM with literal \\n escapes, base64-encoded, with CRLF line ends, or from a file relative to the working directory', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'keys'));
    await writeFile(join(cwd, 'keys', 'app.pem'), PEM);
    const forms: NodeJS.ProcessEnv[] = [
      { PRIVATE_KEY: PEM.trim().split('\n').join('\\n') },
      { PRIVATE_KEY: Buffer.from(PEM).toString('base64') },
      { PRIVATE_KEY: PEM.split('\n').join('\r\n') },
      { PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'keys/app.pem' },
    ];
    for (const form of forms) {
      const cfg = loadServerConfig(baseEnv(form), { cwd });
      expect(cfg.privateKey).toBe(PEM);
    }
    expect(loadServerConfig(baseEnv({ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: 'keys/app.pem' }), { cwd }).privateKeySource)
      .toEqual({ variable: 'PRIVATE_KEY_PATH', path: join(cwd, 'keys', 'app.pem') });
  });

  it('refuses to start without APP_ID, a private key and WEBHOOK_SECRET, naming every missing variable in one error', () => {
    for (const env of [{}, { APP_ID: '', PRIVATE_KEY: '', PRIVATE_KEY_PATH: '  ', WEBHOOK_SECRET: '' }]) {
      const err = failure(() => loadServerConfig({ HOME: '/home/bosun', ...env }, { cwd: '/nonexistent' }));
      expect(err.missing).toEqual(['APP_ID', 'PRIVATE_KEY (or PRIVATE_KEY_PATH)', 'WEBHOOK_SECRET']);
      expect(err.message).toMatch(/^bosun cannot start: missing APP_ID, PRIVATE_KEY \(or PRIVATE_KEY_PATH\), WEBHOOK_SECRET\n/);
      expect(err.problems.map((p) => p.field)).toEqual(['APP_ID', 'PRIVATE_KEY', 'WEBHOOK_SECRET']);
      expect(err.message).toContain('APP_ID is not set; set it to the numeric App ID');
      expect(err.message).toContain('WEBHOOK_SECRET is not set; set it to the webhook secret configured on the GitHub App');
    }
    const mixed = failure(() => loadServerConfig({ HOME: '/home/bosun', APP_ID: '7', PORT: 'x', GHE_PROTOCOL: 'http' }, { cwd: '/nonexistent' }));
    expect(mixed.missing).toEqual(['PRIVATE_KEY (or PRIVATE_KEY_PATH)', 'WEBHOOK_SECRET']);
    expect(mixed.problems.map((p) => p.field)).toEqual(['PRIVATE_KEY', 'WEBHOOK_SECRET', 'PORT', 'GHE_PROTOCOL']);
  });

  it('refuses an empty or placeholder WEBHOOK_SECRET instead of falling back to Probot\'s "development"', () => {
    expect(failure(() => loadServerConfig(baseEnv({ WEBHOOK_SECRET: '' }))).missing).toEqual(['WEBHOOK_SECRET']);
    expect(failure(() => loadServerConfig(baseEnv({ WEBHOOK_SECRET: '   ' }))).missing).toEqual(['WEBHOOK_SECRET']);
    const placeholder = failure(() => loadServerConfig(baseEnv({ WEBHOOK_SECRET: 'development' })));
    expect(placeholder.message).toContain('WEBHOOK_SECRET is Probot\'s "development" placeholder');
    // Whitespace inside a secret is the user's business: it is used exactly as given.
    expect(loadServerConfig(baseEnv({ WEBHOOK_SECRET: ` ${SECRET} ` })).webhookSecret).toBe(` ${SECRET} `);
  });

  it('never picks up a *.pem file from the working directory, but says it saw one', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'my-app.2024-01-01.private-key.pem'), PEM);
    const err = failure(() => loadServerConfig(baseEnv({ PRIVATE_KEY: undefined }), { cwd }));
    expect(err.missing).toEqual(['PRIVATE_KEY (or PRIVATE_KEY_PATH)']);
    expect(err.message).toContain(`my-app.2024-01-01.private-key.pem in ${cwd} is not used automatically; set PRIVATE_KEY_PATH=${join(cwd, 'my-app.2024-01-01.private-key.pem')}`);
    expectNoSecrets(err.message);
  });

  it('names an unreadable PRIVATE_KEY_PATH and why, never the file\'s content', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'notes.txt'), `api_key: ${KEY_LINE}\n`);
    const cases: Array<[string, RegExp]> = [
      ['missing.pem', /PRIVATE_KEY_PATH: .*missing\.pem does not exist; point it at the App's \.pem file/],
      ['.', /PRIVATE_KEY_PATH: .* is a folder, not a file/],
      ['notes.txt', /PRIVATE_KEY_PATH \(.*notes\.txt\) is not a PEM private key/],
    ];
    for (const [path, message] of cases) {
      const err = failure(() => loadServerConfig(baseEnv({ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: path }), { cwd }));
      expect(err.message).toMatch(message);
      expect(err.missing).toEqual([]);
      expectNoSecrets(err.message);
    }
  });

  it('says what is wrong with an invalid key without echoing any of it', () => {
    const body = PEM.split('\n').slice(1, 4).join('\n');
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const cases: Array<[string, RegExp]> = [
      [`just-some-text-${KEY_LINE}`, /PRIVATE_KEY is not a PEM private key \(no "-----BEGIN … PRIVATE KEY-----" line\)/],
      [`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n`, /PRIVATE_KEY looks like a PEM private key but cannot be read \(truncated/],
      [PEM.replace(/\n/g, ' '), /PRIVATE_KEY looks like a PEM private key but cannot be read/],
      [rsa.publicKey, /PRIVATE_KEY holds a public key, not a private key/],
      [ec.privateKey, /PRIVATE_KEY is an ec key; GitHub Apps sign with RSA keys/],
    ];
    for (const [value, message] of cases) {
      const err = failure(() => loadServerConfig(baseEnv({ PRIVATE_KEY: value })));
      expect(err.message).toMatch(message);
      expectNoSecrets(err.message, [body.split('\n')[1], ec.privateKey.split('\n')[1], rsa.publicKey.split('\n')[2]]);
    }
  });

  it('refuses PRIVATE_KEY and PRIVATE_KEY_PATH together rather than guessing which key signs', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'app.pem'), PEM);
    const err = failure(() => loadServerConfig(baseEnv({ PRIVATE_KEY_PATH: 'app.pem' }), { cwd }));
    expect(err.message).toContain('PRIVATE_KEY and PRIVATE_KEY_PATH are both set; keep only one');
  });

  it('points at GitHub Enterprise Server (or a local stand-in) with GHE_HOST and GHE_PROTOCOL', () => {
    expect(loadServerConfig(baseEnv({ GHE_HOST: 'github.example.com' })).githubBaseUrl).toBe('https://github.example.com/api/v3');
    expect(loadServerConfig(baseEnv({ GHE_HOST: '127.0.0.1:8443/', GHE_PROTOCOL: 'HTTP' })).githubBaseUrl).toBe('http://127.0.0.1:8443/api/v3');
    expect(failure(() => loadServerConfig(baseEnv({ GHE_HOST: 'https://github.example.com' }))).message)
      .toContain('GHE_HOST must be a host name such as github.example.com (put the scheme in GHE_PROTOCOL)');
    expect(failure(() => loadServerConfig(baseEnv({ GHE_PROTOCOL: 'http' }))).message).toContain('GHE_PROTOCOL is set but GHE_HOST is not');
    expect(failure(() => loadServerConfig(baseEnv({ GHE_HOST: 'ghe.example.com', GHE_PROTOCOL: 'ftp' }))).message).toContain('GHE_PROTOCOL must be "https" or "http"');
  });

  it('reports every invalid setting at once, showing plain values but never a Redis password', () => {
    const redis = 'http://:hunter2-redis-pass@cache:6379';
    const err = failure(() => loadServerConfig(baseEnv({
      PORT: 'eighty', HOST: 'http://0.0.0.0', WEBHOOK_PATH: 'hooks', REDIS_URL: redis,
      BOSUN_CONCURRENCY: '0', LOG_LEVEL: 'verbose', BOSUN_DASHBOARD_TOKEN: 'short',
    })));
    expect(err.problems.map((p) => p.field)).toEqual(['PORT', 'HOST', 'WEBHOOK_PATH', 'REDIS_URL', 'BOSUN_CONCURRENCY', 'LOG_LEVEL', 'BOSUN_DASHBOARD_TOKEN']);
    expect(err.message).toContain('PORT must be a port number from 0 to 65535 (got "eighty")');
    expect(err.message).toContain('HOST must be an address to listen on, such as 127.0.0.1 or 0.0.0.0, not a URL');
    expect(err.message).toContain('WEBHOOK_PATH must be a URL path starting with "/"');
    expect(err.message).toContain('REDIS_URL must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL');
    expect(err.message).toContain('BOSUN_CONCURRENCY must be a whole number from 1 to 64 (got "0")');
    expect(err.message).toContain('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")');
    expect(err.message).toContain('BOSUN_DASHBOARD_TOKEN is too short');
    expect(err.message).not.toContain('hunter2');
    expect(err.message).not.toContain('"short"');
    expect(failure(() => loadServerConfig(baseEnv({ PORT: '70000' }))).message).toContain('PORT must be a port number from 0 to 65535 (got "70000")');
  });

  it('resolves paths against the working directory and the home folder, and takes the other settings as given', () => {
    const cfg = loadServerConfig(baseEnv({
      PORT: '0', HOST: '0.0.0.0', WEBHOOK_PATH: '/hooks', REDIS_URL: 'rediss://:pw@redis.internal:6380/2',
      BOSUN_CLUSTERS: 'config/clusters.yaml', BOSUN_DATA_DIR: '~/bosun-data', BOSUN_CONCURRENCY: '8', LOG_LEVEL: 'DEBUG',
      BOSUN_DASHBOARD_TOKEN: DASHBOARD,
    }), { cwd: '/srv/bosun' });
    expect(cfg).toMatchObject({
      port: 0, host: '0.0.0.0', webhookPath: '/hooks', redisUrl: 'rediss://:pw@redis.internal:6380/2',
      clustersFile: '/srv/bosun/config/clusters.yaml', dataDir: '/home/bosun/bosun-data', concurrency: 8, logLevel: 'debug',
      dashboardToken: DASHBOARD,
    });
    expect(loadServerConfig(baseEnv({ XDG_CACHE_HOME: '/var/cache/app' })).dataDir).toBe('/var/cache/app/bosun/data');
    expect(loadServerConfig(baseEnv({ BOSUN_DATA_DIR: 'data' }), { cwd: '/srv/bosun' }).dataDir).toBe('/srv/bosun/data');
  });
});

describe('describeServerConfig', () => {
  it('summarises the configuration for logs with every secret replaced by "set"/"not set"', () => {
    const cfg = loadServerConfig(baseEnv({ REDIS_URL: 'redis://bosun:hunter2-redis-pass@redis:6379/0', BOSUN_DASHBOARD_TOKEN: DASHBOARD }));
    const summary = describeServerConfig(cfg);
    expect(summary).toEqual({
      appId: 12345,
      privateKey: 'set (PRIVATE_KEY)',
      webhookSecret: 'set',
      listen: 'http://127.0.0.1:3000/api/github/webhooks',
      githubBaseUrl: 'https://api.github.com',
      redisUrl: 'redis://bosun:***@redis:6379/0',
      clustersFile: 'not set',
      dataDir: '/home/bosun/.cache/bosun/data',
      concurrency: 2,
      applyConcurrency: 0,
      applyConcurrencyPerCluster: 4,
      applyWorkerConcurrency: 2,
      planFanout: 'over 40 environments, 10 per part',
      planTimeout: '30m',
      lockTtl: '168h',
      enqueueTimeoutMs: 3_000,
      jobLockMs: 30_000,
      jobMaxStalls: 5,
      envLeaseMs: 60_000,
      maxObjects: 20_000,
      maxPlanObjects: 100_000,
      logLevel: 'info',
      dashboardToken: 'set',
      chartSources: 'none (only what the base branch declares)',
      sandbox: 'on',
    });
    expect(describeServerConfig(loadServerConfig(baseEnv())).dashboardToken).toBe('not set');
  });

  it('keeps secrets out of a config object that is logged by accident', () => {
    const cfg = loadServerConfig(baseEnv({ REDIS_URL: 'redis://:hunter2-redis-pass@redis:6379', BOSUN_DASHBOARD_TOKEN: DASHBOARD }));
    for (const text of [JSON.stringify(cfg), inspect(cfg), `${JSON.stringify({ config: cfg })}`]) {
      expectNoSecrets(text, ['hunter2-redis-pass']);
      expect(text).toContain('12345');
    }
    // The fields themselves stay usable for the code that needs them.
    expect(cfg.webhookSecret).toBe(SECRET);
  });
});

describe('server environment reference', () => {
  it('documents every variable the loader reads, marks secrets and shows defaults', () => {
    const table = serverEnvReferenceMarkdown();
    for (const name of Object.keys(serverEnvSchema.shape)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toMatch(/\| `WEBHOOK_SECRET` \| yes \|.*Secret: never logged/);
    expect(table).toMatch(/\| `HOST` \| {2}\| `127\.0\.0\.1` \|.*HOST=0\.0\.0\.0/);
  });
});
