import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });

const cm = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  value: "${value}"\n`;

describe('bosun plan exit code when the change touches files bosun cannot judge', () => {
  it('is 3 (not all of it judged) when a changed manifest is deployed by no environment, and 0 when every change is judged', async () => {
    const repo = await makeGitRepo();
    dirs.push(repo.dir);
    await repo.write('.bosun.yaml', 'version: 1\nenvironments:\n  - name: app\n    path: apps/app\n');
    await repo.write('apps/app/cm.yaml', cm('app', '1'));
    await repo.write('stray/cm.yaml', cm('stray', '1'));
    const base = await repo.commit('base');
    await repo.write('stray/cm.yaml', cm('stray', '2'));
    const strayChange = await repo.commit('change a manifest no environment deploys');
    await repo.write('apps/app/cm.yaml', cm('app', '2'));
    const judged = await repo.commit('change the environment');

    const unjudged = await runCli(['plan', '--repo', repo.dir, '--base', base, '--head', strayChange, '--format', 'json']);
    expect(unjudged.code, unjudged.stderr).toBe(3);
    expect(unjudged.stderr).toContain('cannot judge 1 changed file(s): stray/cm.yaml');
    const plan = JSON.parse(unjudged.stdout) as { coverage: { uncovered: Array<{ file: string; changed?: boolean }> } };
    expect(plan.coverage.uncovered).toContainEqual(expect.objectContaining({ file: 'stray/cm.yaml', changed: true }));

    const ok = await runCli(['plan', '--repo', repo.dir, '--base', strayChange, '--head', judged, '--format', 'json']);
    expect(ok.code, ok.stderr).toBe(0);
  });
});
