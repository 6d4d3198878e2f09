// An environment whose cluster the given cluster registry does not have (issue #11: never a silent green):
// planned and diffed, but never previewed nor applied on merge — a not-previewed note naming the
// environment, its .bosun.yaml line and the registered clusters, and, when the change affects it, the
// plan cannot judge it (exit 3 in the CLI, the App's neutral `bosun` check). Without a registry: as before.
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { renderMarkdown } from '../../src/report/index.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { coverageCheckOutput } from '../../queue/workflows/plan/coverage-check.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import type { DiscoveryClusters } from '../../src/discover/types.ts';

const config = `version: 1
environments:
  - name: dev
    path: deploy/dev
    cluster: dev
  - name: prod
    path: deploy/prod
    cluster: nowhere
`;
const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  level: "${value}"\n`;
const registry: DiscoveryClusters = { clusters: [{ name: 'dev', labels: {} }, { name: 'staging', labels: { tier: 'test' } }] };

let repo: GitRepoBuilder;
beforeAll(async () => {
  repo = await makeGitRepo();
  await repo.write('.bosun.yaml', config);
  await repo.write('deploy/dev/cm.yaml', cm('info'));
  await repo.write('deploy/prod/cm.yaml', cm('info'));
  await repo.commit('base');
  // HEAD~1 → HEAD: prod changes; HEAD → HEAD+ (branch dev-only): only dev changes.
  await repo.write('deploy/prod/cm.yaml', cm('debug'));
  await repo.commit('prod');
  await repo.write('deploy/dev/cm.yaml', cm('debug'));
  await repo.commit('dev');
}, 60_000);
afterAll(async () => {
  await rm(repo.dir, { recursive: true, force: true });
});

describe('an environment whose cluster is not in the cluster registry', () => {
  it('changed: listed as not previewed with its definition and the registered clusters, and the plan cannot judge it', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~2', head: 'HEAD~1', clusters: registry });
    const prod = plan.environments.find((e) => e.name === 'prod')!;
    expect(prod.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap settings']);
    const notes = (plan.discovery ?? []).filter((n) => n.kind === 'Environment' && n.status === 'not-previewed');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ name: 'prod', file: '.bosun.yaml', line: 6, environments: ['prod'], changed: ['deploy/prod/cm.yaml'] });
    expect(notes[0].reason).toContain('its cluster `nowhere` is not in the cluster registry, which defines `dev`, `staging`');

    // What makes `bosun plan` exit 3 and the App post its neutral `bosun` check run.
    expect(changedUncovered(plan).map((u) => u.file)).toEqual(['deploy/prod/cm.yaml']);
    const check = coverageCheckOutput(plan)!;
    expect(check.title).toBe('bosun cannot judge 1 changed file');
    expect(check.summary).toMatch(/`deploy\/prod\/cm\.yaml`: feeds environment `prod` \(\.bosun\.yaml:6\), which bosun does not preview: its cluster `nowhere` is not in the cluster registry/);

    const markdown = renderMarkdown(plan, { maxPartChars: 1_000_000 })[0];
    expect(markdown).toContain('bosun cannot judge 1 changed file');
    expect(markdown).toMatch(/Not previewed \(1\).*\n\n- environment `prod` \(`\.bosun\.yaml:6`\): its cluster `nowhere` is not in the cluster registry/);
  }, 120_000);

  it('not affected by the change: still listed, but the change is judged (the registered environment\'s)', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', clusters: registry });
    expect(plan.environments.find((e) => e.name === 'prod')?.affected).toBe(false);
    const note = (plan.discovery ?? []).find((n) => n.kind === 'Environment' && n.name === 'prod' && n.status === 'not-previewed');
    expect(note?.reason).toContain('`nowhere`');
    expect(note?.changed).toBeUndefined();
    expect(changedUncovered(plan)).toEqual([]);
    expect(coverageCheckOutput(plan)).toBeUndefined();
  }, 120_000);

  it('without a registry (plan-only use): no note, nothing unjudged, as before', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~2', head: 'HEAD~1' });
    expect(plan.environments.find((e) => e.name === 'prod')?.cluster).toBe('nowhere');
    expect((plan.discovery ?? []).filter((n) => n.kind === 'Environment' && n.status === 'not-previewed')).toEqual([]);
    expect(changedUncovered(plan)).toEqual([]);
  }, 120_000);

  it('a cluster the registry knows by labels only counts as registered', async () => {
    const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~2', head: 'HEAD~1', clusters: { clusters: [...registry.clusters, { name: 'nowhere', labels: {} }] } });
    expect((plan.discovery ?? []).filter((n) => n.kind === 'Environment' && n.status === 'not-previewed')).toEqual([]);
    expect(changedUncovered(plan)).toEqual([]);
  }, 120_000);
});
