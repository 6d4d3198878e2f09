import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const dirs: string[] = [];
async function repo(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bosun-bad-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}
afterEach(async () => { await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))); });

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  a: "1"\n`;

describe('bad input gets a clear error and the right exit code', () => {
  it('malformed YAML names the file and line (exit 1)', async () => {
    const dir = await repo({ 'clusters/dev/app.yaml': `${cm('ok')}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [broken\n` });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/clusters\/dev\/app\.yaml:1[23]\b/);
  });

  it('duplicate objects are a validation error naming the object (exit 1)', async () => {
    const dir = await repo({ 'clusters/dev/a.yaml': cm('same'), 'clusters/dev/b.yaml': cm('same') });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/duplicate/i);
    expect(r.stdout).toMatch(/ConfigMap default\/same|ConfigMap.*same/);
  });

  it('a kind with no schema is a named warning, not a silent pass (exit 0)', async () => {
    const dir = await repo({ 'clusters/dev/widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\nspec:\n  size: 3\n' });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning: .*Widget.*no schema/i);
  });

  it('a missing schema is an error when .bosun.yaml says so (exit 1)', async () => {
    const dir = await repo({
      '.bosun.yaml': 'version: 1\nvalidation:\n  missingSchema: error\nenvironments:\n  - name: dev\n    path: clusters/dev\n',
      'clusters/dev/widget.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\n',
    });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/error: .*Widget.*no schema/i);
  });

  it('a kustomization that names a missing file names the kustomization, line and field (exit 1)', async () => {
    const dir = await repo({ 'clusters/dev/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - app.yaml\n  - missing.yaml\n', 'clusters/dev/app.yaml': cm('a') });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/clusters\/dev\/kustomization\.yaml:5/);
    expect(r.stdout + r.stderr).toMatch(/missing\.yaml/);
  });

  it('a path that escapes the repo is refused (exit 1 for a kustomization, 2 for --path)', async () => {
    const dir = await repo({ 'clusters/dev/kustomization.yaml': 'resources:\n  - ../../../etc/passwd\n' });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/escapes the repository/);
    const r2 = await runCli(['validate', '--repo', dir, '--path', '../..']);
    expect(r2.code).toBeGreaterThan(0);
    expect(r2.stdout + r2.stderr).toMatch(/escapes the repository/);
  });

  it('a symlink out of the repo is refused', async () => {
    const outside = await repo({ 'secret.yaml': cm('outside') });
    const dir = await repo({ 'clusters/dev/app.yaml': cm('a') });
    await symlink(join(outside, 'secret.yaml'), join(dir, 'clusters/dev/link.yaml'));
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/symlink.*outside the repository/);
    expect(r.stdout).not.toMatch(/name: outside/);
  });

  it('a Helm template error quotes helm', async () => {
    const dir = await repo({
      'charts/app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n',
      'charts/app/values.yaml': 'replicas: 1\n',
      'charts/app/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required "name is required" .Values.name }}\n',
    });
    const r = await runCli(['validate', '--repo', dir, '--path', 'charts/app']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/name is required/);
  });

  it('an invalid .bosun.yaml names file, line and field (exit 2)', async () => {
    const dir = await repo({ '.bosun.yaml': 'version: 1\nenvironments:\n  - name: dev\n    path: clusters/dev\n    prune: maybe\n', 'clusters/dev/a.yaml': cm('a') });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.bosun\.yaml:5/);
    expect(r.stderr).toMatch(/prune/);
  });

  it('a file over 10 MB is refused by name, without hanging', async () => {
    const big = `${cm('big')}  blob: "${'x'.repeat(11 * 1024 * 1024)}"\n`;
    const dir = await repo({ 'clusters/dev/big.yaml': big });
    const r = await runCli(['validate', '--repo', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/big\.yaml/);
    expect(r.stdout + r.stderr).toMatch(/10 ?MB|too large/i);
  });

  it('an unknown option or command is a usage error (exit 2)', async () => {
    expect((await runCli(['plan', '--bogus'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const r = await runCli(['plan', '--repo', '.']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--base is required/);
  });
});
