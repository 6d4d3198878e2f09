// `npm run bosun -- …` as a user runs it: stdout carries only bosun's output (npm 11 prints its
// "> bosun@0.1.0 bosun" banner on stdout unless its log level is silent: the project's .npmrc sets it),
// and npm passes bosun's exit code through.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';

function npmRun(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // As in a user's shell: no npm settings inherited from the `npm test` that may be running this suite.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'bosun', '--', ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run bosun', () => {
  let repo: string;
  beforeAll(async () => {
    const r = await makeGitRepo();
    repo = r.dir;
    await r.write('clusters/dev/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  level: info\n');
    await r.commit('base');
    await r.write('clusters/dev/cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  level: debug\n  extra: [not, a, string]\n');
    await r.commit('head');
  });
  afterAll(async () => { await rm(repo, { recursive: true, force: true }); });

  it('-- --version prints exactly the version on stdout', async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await npmRun(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${version}\n`);
  });

  it('-- plan … --format json prints only JSON on stdout, and its exit code comes through (1: a validation error)', async () => {
    const r = await npmRun(['plan', '--repo', repo, '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const plan = JSON.parse(r.stdout) as { environments: Array<{ name: string; validation: { errors: unknown[] } }> };
    expect(plan.environments.map((e) => [e.name, e.validation.errors.length > 0])).toEqual([['dev', true]]);
  });

  it('a usage error prints nothing on stdout and exits 2', async () => {
    const r = await npmRun(['validate', '--repo', join(repo, 'no-such-folder')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no such folder/);
  });
});
