import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { afterAll, describe, expect, it } from 'vitest';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { quietLog } from './fixture.ts';

/**
 * Runs the CLI (the script `npm run github-standin` runs, loaded through tsx) until it has printed the
 * environment line; returns its whole output so far. Node with tsx's loader rather than the tsx command:
 * the command relays SIGTERM to its child and SIGKILLs the child when it has not acknowledged the signal
 * within 30 ms, which a loaded machine misses, and then the stand-in never gets to remove its key file.
 */
function startCli(args: string[]): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'testkit/github-standin/cli.ts', ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('Ctrl+C')) resolve({ child, out });
    });
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.on('exit', (code) => reject(new Error(`github-standin exited with ${code}: ${err}`)));
  });
}

describe('npm run github-standin', () => {
  let child: ChildProcess | undefined;
  let repoDir = '';

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGTERM');
    if (repoDir) await rm(repoDir, { recursive: true, force: true });
  });

  it('prints the URL, App id, key file and bosun’s environment, and serves the repository it was given', async () => {
    const repo = await makeGitRepo();
    repoDir = repo.dir;
    await repo.write('README.md', 'hello\n');
    const sha = await repo.commit('initial');
    const started = await startCli(['--port', '0', '--repo', `acme/gitops=${repo.dir}`]);
    child = started.child;

    const env = Object.fromEntries([...started.out.matchAll(/\b(GHE_HOST|GHE_PROTOCOL|APP_ID|PRIVATE_KEY_PATH)=(\S+)/g)].map((m) => [m[1], m[2]]));
    expect(Object.keys(env).sort()).toEqual(['APP_ID', 'GHE_HOST', 'GHE_PROTOCOL', 'PRIVATE_KEY_PATH']);
    expect(env.GHE_PROTOCOL).toBe('http');
    expect(started.out).toContain('Repository acme/gitops: installation');
    expect(started.out).toContain('default branch main');
    expect(started.out).not.toMatch(/ghs_|eyJ/);

    const app = new Octokit({ baseUrl: `http://${env.GHE_HOST}/api/v3`, log: quietLog, authStrategy: createAppAuth, auth: { appId: Number(env.APP_ID), privateKey: readFileSync(env.PRIVATE_KEY_PATH, 'utf8') } });
    const installation = await app.rest.apps.getRepoInstallation({ owner: 'acme', repo: 'gitops' });
    const octokit = new Octokit({
      baseUrl: `http://${env.GHE_HOST}/api/v3`,
      log: quietLog,
      authStrategy: createAppAuth,
      auth: { appId: Number(env.APP_ID), privateKey: readFileSync(env.PRIVATE_KEY_PATH, 'utf8'), installationId: installation.data.id },
    });
    const ref = await octokit.rest.git.getRef({ owner: 'acme', repo: 'gitops', ref: 'heads/main' });
    expect(ref.data.object.sha).toBe(sha);

    const exited = new Promise((resolve) => started.child.on('exit', resolve));
    started.child.kill('SIGTERM');
    await exited;
    expect(existsSync(env.PRIVATE_KEY_PATH)).toBe(false);
  });
});
