import { rm } from 'node:fs/promises';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { generateAppKey, signAppJwt } from '../../testkit/github-standin/index.ts';
import { appOctokit, quietLog, standinWithRepo, type Fixture } from './fixture.ts';

function statusOf(err: unknown): number | undefined {
  return (err as { status?: number }).status;
}

describe('GitHub stand-in authentication', () => {
  let f: Fixture;
  let clock = Date.now();
  let otherDir = '';
  let otherInstallation = 0;

  beforeAll(async () => {
    f = await standinWithRepo({ now: () => clock });
    const other = await makeGitRepo();
    await other.write('README.md', 'other\n');
    await other.commit('initial');
    otherDir = other.dir;
    otherInstallation = (await f.gh.addRepo({ owner: 'globex', name: 'infra', gitDir: other.dir })).installationId;
  });
  afterAll(async () => {
    await f?.close();
    if (otherDir) await rm(otherDir, { recursive: true, force: true });
  });

  const plain = (token?: string) => new Octokit({ baseUrl: f.gh.apiUrl, auth: token, log: quietLog, request: { retries: 0 } });

  it('mints a ghs_ installation token that lives one hour from a valid App JWT', async () => {
    const app = plain(f.gh.appJwt());
    const me = await app.rest.apps.getAuthenticated();
    expect([me.data?.id, me.data?.slug]).toEqual([f.gh.appId, 'bosun']);
    const inst = await app.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'gitops' });
    expect(inst.data.id).toBe(f.info.installationId);
    const token = await app.rest.apps.createInstallationAccessToken({ installation_id: inst.data.id });
    expect(token.status).toBe(201);
    expect(token.data.token).toMatch(/^ghs_[A-Za-z0-9]{36}$/);
    expect(Date.parse(token.data.expires_at) - clock).toBeGreaterThan(59 * 60 * 1000);
    expect(Date.parse(token.data.expires_at) - clock).toBeLessThanOrEqual(60 * 60 * 1000);
    const installations = await app.rest.apps.listInstallations();
    expect(installations.data.map((i) => i.account && 'login' in i.account ? i.account.login : '')).toEqual(['acme', 'globex']);
  });

  it('refuses a JWT signed with another key, an expired token and a missing credential with 401', async () => {
    const forged = plain(signAppJwt(f.gh.appId, generateAppKey()));
    expect(statusOf(await forged.rest.apps.getAuthenticated().catch((e: unknown) => e))).toBe(401);

    const token = f.gh.mintToken(f.info.installationId);
    expect((await plain(token).rest.repos.get({ owner: 'acme', repo: 'gitops' })).status).toBe(200);
    clock += 61 * 60 * 1000;
    try {
      expect(statusOf(await plain(token).rest.repos.get({ owner: 'acme', repo: 'gitops' }).catch((e: unknown) => e))).toBe(401);
    } finally {
      clock -= 61 * 60 * 1000;
    }

    expect(statusOf(await plain().rest.repos.get({ owner: 'acme', repo: 'gitops' }).catch((e: unknown) => e))).toBe(401);
    expect(statusOf(await plain('ghs_madeup').rest.repos.get({ owner: 'acme', repo: 'gitops' }).catch((e: unknown) => e))).toBe(401);
  });

  it('hides repositories of other installations with 404, as GitHub does', async () => {
    const acme = appOctokit(f.gh, f.info.installationId);
    const err = await acme.rest.repos.get({ owner: 'globex', repo: 'infra' }).catch((e: unknown) => e);
    expect(statusOf(err)).toBe(404);
    const globex = appOctokit(f.gh, otherInstallation);
    expect((await globex.rest.repos.get({ owner: 'globex', repo: 'infra' })).data.full_name).toBe('globex/infra');
  });

  it('refuses the App JWT on installation endpoints and an installation token on App endpoints', async () => {
    const jwt = plain(f.gh.appJwt());
    expect(statusOf(await jwt.rest.repos.get({ owner: 'acme', repo: 'gitops' }).catch((e: unknown) => e))).toBe(403);
    const token = plain(f.gh.mintToken(f.info.installationId));
    expect(statusOf(await token.rest.apps.createInstallationAccessToken({ installation_id: f.info.installationId }).catch((e: unknown) => e))).toBe(401);
  });

  it('limits a token to the repositories it was asked for', async () => {
    const app = plain(f.gh.appJwt());
    const scoped = await app.rest.apps.createInstallationAccessToken({ installation_id: f.info.installationId, repositories: ['gitops'] });
    expect(scoped.data.repository_selection).toBe('selected');
    const wrong = await app.rest.apps.createInstallationAccessToken({ installation_id: f.info.installationId, repositories: ['infra'] }).catch((e: unknown) => e);
    expect(statusOf(wrong)).toBe(422);
  });
});
