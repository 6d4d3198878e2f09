// A `.bosun.yaml` environment's `namespace` (and `defaults.namespace`) is where bosun applies namespaced
// objects that name none (cluster/prepare.ts). A change of it moves them to another namespace on the next
// apply, so the plan must show that move, not "no changes".
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { makeTwoCommitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const repos: GitRepoBuilder[] = [];
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'bosun-config-ns-'));
});

afterAll(async () => {
  await Promise.all([...repos.map((r) => rm(r.dir, { recursive: true, force: true })), rm(dataDir, { recursive: true, force: true })]);
});

async function planOf(files: Record<string, string>, change: Record<string, string>): Promise<PlanResult> {
  const repo = await makeTwoCommitRepo(files, change);
  repos.push(repo);
  return planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD', charts: { sources: [], dataDir } });
}

const config = (namespace: string, defaults = '') => `version: 1
${defaults}environments:
  - name: web
    path: apps/web
    cluster: dev
${namespace}`;

const files = {
  'apps/web/kustomization.yaml': 'resources: [config.yaml, role.yaml]\n',
  'apps/web/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {mode: fast}\n',
  'apps/web/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: web-reader}\nrules: []\n',
};

const moves = (plan: PlanResult) => plan.environments.find((e) => e.name === 'web')!.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`).sort();

describe('a .bosun.yaml environment\'s namespace', () => {
  it('changed: the plan shows its namespaced objects deleted in the old namespace and created in the new one', async () => {
    const plan = await planOf({ ...files, '.bosun.yaml': config('    namespace: blue\n') }, { '.bosun.yaml': config('    namespace: green\n') });
    expect(moves(plan)).toEqual(['create ConfigMap green/web', 'delete ConfigMap blue/web']);
  });

  it('set by defaults.namespace where there was none: the objects leave the cluster context\'s namespace (cluster-scoped ones stay)', async () => {
    const plan = await planOf({ ...files, '.bosun.yaml': config('') }, { '.bosun.yaml': config('', 'defaults:\n  namespace: green\n') });
    expect(moves(plan)).toEqual(['create ConfigMap green/web', 'delete ConfigMap /web']);
  });

  it('unchanged: a change to a file shows the object in that namespace', async () => {
    const plan = await planOf({ ...files, '.bosun.yaml': config('    namespace: blue\n') }, { 'apps/web/config.yaml': files['apps/web/config.yaml'].replace('fast', 'slow') });
    expect(moves(plan)).toEqual(['update ConfigMap blue/web']);
  });
});
