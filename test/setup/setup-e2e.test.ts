// `bosun setup` end to end against the GitHub stand-in: the operator's browser takes bosun's App
// manifest (app.yml) to GitHub's form, GitHub redirects back with a code, bosun exchanges it
// (POST /app-manifests/{code}/conversions, checked against GitHub's OpenAPI description) and writes the
// credentials — which then work: the App's JWT is accepted and `bosun serve`'s loader reads the file.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadServerConfig } from '../../src/config/server.ts';
import { normalizePem } from '../../src/config/server-private-key.ts';
import { defaultAppYml } from '../../src/setup/manifest.ts';
import { signAppJwt, startGitHubStandin, type GitHubStandin } from '../../testkit/github-standin/index.ts';
import { manifestProblems } from '../../testkit/github-standin/web/app-manifest-form.ts';
import { readForm, startSetup, submitToGitHub } from './browser.ts';

const appYml = parse(await readFile(defaultAppYml, 'utf8')) as { default_events: string[]; default_permissions: Record<string, string> };

/** Every way a secret could leak into what the command printed: whole, or any 32-character piece of the key. */
function leaks(printed: string, secrets: string[]): string[] {
  const pieces = secrets.flatMap((s) => (s.length > 64 ? s.replace(/-----[A-Z ]+-----|\s/g, '').match(/.{32}/g) ?? [] : [s]));
  return pieces.filter((p) => printed.includes(p));
}

describe('bosun setup', () => {
  let gh: GitHubStandin;
  let dir: string;

  beforeAll(async () => {
    gh = await startGitHubStandin();
    dir = await mkdtemp(join(tmpdir(), 'bosun-setup-'));
  });
  afterAll(async () => {
    await gh?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers the App from app.yml and writes its credentials to .env (0600), never printing them; they work', async () => {
    const env = join(dir, 'laptop', '.env');
    await mkdir(join(dir, 'laptop'));
    // Settings already in the file stay.
    await writeFile(env, 'REDIS_URL=redis://127.0.0.1:6379/3\n', { mode: 0o600 });
    const run = startSetup(['--github-url', gh.url, '--webhook-proxy-url', 'https://smee.io/bosun-test-channel', '--port', '0'], join(dir, 'laptop'));
    const page = await run.page;

    const form = await readForm(page);
    expect(form.action).toMatch(new RegExp(`^${gh.url}/settings/apps/new\\?state=[0-9a-f]{48}$`));
    const back = await submitToGitHub(form);
    expect(back.startsWith(`${page}/callback?code=`)).toBe(true);

    // A callback that does not carry this run's state is refused and changes nothing.
    const forged = new URL(back);
    forged.searchParams.set('state', 'someone-else');
    expect((await fetch(forged)).status).toBe(400);
    expect(await readFile(env, 'utf8')).toBe('REDIS_URL=redis://127.0.0.1:6379/3\n');

    const done = await fetch(back);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('is registered');
    const result = await run.done;
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);

    // What GitHub received: bosun's events and permissions, the relay as webhook URL, bosun's callback.
    const [registration] = gh.appRegistrations();
    expect(registration.manifest).toMatchObject({
      name: 'bosun',
      default_events: appYml.default_events,
      default_permissions: appYml.default_permissions,
      hook_attributes: { url: 'https://smee.io/bosun-test-channel', active: true },
      redirect_url: `${page}/callback`,
    });
    expect(registration.state).toMatch(/^[0-9a-f]{48}$/);
    expect(registration.webhookSecret).toBeTruthy();

    const file = await stat(env);
    expect(file.mode & 0o777).toBe(0o600);
    const vars = parseEnv(await readFile(env, 'utf8'));
    expect(vars).toMatchObject({
      REDIS_URL: 'redis://127.0.0.1:6379/3',
      APP_ID: String(gh.appId),
      WEBHOOK_SECRET: registration.webhookSecret,
      WEBHOOK_PROXY_URL: 'https://smee.io/bosun-test-channel',
      GHE_HOST: gh.gheHost,
      GHE_PROTOCOL: 'http',
    });
    expect(vars.GITHUB_CLIENT_ID).toBeTruthy();
    expect(vars.GITHUB_CLIENT_SECRET).toBeTruthy();
    expect(normalizePem(vars.PRIVATE_KEY!)).toBe(normalizePem(gh.privateKey));

    // Nothing secret on the terminal; the file and the next steps are named.
    expect(leaks(result.stdout + result.stderr, [vars.PRIVATE_KEY!, vars.WEBHOOK_SECRET!, vars.GITHUB_CLIENT_SECRET!])).toEqual([]);
    expect(result.stdout).toContain(`Wrote APP_ID, PRIVATE_KEY, WEBHOOK_SECRET, GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET, WEBHOOK_PROXY_URL, GHE_HOST, GHE_PROTOCOL to ${env} (mode 0600`);
    expect(result.stdout).toContain(`${gh.url}/apps/${gh.appSlug}/installations/new`);
    expect(result.stdout).toContain(`bosun serve --with-worker --env-file ${env}`);

    // The credentials work: bosun's server configuration accepts the file, and GitHub accepts the App's JWT.
    const config = loadServerConfig({ ...vars }, { cwd: dir });
    expect(config.appId).toBe(gh.appId);
    expect(config.githubBaseUrl).toBe(gh.apiUrl);
    const app = await fetch(`${gh.apiUrl}/app`, { headers: { authorization: `Bearer ${signAppJwt(config.appId, config.privateKey)}`, accept: 'application/vnd.github+json' } });
    expect(app.status).toBe(200);

    // The code worked once.
    const again = await fetch(`${gh.apiUrl}/app-manifests/${registration.code}/conversions`, { method: 'POST' });
    expect(again.status).toBe(404);
    expect(gh.problems()).toEqual([]);
    expect(gh.requests.filter((r) => r.operationId === 'apps/create-from-manifest').map((r) => r.status)).toEqual([201, 404]);
  });

  it('refuses to overwrite App credentials already in the file unless --force, before sending anyone to GitHub', async () => {
    const env = join(dir, 'existing.env');
    await writeFile(env, 'APP_ID=1\nWEBHOOK_SECRET=old\n', { mode: 0o600 });
    const before = gh.appRegistrations().length;
    const run = startSetup(['--github-url', gh.url, '--webhook-url', 'https://bosun.example.com/api/github/webhooks', '--port', '0', '--file', env], dir);
    const result = await run.done;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${env} already holds App credentials (APP_ID, WEBHOOK_SECRET); pass --force to replace them`);
    expect(gh.appRegistrations().length).toBe(before);
    expect(await readFile(env, 'utf8')).toBe('APP_ID=1\nWEBHOOK_SECRET=old\n');

    const forced = startSetup(['--github-url', gh.url, '--webhook-url', 'https://bosun.example.com/api/github/webhooks', '--port', '0', '--file', env, '--force'], dir);
    await fetch(await submitToGitHub(await readForm(await forced.page)));
    expect((await forced.done).code).toBe(0);
    const vars = parseEnv(await readFile(env, 'utf8'));
    expect(vars.APP_ID).toBe(String(gh.appId));
    expect(vars.WEBHOOK_SECRET).toBe(gh.appRegistrations().at(-1)!.webhookSecret);
    expect(vars.WEBHOOK_PROXY_URL).toBeUndefined();
    expect((await readFile(env, 'utf8')).match(/^APP_ID=/gm)).toHaveLength(1);
  });

  it('writes a Kubernetes Secret manifest for an organization\'s App: the keys the deployment reads, mode 0600', async () => {
    const file = join(dir, 'bosun-github-app.secret.yaml');
    const run = startSetup(['--github-url', gh.url, '--org', 'acme', '--name', 'bosun-acme', '--webhook-url', 'https://bosun.acme.example/api/github/webhooks',
      '--output', 'secret', '--namespace', 'gitops', '--port', '0'], dir);
    const form = await readForm(await run.page);
    expect(form.action.startsWith(`${gh.url}/organizations/acme/settings/apps/new?state=`)).toBe(true);
    await fetch(await submitToGitHub(form));
    const result = await run.done;
    expect(result.code).toBe(0);
    const registration = gh.appRegistrations().at(-1)!;
    expect(registration.org).toBe('acme');
    expect(registration.manifest).toMatchObject({ name: 'bosun-acme', hook_attributes: { url: 'https://bosun.acme.example/api/github/webhooks' } });

    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const secret = parse(await readFile(file, 'utf8')) as { kind: string; type: string; metadata: { name: string; namespace: string }; stringData: Record<string, string> };
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'bosun-github-app', namespace: 'gitops' } });
    expect(Object.keys(secret.stringData).sort()).toEqual(['app-id', 'private-key', 'webhook-secret']);
    expect(secret.stringData['app-id']).toBe(String(gh.appId));
    expect(secret.stringData['webhook-secret']).toBe(registration.webhookSecret);
    expect(normalizePem(secret.stringData['private-key'])).toBe(normalizePem(gh.privateKey));
    expect(leaks(result.stdout + result.stderr, [secret.stringData['private-key'], registration.webhookSecret!])).toEqual([]);
    expect(result.stdout).toContain(`Wrote the Secret gitops/bosun-github-app (keys app-id, private-key, webhook-secret) to ${file} (mode 0600`);
    expect(gh.problems()).toEqual([]);
  });

  it('the stand-in\'s form checks a manifest as GitHub documents it (permissions from the OpenAPI description)', () => {
    expect(manifestProblems({ ...appYml, url: 'https://example.org', hook_attributes: { url: 'https://x.example/h' } })).toEqual([]);
    expect(manifestProblems({ url: 'https://example.org', default_permissions: { contents: 'admin', secret_sauce: 'read' }, default_events: ['pull_request', 'pull_request_opened'] })).toEqual([
      'default_permissions.contents must be one of read, write',
      'default_permissions.secret_sauce is not a GitHub App permission',
      'default_events: pull_request_opened is not a webhook event',
    ]);
  });
});
