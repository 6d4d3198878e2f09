// A plan split into parts gathers into the report of the plan in one job. It holds BOSUN_MAX_PLAN_OBJECTS
// as a whole: the parts count their objects through Redis (src/jobs/plan-parts.ts) and the plan job applies
// the limit again when it gathers them (queue/workflows/plan/plan-fanout.ts). The notes the parts' renders
// add carry the changed files they read, as in one job. Real git, kustomize, helm and Redis; each part is
// planned by the plan-part job's own planPart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fanoutAnalysis, gatherParts } from '../../queue/workflows/plan/plan-fanout.ts';
import { planPart } from '../../queue/workflows/plan/plan-part.ts';
import { planPartJobId } from '../../src/jobs/ids.ts';
import { createPlanFanoutStore, decodePart, encodePart, objectsBefore, partCounting, type PlanPartResult } from '../../src/jobs/plan-parts.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange, type PlanOptions } from '../../src/plan/plan.ts';
import { renderJson, renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { serveChartRepo } from '../support/chart-repo.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';

const configMaps = (count: number, prefix: string): string => Array.from({ length: count }, (_, i) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${prefix}-${i}\n  namespace: default\ndata:\n  key: "v${i}"\n`).join('---\n');

// Base and head counted: 15 each, d-small 3. Under a limit of 40, in name order: 15, 30, c refused (45),
// 33, e refused (48) — and in parts of two, c and e are each in a part whose own objects fit.
const sizes: Record<string, [number, number]> = { 'a-dev': [5, 10], 'b-staging': [5, 10], 'c-production': [5, 10], 'd-small': [1, 2], 'e-preview': [5, 10] };
const limits = { perPlan: 40 };

/**
 * The plan job's analysis of `options`, its parts of `batch` planned by planPart in `order` (all at once
 * when not given), gathered as the plan job gathers them.
 */
async function splitPlan(redis: Redis, prefix: string, options: PlanOptions, opts: { batch: number; waitMs: number; order?: number[] }) {
  const store = createPlanFanoutStore(redis, prefix);
  const parentId = `plan+parts+${Math.random().toString(36).slice(2, 10)}`;
  const analysis = fanoutAnalysis(await planChange({ ...options, deferRender: () => true }), { envs: 1, batch: opts.batch });
  const parts = new Map<number, PlanPartResult>();
  const plan1 = async (part: number) => {
    const envs = analysis.parts[part];
    const counting = partCounting(store, { parentId, part, envs, waitMs: opts.waitMs, ...(options.limits ? { limits: options.limits } : {}) });
    parts.set(part, await planPart(options, { part, envs }, counting));
  };
  if (opts.order) for (const part of opts.order) await plan1(part);
  else await Promise.all(analysis.parts.map((_, part) => plan1(part)));
  const values = new Map<string, unknown>();
  for (const [part, result] of parts) values.set(planPartJobId(parentId, part), { status: 'done', value: JSON.parse(JSON.stringify(await encodePart(result))) as unknown });
  const plan = await gatherParts(analysis, { total: parts.size, pending: 0, values, failed: new Map() }, parentId, options.limits ? { limits: options.limits } : {});
  await store.drop(parentId);
  return { plan, parts, analysis };
}

describe('the plan object limit across the parts of a plan', () => {
  let repo: GitRepoBuilder;
  let redis: Redis;
  const prefix = uniquePrefix();
  let single: PlanResult;

  beforeAll(async () => {
    redis = testRedis();
    repo = await makeGitRepo();
    for (const [name, [base]] of Object.entries(sizes)) await repo.write(`clusters/${name}/objects.yaml`, configMaps(base, 'base'));
    await repo.commit('base');
    for (const [name, [, head]] of Object.entries(sizes)) await repo.write(`clusters/${name}/objects.yaml`, configMaps(head, 'head'));
    await repo.commit('head');
    single = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', limits });
  }, 120_000);
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
    if (repo) await rm(repo.dir, { recursive: true, force: true });
  });

  const split = (opts: { waitMs: number; order?: number[] }) => splitPlan(redis, prefix, { repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', limits }, { batch: 2, ...opts });
  const verdicts = (plan: Pick<PlanResult, 'environments'>) => plan.environments.map((env) => [env.name, 'error' in env.render ? env.render.error.message : `${env.changes.length} changes`]);

  it('refuses in one job, in name order, the environments past the limit', () => {
    expect(verdicts(single)).toEqual([
      ['a-dev', '15 changes'], ['b-staging', '15 changes'],
      ['c-production', 'c-production renders 15 objects (base and head) on top of the 30 of the environments before it, which would take this plan '
        + 'over the limit of 40 objects per plan (BOSUN_MAX_PLAN_OBJECTS); plan fewer environments at once, or raise the limit'],
      ['d-small', '3 changes'],
      ['e-preview', 'e-preview renders 15 objects (base and head) on top of the 33 of the environments before it, which would take this plan '
        + 'over the limit of 40 objects per plan (BOSUN_MAX_PLAN_OBJECTS); plan fewer environments at once, or raise the limit'],
    ]);
  });

  it('in parts rendering at once, each part refuses what the plan in one job refuses, and the report is the same', async () => {
    const { plan, parts, analysis } = await split({ waitMs: 60_000 });
    expect(analysis.parts).toEqual([['a-dev', 'b-staging'], ['c-production', 'd-small'], ['e-preview']]);
    // The parts themselves refused them (nothing past the limit was diffed or validated), with the same words.
    expect(verdicts(parts.get(1)!)).toEqual(verdicts(single).slice(2, 4));
    expect(verdicts(parts.get(2)!)).toEqual(verdicts(single).slice(4));
    expect(plan.environments).toEqual(single.environments);
    expect(renderJson(plan)).toBe(renderJson(single));
    expect(renderMarkdown(plan)).toEqual(renderMarkdown(single));
  }, 120_000);

  it('when the parts before one did not count in time, it plans without the limit and the plan job refuses the same environments', async () => {
    // Last part first: each part finds none of the parts before it counted (the first needs none).
    const { plan, parts } = await split({ waitMs: 0, order: [2, 1, 0] });
    expect(verdicts(parts.get(2)!)).toEqual([['e-preview', '15 changes']]);
    expect(plan.environments).toEqual(single.environments);
    expect(renderJson(plan)).toBe(renderJson(single));
  }, 120_000);

  it('counts a part that failed for good after it counted its objects, as the plan in one job counts them', async () => {
    const store = createPlanFanoutStore(redis, prefix);
    const parentId = 'plan+failed-part';
    const analysis = fanoutAnalysis(await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', limits, deferRender: () => true }), { envs: 1, batch: 2 });
    // The other parts did not wait for part 0 (a-dev, b-staging: 30 objects), which counted later and then failed its last attempt.
    const values = new Map<string, unknown>();
    for (const part of [1, 2]) {
      const envs = analysis.parts[part];
      const result = await planPart({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' }, { part, envs }, partCounting(store, { parentId, part, envs, limits, waitMs: 0 }));
      values.set(planPartJobId(parentId, part), { status: 'done', value: await encodePart(result) });
    }
    await store.saveCounts(parentId, 0, [15, 15]);
    const status = { total: 3, pending: 0, values, failed: new Map([[planPartJobId(parentId, 0), 'the render worker ran out of memory']]) };
    const gathered = await gatherParts(analysis, status, parentId, { counts: store, limits });
    expect(verdicts(gathered).slice(2)).toEqual(verdicts(single).slice(2));
    expect(verdicts(gathered)[0][1]).toMatch(/part 1 of 3\) failed for the last time: the render worker ran out of memory/);
    // Without the failed part's counts, c-production and e-preview would fit.
    const blind = await gatherParts(analysis, status, parentId, { limits });
    expect(verdicts(blind).slice(2)).toEqual([['c-production', '15 changes'], ['d-small', '3 changes'], ['e-preview', '15 changes']]);
    await store.drop(parentId);
  }, 120_000);

  it('keeps each part\'s counts for the parts after it (a failed part\'s mark that none will come), and drops them with the analysis', async () => {
    const store = createPlanFanoutStore(redis, prefix);
    await store.saveCounts('plan+kept', 1, [3, 4]);
    // The first counts kept stay: a part's retry does not change what the parts after it counted on.
    await store.saveCounts('plan+kept', 1, [9, 9]);
    expect(await store.loadCounts('plan+kept', 3)).toEqual([undefined, [3, 4], undefined]);
    // A part that failed before it counted: the parts after it stop waiting at once and plan without the limit.
    await store.saveCounts('plan+kept', 0, null);
    const started = Date.now();
    expect(await objectsBefore(store, { parentId: 'plan+kept', part: 2, limit: 40, waitMs: 60_000 })).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(30_000);
    await store.saveCounts('plan+kept', 0, [1, 2]);
    expect(await store.loadCounts('plan+kept', 1)).toEqual([null]);
    await store.drop('plan+kept');
    expect(await store.loadCounts('plan+kept', 2)).toEqual([undefined, undefined]);
    await store.saveCounts('plan+kept', 0, [30, 5]);
    await store.saveCounts('plan+kept', 1, [10, 4]);
    // 30, 35, 10 refused (45 > 40), 39: what the third part counts on.
    expect(await objectsBefore(store, { parentId: 'plan+kept', part: 2, limit: 40, waitMs: 0 })).toBe(39);
    await store.drop('plan+kept');
    expect(await decodePart({ gz: (await encodePart({ environments: [], notes: [], objects: { a: 1 } })).gz })).toEqual({ environments: [], notes: [], objects: { a: 1 } });
  });
});

describe('the notes of a part\'s renders', () => {
  let repo: GitRepoBuilder;
  let redis: Redis;
  let dataDir: string;
  const prefix = uniquePrefix();

  const release = (version: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: podinfo, namespace: shop}
spec:
  interval: 10m
  chart:
    spec:
      chart: podinfo
      version: "${version}"
      sourceRef: {kind: HelmRepository, name: podinfo}
`;
  const kustomization = (name: string, path: string) => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: ${name}, namespace: flux-system}
spec:
  interval: 10m
  path: ./${path}
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
`;

  beforeAll(async () => {
    redis = testRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'bosun-parts-notes-'));
    // A Helm repository that refuses connections: its chart cannot be fetched, the release is not previewed.
    const stopped = await serveChartRepo([{ name: 'podinfo', version: '1.2.0' }]);
    const url = stopped.url;
    await stopped.close();
    repo = await makeGitRepo();
    await repo.write('clusters/staging/flux-system/gotk-sync.yaml', `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: flux-system, namespace: flux-system}
spec:
  interval: 1m
  url: ssh://git@github.com/acme/fleet
  ref: {branch: main}
---
${kustomization('flux-system', 'clusters/staging')}`);
    await repo.write('clusters/staging/apps.yaml', kustomization('apps', 'apps/staging'));
    await repo.write('apps/staging/kustomization.yaml', 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - repository.yaml\n  - release.yaml\n');
    await repo.write('apps/staging/repository.yaml', `apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata: {name: podinfo, namespace: shop}\nspec:\n  interval: 1h\n  url: ${url}\n`);
    await repo.write('apps/staging/release.yaml', release('1.2.0'));
    await repo.commit('base');
    await repo.write('apps/staging/release.yaml', release('1.3.0'));
    await repo.commit('podinfo 1.2.0 → 1.3.0');
  }, 120_000);
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
    await Promise.all([repo ? rm(repo.dir, { recursive: true, force: true }) : undefined, dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined]);
  });

  it('carry the changed files they read, so the split plan says it cannot judge them, as the plan in one job does', async () => {
    const options: PlanOptions = { repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } };
    const single = await planChange(options);
    const { plan, analysis } = await splitPlan(redis, prefix, options, { batch: 1, waitMs: 60_000 });
    expect(analysis.parts).toEqual([['staging/apps'], ['staging/podinfo']]);
    const note = (p: PlanResult) => p.discovery?.find((n) => n.kind === 'Environment' && n.name === 'staging/podinfo');
    expect(note(single)).toMatchObject({ status: 'not-previewed', changed: ['apps/staging/release.yaml'] });
    expect(note(plan)).toEqual(note(single));
    expect(plan.discovery).toEqual(single.discovery);
    expect(plan.coverage).toEqual(single.coverage);
    expect(renderJson(plan)).toBe(renderJson(single));
    expect(renderMarkdown(plan)).toEqual(renderMarkdown(single));
  }, 120_000);
});
