import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standinWithRepo, type Fixture } from './fixture.ts';

/** A git client isolated from the machine's configuration and unable to prompt for credentials. */
function git(cwd: string, args: string[], extraConfig: Array<[string, string]> = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    GIT_CONFIG_COUNT: String(extraConfig.length),
  };
  extraConfig.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  return new Promise((resolve) => {
    execFile('git', args, { cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

function authHeader(token: string): Array<[string, string]> {
  return [['http.extraHeader', `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`]];
}

describe('GitHub stand-in git smart HTTP (real git http-backend)', () => {
  let f: Fixture;
  let work = '';

  beforeAll(async () => {
    f = await standinWithRepo();
    work = await mkdtemp(join(tmpdir(), 'standin-clone-'));
  });
  afterAll(async () => {
    await f?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('clones with an installation token as x-access-token and refuses without one', async () => {
    const denied = await git(work, ['clone', '--quiet', f.info.cloneUrl, 'denied']);
    expect(denied.code).not.toBe(0);
    expect(f.gh.requests.filter((r) => r.kind === 'git').map((r) => r.status)).toContain(401);

    const wrong = await git(work, ['clone', '--quiet', f.info.cloneUrl, 'wrong'], authHeader('ghs_notatoken'));
    expect(wrong.code).not.toBe(0);

    const token = f.gh.mintToken(f.info.installationId);
    const cloned = await git(work, ['clone', '--quiet', f.info.cloneUrl, 'mirror'], authHeader(token));
    expect(cloned.stderr).toBe('');
    expect(cloned.code).toBe(0);
    const head = await git(join(work, 'mirror'), ['rev-parse', 'HEAD']);
    expect(head.stdout.trim()).toBe(f.base);
    expect(f.gh.git('acme', 'gitops')).toMatchObject({ advertisements: 1, fetches: 1 });
  });

  it('accepts the token as the password in the URL too', async () => {
    const token = f.gh.mintToken(f.info.installationId);
    const url = f.info.cloneUrl.replace('http://', `http://x-access-token:${token}@`);
    const res = await git(work, ['ls-remote', url, 'refs/heads/main']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(f.base);
  });

  it('counts a fetch with nothing new as a contact but not as a download', async () => {
    const token = f.gh.mintToken(f.info.installationId);
    const before = f.gh.git('acme', 'gitops');
    const nothing = await git(join(work, 'mirror'), ['fetch', '--quiet', 'origin'], authHeader(token));
    expect(nothing.code).toBe(0);
    const after = f.gh.git('acme', 'gitops');
    expect(after.advertisements).toBe(before.advertisements + 1);
    expect(after.fetches).toBe(before.fetches);

    await f.repo.write('clusters/staging/new.yaml', 'kind: ConfigMap\n');
    const sha = await f.repo.commit('new file');
    const some = await git(join(work, 'mirror'), ['fetch', '--quiet', 'origin'], authHeader(token));
    expect(some.code).toBe(0);
    expect(f.gh.git('acme', 'gitops').fetches).toBe(before.fetches + 1);
    expect((await git(join(work, 'mirror'), ['rev-parse', 'origin/main'])).stdout.trim()).toBe(sha);
  });

  it('serves a pull request head as refs/pull/N/head and by commit SHA', async () => {
    await f.gh.addPullRequest({ owner: 'acme', repo: 'gitops', number: 3, head: { ref: 'feature', sha: f.head }, base: { ref: 'main' }, user: 'alice' });
    const token = f.gh.mintToken(f.info.installationId);
    const mirror = join(work, 'mirror');
    const byRef = await git(mirror, ['fetch', '--quiet', 'origin', 'refs/pull/3/head'], authHeader(token));
    expect(byRef.code).toBe(0);
    expect((await git(mirror, ['rev-parse', 'FETCH_HEAD'])).stdout.trim()).toBe(f.head);

    const fresh = join(work, 'by-sha');
    await git(work, ['init', '--quiet', 'by-sha']);
    const bySha = await git(fresh, ['fetch', '--quiet', f.info.cloneUrl, f.head], authHeader(token));
    expect(bySha.stderr).toBe('');
    expect((await git(fresh, ['rev-parse', 'FETCH_HEAD'])).stdout.trim()).toBe(f.head);
  });
});
