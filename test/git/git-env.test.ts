// bosun's own git runs get a minimal environment (src/git/git-env.ts): the App's private key, the webhook
// secret, Redis and dashboard credentials and anything else in bosun's environment never reach git, the
// remote helpers or the programs git starts. Observed from inside: a git alias starting `env` prints the
// environment git's own children see.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { runRemoteGit } from '../../src/git/mirror-remote.ts';

const canaries = {
  PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----canary-private-key',
  WEBHOOK_SECRET: 'canary-webhook-secret',
  REDIS_URL: 'redis://:canary-redis-password@127.0.0.1:6379',
  BOSUN_DASHBOARD_TOKEN: 'canary-dashboard-token',
  GITHUB_TOKEN: 'canary-github-token',
  AWS_SECRET_ACCESS_KEY: 'canary-aws-secret',
  GIT_SSH_COMMAND: 'touch /tmp/canary-git-ssh-command',
};
const saved = new Map<string, string | undefined>();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bosun-git-env-'));
  for (const [name, value] of Object.entries(canaries)) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
});

afterAll(async () => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await rm(dir, { recursive: true, force: true });
});

function expectNoCanary(printed: string): void {
  for (const [name, value] of Object.entries(canaries)) {
    expect(printed, name).not.toContain(value);
    expect(printed, name).not.toMatch(new RegExp(`^${name}=`, 'm'));
  }
}

describe("bosun's git runs", () => {
  it('hand git and what it starts no secret of bosun\'s environment, only what git needs', async () => {
    const printed = await git(['-c', 'alias.dumpenv=!env', 'dumpenv'], { cwd: dir, timeoutMs: 30_000 });
    expect(printed).toMatch(/^PATH=/m); // the alias did run and print git's children's environment
    expect(printed).toMatch(/^GIT_TERMINAL_PROMPT=0$/m);
    expectNoCanary(printed);
  });

  it('do the same for git that talks to a remote, where only the installation token is added, as a header', async () => {
    const run = await runRemoteGit(['-c', 'alias.dumpenv=!env', 'dumpenv'], { cwd: dir, token: 'ghs_installationtoken0123456789', timeoutMs: 30_000 });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^PATH=/m);
    expectNoCanary(run.stdout);
    // the token is in git's config environment (http.extraHeader), and scrubbed from what git printed
    expect(run.stdout).toMatch(/^GIT_CONFIG_KEY_\d+=http\.extraHeader$/m);
    expect(run.stdout).not.toContain('ghs_installationtoken0123456789');
  });
});
