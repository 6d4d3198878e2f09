// A plan split into parts reports exactly what the same plan in one job reports (issue #16): the same
// environments and changes, the same coverage (files covered, uncovered files with their reasons), the same
// notes in the same order, and so the same exit code — also when the parts' renders add notes. Here two
// environments pull a chart from a declared Helm repository that refuses connections: they are not
// previewed, and the note each render adds reads the changed plain-YAML/JSON file its kustomization
// takes in (a configMapGenerator's), which the coverage then counts as GitOps data the environment reads.
// The plan job analyses before anything renders, so it has to take those notes into its coverage.
// Both ways go the plan job's own way: planChange deciding by the threshold (shouldFanOut), the
// plan-part job's planPart with its object counts in Redis, gatherParts with the plan job's second analysis.
// Real git, kustomize and Redis; with and without the workers' input index.
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFailed } from '../../src/cli/commands/plan.ts';
import { planPartJobId } from '../../src/jobs/ids.ts';
import { workerIndexOption } from '../../src/jobs/input-index-store.ts';
import { createPlanFanoutStore, encodePart, partCounting, shouldFanOut, type PlanFanout, type PlanPartResult } from '../../src/jobs/plan-parts.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange, type PlanOptions } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { renderJson, renderMarkdown } from '../../src/report/index.ts';
import { fanoutAnalysis, gatherParts } from '../../queue/workflows/plan/plan-fanout.ts';
import { planPart } from '../../queue/workflows/plan/plan-part.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { dropPrefix, testRedis, uniquePrefix } from './support.ts';

/** `bosun plan`'s exit code for a plan with environments (src/cli/commands/plan.ts). */
const exitCode = (plan: PlanResult): number => (planFailed(plan) ? 1 : changedUncovered(plan).length > 0 ? 3 : 0);

/** A loopback URL nothing listens on: a Helm repository that refuses connections. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  value: "${value}"\n`;
const chartWith = (url: string, generatorFile: string): string => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: shop
resources:
  - local.yaml
helmCharts:
  - name: podinfo
    repo: ${url}
    version: 1.2.0
    releaseName: web
configMapGenerator:
  - name: settings
    files:
      - ${generatorFile}
`;

describe('a plan split into parts and the same plan in one job', () => {
  let repo: GitRepoBuilder;
  let redis: Redis;
  let dataDir: string;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    redis = testRedis();
    dataDir = await mkdtemp(join(tmpdir(), 'bosun-parts-same-'));
    const url = await closedUrl();
    repo = await makeGitRepo();
    // clusters/<name>/ folders are the environments; b-web and c-cache render a remote chart.
    await repo.write('clusters/a-api/objects.yaml', configMap('api', 'v1'));
    await repo.write('clusters/b-web/kustomization.yaml', chartWith(url, 'settings.yaml'));
    await repo.write('clusters/b-web/local.yaml', configMap('web-local', 'v1'));
    await repo.write('clusters/b-web/settings.yaml', 'greeting: hello\nreplicas: 2\n');
    await repo.write('clusters/c-cache/kustomization.yaml', chartWith(url, 'tuning.json'));
    await repo.write('clusters/c-cache/local.yaml', configMap('cache-local', 'v1'));
    await repo.write('clusters/c-cache/tuning.json', '{"size": 1}\n');
    await repo.write('clusters/d-db/objects.yaml', configMap('db', 'v1'));
    await repo.write('loose/kept.yaml', configMap('kept', 'v1'));
    await repo.commit('base');
    await repo.write('clusters/a-api/objects.yaml', configMap('api', 'v2'));
    await repo.write('clusters/b-web/settings.yaml', 'greeting: hi\nreplicas: 2\n');
    await repo.write('clusters/c-cache/tuning.json', '{"size": 2}\n');
    await repo.write('clusters/d-db/objects.yaml', configMap('db', 'v2'));
    await repo.write('loose/orphan.yaml', configMap('orphan', 'v1'));
    await repo.commit('change every environment, and add a file no environment reads');
  }, 120_000);
  afterAll(async () => {
    await dropPrefix(redis, prefix);
    redis.disconnect();
    await Promise.all([repo ? rm(repo.dir, { recursive: true, force: true }) : undefined, dataDir ? rm(dataDir, { recursive: true, force: true }) : undefined]);
  });

  /**
   * The plan as the plan job makes it with `fanout` (BOSUN_PLAN_FANOUT_ENVS, _BATCH) and two part workers:
   * in one job under the threshold; past it, analysed without rendering, its parts planned at once by
   * planPart (object counts in Redis), gathered with the second analysis the plan job makes.
   */
  const planWith = async (options: PlanOptions, fanout: PlanFanout): Promise<{ plan: PlanResult; parts: number }> => {
    let split = false;
    const analysed = await planChange({ ...options, deferRender: (affected) => (split = shouldFanOut(fanout, affected.length, 2)) });
    if (!split) return { plan: analysed, parts: 0 };
    const analysis = fanoutAnalysis(analysed, fanout);
    const store = createPlanFanoutStore(redis, prefix);
    const parentId = `plan+same+${Math.random().toString(36).slice(2, 10)}`;
    const results = await Promise.all(analysis.parts.map((envs, part) => planPart(options, { part, envs }, partCounting(store, { parentId, part, envs, waitMs: 60_000 }))));
    const values = new Map<string, unknown>();
    // Through the job's return value, as BullMQ hands it to the plan job.
    for (const [part, result] of results.entries()) values.set(planPartJobId(parentId, part), { status: 'done', value: JSON.parse(JSON.stringify(await encodePart(result satisfies PlanPartResult))) as unknown });
    const plan = await gatherParts(analysis, { total: results.length, pending: 0, values, failed: new Map() }, parentId, {
      counts: store,
      analyseWith: (renderedNotes) => planChange({ ...options, deferRender: () => true, renderedNotes }),
    });
    await store.drop(parentId);
    return { plan, parts: analysis.parts.length };
  };

  const ways = [
    { name: 'without an input index', index: false },
    { name: 'with the workers\' input index in Redis', index: true },
  ];
  it.each(ways)('reports the same coverage, notes, environments, changes and exit code ($name)', async ({ index }) => {
    const options: PlanOptions = {
      repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir },
      ...(index ? { inputIndex: workerIndexOption(redis, `${prefix}-index`) } : {}),
    };
    const single = await planWith(options, { envs: 40, batch: 10 });
    expect(single.parts).toBe(0);
    // What the case is about: two environments not previewed, their notes reading the changed generator files.
    const notPreviewed = single.plan.discovery?.filter((n) => n.status === 'not-previewed' && n.kind === 'Environment');
    // Each reads its kustomization (where the remote chart is named) and its generator file.
    expect(notPreviewed?.map((n) => [n.name, n.reads])).toEqual([['b-web', ['clusters/b-web/kustomization.yaml', 'clusters/b-web/settings.yaml']], ['c-cache', ['clusters/c-cache/kustomization.yaml', 'clusters/c-cache/tuning.json']]]);
    expect(changedUncovered(single.plan).map((u) => u.file)).toEqual(['loose/orphan.yaml', 'clusters/b-web/settings.yaml', 'clusters/c-cache/tuning.json']);

    for (const batch of [1, 3]) {
      const split = await planWith(options, { envs: 1, batch });
      expect(split.parts).toBe(Math.ceil(4 / batch));
      expect(split.plan.coverage).toEqual(single.plan.coverage);
      expect(split.plan.discovery).toEqual(single.plan.discovery);
      expect(split.plan.environments).toEqual(single.plan.environments);
      expect(exitCode(split.plan)).toBe(exitCode(single.plan));
      expect(renderJson(split.plan)).toBe(renderJson(single.plan));
      expect(renderMarkdown(split.plan)).toEqual(renderMarkdown(single.plan));
    }
    expect(exitCode(single.plan)).toBe(3);
  }, 240_000);
});
