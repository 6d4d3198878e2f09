// Flux Kustomizations and clusters/<name>/ folders follow the one rule for an environment whose cluster the
// registry lacks (issue #11; plan/unregistered-clusters.ts): with a registry of only `staging`, the example
// repository's sample pull request, which changes production/apps, was exit 0 without a word while the
// App's merge skips production ("not registered") — a change never applied, reported green. Now it is a
// not-previewed note naming the Kustomization's file and the cluster folder, and exit 3; with both clusters
// registered the same change is judged (exit 0). Registry entries carry labels only: nothing connects.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { runCli } from './run-cli.ts';

interface Note { status: string; kind: string; name: string; file?: string; line?: number; reason: string; changed?: string[] }
interface PlanJson { environments: Array<{ name: string; affected: boolean }>; discovery?: Note[] }

let repo: ExampleRepo;
let work: string;
let stagingOnly: string;
let both: string;
let stagingChange: string;
beforeAll(async () => {
  repo = await buildExampleRepo();
  work = await mkdtemp(join(tmpdir(), 'bosun-unregistered-flux-'));
  stagingOnly = join(work, 'staging-only.yaml');
  await writeFile(stagingOnly, 'clusters:\n  staging:\n    labels: { tier: test }\n');
  both = join(work, 'both.yaml');
  await writeFile(both, 'clusters:\n  staging:\n    labels: { tier: test }\n  production:\n    labels: { tier: prod }\n');
  // A change that reaches staging only, on top of main.
  const git = await makeGitRepo(repo.dir);
  await git.checkout('main');
  await git.branch('staging-only');
  await git.checkout('staging-only');
  await git.write('infrastructure/staging/settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: staging-settings\n  namespace: shop\ndata:\n  level: debug\n');
  const kustomization = await git.read('infrastructure/staging/kustomization.yaml');
  await git.write('infrastructure/staging/kustomization.yaml', kustomization.replace(/resources:\n/, 'resources:\n  - settings.yaml\n'));
  stagingChange = await git.commit('staging: a settings ConfigMap');
}, 120_000);
afterAll(async () => {
  if (repo) await rm(repo.dir, { recursive: true, force: true });
  if (work) await rm(work, { recursive: true, force: true });
});

const plan = (head: string, clusters: string) => runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', head, '--clusters', clusters, '--format', 'json']);
const unregisteredNotes = (out: PlanJson) => (out.discovery ?? []).filter((n) => n.kind === 'Environment' && n.status === 'not-previewed').sort((a, b) => a.name.localeCompare(b.name));

describe('the example repository (Flux, clusters/staging and clusters/production) with a registry of only staging', () => {
  it('a pull request changing production/apps: a not-previewed note naming its Kustomization and cluster folder, exit 3', async () => {
    const r = await plan(repo.branch, stagingOnly);
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout) as PlanJson;
    expect(out.environments.find((e) => e.name === 'production/apps')?.affected).toBe(true);
    const notes = unregisteredNotes(out);
    // Every production Kustomization is named; only the affected one carries the files the plan cannot judge.
    expect(notes.map((n) => n.name)).toEqual(expect.arrayContaining(['production/apps', 'production/infrastructure']));
    expect(notes.every((n) => n.name.startsWith('production/'))).toBe(true);
    const apps = notes.find((n) => n.name === 'production/apps')!;
    expect(apps).toMatchObject({ file: 'clusters/production/apps.yaml', changed: expect.arrayContaining(['apps/production/replicas.yaml']) });
    expect(apps.reason).toMatch(/^the cluster `production` of its cluster folder `clusters\/production` is not in the cluster registry, which defines `staging`: .*on merge bosun applies nothing to it\. Add `production` to the registry/);
    expect(notes.find((n) => n.name === 'production/infrastructure')?.changed).toBeUndefined();

    const markdown = await runCli(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, '--clusters', stagingOnly]);
    expect(markdown.code).toBe(3);
    expect(markdown.stdout).toMatch(/environment `production\/apps` \(`clusters\/production\/apps\.yaml:\d+`\): the cluster `production` of its cluster folder/);
  }, 240_000);

  it('with production registered too, the same pull request is judged: no such note, exit 0', async () => {
    const r = await plan(repo.branch, both);
    expect(r.code, r.stderr).toBe(0);
    expect(unregisteredNotes(JSON.parse(r.stdout) as PlanJson)).toEqual([]);
  }, 240_000);

  it('a change that reaches staging only is judged (exit 0); production is still listed, with nothing changed', async () => {
    const r = await plan(stagingChange, stagingOnly);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as PlanJson;
    expect(out.environments.filter((e) => e.affected).map((e) => e.name)).toEqual(['staging/infrastructure']);
    const notes = unregisteredNotes(out);
    expect(notes.map((n) => n.name)).toContain('production/apps');
    expect(notes.filter((n) => n.changed)).toEqual([]);
  }, 240_000);

  it('bosun validate names each production Kustomization on stderr and exits 3; apply refuses production/apps (exit 2)', async () => {
    const v = await runCli(['validate', '--repo', repo.dir, '--ref', 'main', '--clusters', stagingOnly, '--format', 'json']);
    expect(v.code, v.stderr).toBe(3);
    expect(v.stderr).toMatch(/^bosun: environment `production\/apps` \(clusters\/production\/apps\.yaml:\d+\): the cluster `production` of its cluster folder `clusters\/production` is not in the cluster registry, which defines `staging`; never previewed nor applied\./m);
    expect(v.stderr).not.toMatch(/environment `staging\//);

    const a = await runCli(['apply', '--repo', repo.dir, '--ref', 'main', '--env', 'production/apps', '--clusters', stagingOnly, '--dry-run']);
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toMatch(/^bosun: clusters\/production\/apps\.yaml:\d+: environment "production\/apps": the cluster `production` of its cluster folder `clusters\/production` is not in the cluster registry, which defines `staging`; nothing applied\./m);
    expect(a.stdout).toBe('');
  }, 240_000);
});
