import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { runCli } from './run-cli.ts';

const configMaps = (count: number, value: string): string => Array.from({ length: count }, (_, i) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n  namespace: default\ndata:\n  key: "${value}"\n`).join('---\n');

describe('--max-objects and --max-plan-objects', () => {
  let repo: GitRepoBuilder;

  beforeAll(async () => {
    repo = await makeGitRepo();
    await repo.write('clusters/big/objects.yaml', configMaps(6, 'one'));
    await repo.write('clusters/small/objects.yaml', configMaps(2, 'one'));
    await repo.commit('base');
    await repo.write('clusters/big/objects.yaml', configMaps(6, 'two'));
    await repo.write('clusters/small/objects.yaml', configMaps(2, 'two'));
    await repo.commit('head');
  });
  afterAll(async () => {
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  it('plan fails the environment over --max-objects, names the flag, and still reports the others (exit 1)', async () => {
    const r = await runCli(['plan', '--repo', repo.dir, '--base', 'HEAD~1', '--head', 'HEAD', '--max-objects', '5']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('big renders 6 objects, over the limit of 5 per environment (--max-objects)');
    expect(r.stdout).toMatch(/\| small \| \+0 ~2 −0 \|/);
  });

  it('validate and render count every environment against --max-plan-objects', async () => {
    const validate = await runCli(['validate', '--repo', repo.dir, '--max-plan-objects', '7']);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain('✓ big (clusters/big): 6 objects');
    expect(validate.stdout).toContain('small renders 2 objects on top of the 6 of the environments before it, which would take this plan over the limit of 7 objects per plan (--max-plan-objects)');

    const render = await runCli(['render', '--repo', repo.dir, '--env', 'small', '--max-objects', '1']);
    expect(render.code).toBe(1);
    expect(render.stderr).toContain('small renders 2 objects, over the limit of 1 per environment (--max-objects)');
  });

  it('a limit that is not a whole number is a usage error (exit 2)', async () => {
    const r = await runCli(['validate', '--repo', repo.dir, '--max-objects', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-objects must be a whole number of objects, at least 1 (got "lots")');
  });
});
