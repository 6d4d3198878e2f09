import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxPolicy } from '../../src/render/sandbox.ts';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-sandbox-cli-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

const saved = process.env.BOSUN_BWRAP;
afterEach(async () => {
  if (saved === undefined) delete process.env.BOSUN_BWRAP;
  else process.env.BOSUN_BWRAP = saved;
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const kustomization = {
  'app/kustomization.yaml': 'resources: [cm.yaml]\n',
  'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: "1"\n',
};

describe('bosun validate/render/plan and the render sandbox', () => {
  it('stops with exit 2 when bubblewrap is missing, saying how to install it and how to opt out', async () => {
    const repo = await folder(kustomization);
    process.env.BOSUN_BWRAP = join(repo, 'no-such-bwrap');
    const run = await runCli(['validate', '--repo', repo, '--path', 'app']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('the render sandbox is unavailable: `bwrap` is not installed');
    expect(run.stderr).toContain('apt-get install bubblewrap');
    expect(run.stderr).toContain('--no-sandbox');
    expect(run.stdout).toBe('');
  });

  it('says first that a --repo folder is missing, before anything about the sandbox', async () => {
    const repo = await folder(kustomization);
    process.env.BOSUN_BWRAP = join(repo, 'no-such-bwrap');
    for (const repoArgs of [['--repo', join(repo, 'typo')], [`--repo=${join(repo, 'typo')}`]]) {
      const run = await runCli(['plan', ...repoArgs, '--base', 'main', '--head', 'HEAD']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--repo .*typo: no such folder/);
      expect(run.stderr).not.toContain('render sandbox');
    }
  });

  it('explains a kernel or container that refuses user namespaces, with the pod settings that allow them', async () => {
    const repo = await folder(kustomization);
    const fake = join(repo, 'bwrap');
    await writeFile(fake, '#!/bin/sh\necho "bwrap: No permissions to creating new namespace, likely because the kernel does not allow non-privileged user namespaces." >&2\nexit 1\n');
    await chmod(fake, 0o755);
    await chmod(repo, 0o755); // as root, bosun starts bwrap as the sandbox user
    process.env.BOSUN_BWRAP = fake;
    const run = await runCli(['render', '--repo', repo, '--path', 'app']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('user namespaces cannot be created here');
    expect(run.stderr).toContain('seccompProfile.type: Unconfined');
  });

  it('renders without the sandbox when told --no-sandbox, and warns that it is off', async () => {
    const repo = await folder(kustomization);
    process.env.BOSUN_BWRAP = join(repo, 'no-such-bwrap');
    const run = await runCli(['validate', '--repo', repo, '--path', 'app', '--no-sandbox']);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: the render sandbox is off');
    expect(sandboxPolicy().mode).toBe('off');
    delete process.env.BOSUN_BWRAP;
    const again = await runCli(['validate', '--repo', repo, '--path', 'app']);
    expect(again.code).toBe(0);
    expect(sandboxPolicy().mode).toBe('on'); // the next run is sandboxed again
  });

  it('documents --no-sandbox in the help of every command that renders', async () => {
    for (const command of ['plan', 'validate', 'render', 'apply', 'sync']) {
      const run = await runCli([command, '--help']);
      expect(run.stdout).toContain('--no-sandbox');
    }
    expect((await runCli(['serve', '--help'])).stdout).not.toContain('--no-sandbox');
  });
});
