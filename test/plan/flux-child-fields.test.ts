// The multi-cluster layout: clusters/<c>/apps.yaml applies the shared ./apps/base, whose ks.yaml is a Flux
// Kustomization with `path: ./apps/${CLUSTER}` (or `targetNamespace: ${TENANT}`). kustomize-controller runs the
// applying Kustomization's postBuild substitution over the whole YAML of every object of its build (fluxcd/pkg
// kustomize/kustomize_varsub.go SubstituteVariables), the child Kustomization included: each cluster's copy
// deploys its own folder. Read as written, bosun failed the render (exit 1) and listed apps/<c>/ as deployed by
// nothing; with a value from substituteFrom it could render the literal path.
import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { affectedEnvironments } from '../../src/plan/affected.ts';
import { selectEnvironments } from '../../src/plan/desired-state.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { planFailed } from '../../src/cli/commands/plan.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';
import { makeTwoCommitRepo } from '../../testkit/git-repo.ts';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';

const planOf = twoCommitPlanner();

const configMap = (name: string, namespace: string, data: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: ${name}, namespace: ${namespace}}
data: {${data}}
`;

const child = (spec: string, annotations = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: web
  namespace: flux-system
${annotations}spec:
  interval: 10m
  prune: true
  sourceRef: {kind: GitRepository, name: flux-system}
${spec}`;

/** Two bootstrapped clusters whose `apps` Kustomization builds ./apps/base with `postBuild` (per cluster), and a folder per cluster. */
function layout(postBuild: (cluster: string) => string, childSpec = '  path: ./apps/${CLUSTER}\n', annotations = ''): Record<string, string> {
  const files: Record<string, string> = { 'apps/base/ks.yaml': child(childSpec, annotations) };
  for (const c of ['staging', 'production']) {
    files[`clusters/${c}/flux-system/gotk-sync.yaml`] = fluxSystemSync(`clusters/${c}`);
    files[`clusters/${c}/apps.yaml`] = fluxKustomization('apps', './apps/base', `  postBuild:\n${postBuild(c)}`);
    files[`apps/${c}/web.yaml`] = configMap('web', 'default', `cluster: ${c}`);
  }
  return files;
}

const inline = (c: string) => `    substitute: {CLUSTER: ${c}}\n`;
const fromConfigMap = (kind: string) => () => `    substituteFrom:\n      - {kind: ${kind}, name: cluster-vars}\n`;
const withVars = (files: Record<string, string>, kind = 'ConfigMap') => {
  for (const c of ['staging', 'production']) {
    files[`clusters/${c}/vars.yaml`] = kind === 'ConfigMap'
      ? configMap('cluster-vars', 'flux-system', `CLUSTER: ${c}`)
      : `apiVersion: v1\nkind: Secret\nmetadata: {name: cluster-vars, namespace: flux-system}\nstringData: {CLUSTER: ${c}}\n`;
  }
  return files;
};

const changes = (plan: PlanResult, env: string) => plan.environments.find((e) => e.name === env)!.changes.map((c) => `${c.action} ${c.kind} ${c.name}`);

describe("a child Kustomization's fields as the Kustomization applying it substitutes them", () => {
  it("spec.path: ./apps/${CLUSTER} with the parent's inline value deploys each cluster's folder (render failure and 'deployed by nothing' before)", async () => {
    const plan = await planOf(layout(inline), { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    const staging = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(staging.path).toBe('apps/staging');
    expect(changes(plan, 'staging/web')).toEqual(['update ConfigMap web']);
    expect(staging.changes[0].diff).toMatch(/-\s+cluster: staging\n\+\s+cluster: staging-2/);
    // production's copy reads apps/production: not affected, and no phantom change.
    expect(plan.environments.find((e) => e.name === 'production/web')!.affected).toBe(false);
    expect(planFailed(plan)).toBe(false);
    expect(changedUncovered(plan)).toEqual([]);
  });

  it("a change to the parent's value moves the child: the objects of the new folder replace the old ones", async () => {
    const before = layout(inline);
    const plan = await planOf({ ...before, 'apps/staging-eu/web.yaml': configMap('web-eu', 'default', 'cluster: staging-eu') }, { 'clusters/staging/apps.yaml': before['clusters/staging/apps.yaml'].replace('CLUSTER: staging', 'CLUSTER: staging-eu') });
    expect(changes(plan, 'staging/web').sort()).toEqual(['create ConfigMap web-eu', 'delete ConfigMap web']);
    expect(plan.environments.find((e) => e.name === 'production/web')!.affected).toBe(false);
  });

  it('targetNamespace and namePrefix take the value too', async () => {
    const spec = '  path: ./apps/${CLUSTER}\n  targetNamespace: team-${CLUSTER}\n  namePrefix: ${CLUSTER}-\n';
    const plan = await planOf(layout(inline, spec), { 'apps/production/web.yaml': configMap('web', 'default', 'cluster: prod') });
    const prod = plan.environments.find((e) => e.name === 'production/web')!;
    expect(changes(plan, 'production/web')).toEqual(['update ConfigMap production-web']);
    expect(prod.changes[0].namespace).toBe('team-production');
  });

  it('a value from substituteFrom (a ConfigMap the cluster applies) is resolved by the plan: path, inputs and changes follow it', async () => {
    const plan = await planOf(withVars(layout(fromConfigMap('ConfigMap'))), { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    expect(changes(plan, 'staging/web')).toEqual(['update ConfigMap web']);
    expect(plan.environments.find((e) => e.name === 'staging/web')!.path).toBe('apps/staging');
    expect(plan.environments.find((e) => e.name === 'production/web')!.affected).toBe(false);
    expect(planFailed(plan)).toBe(false);
    expect(changedUncovered(plan)).toEqual([]);
  });

  it("a change to the ConfigMap's value moves the child to the other folder", async () => {
    const files = { ...withVars(layout(fromConfigMap('ConfigMap'))), 'apps/staging-eu/web.yaml': configMap('web-eu', 'default', 'cluster: staging-eu') };
    const plan = await planOf(files, { 'clusters/staging/vars.yaml': configMap('cluster-vars', 'flux-system', 'CLUSTER: staging-eu') });
    expect(changes(plan, 'staging/web').sort()).toEqual(['create ConfigMap web-eu', 'delete ConfigMap web']);
    expect(plan.environments.find((e) => e.name === 'production/web')!.affected).toBe(false);
  });

  it('a value from a Secret is not previewed: a note at the file and field, never a render of the literal path (exit 3)', async () => {
    const plan = await planOf(withVars(layout(fromConfigMap('Secret')), 'Secret'), { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    const staging = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(staging.changes).toEqual([]);
    expect(staging.reason).toMatch(/^not previewed: spec\.path holds \$\{…\} that bosun cannot substitute: \$\{CLUSTER\} comes from a Secret/);
    expect(planFailed(plan)).toBe(false);
    const note = plan.discovery!.find((n) => n.status === 'not-previewed' && n.name === 'staging/web')!;
    expect(note).toMatchObject({ file: 'apps/base/ks.yaml', line: 1 });
    expect(changedUncovered(plan).map((u) => u.file)).toContain('apps/staging/web.yaml');
  });

  it('a variable without value or default is not previewed (Flux substitutes "" or, strict, fails)', async () => {
    const plan = await planOf(layout(inline, '  path: ./apps/${REGION}\n'), { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    const staging = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(staging.reason).toMatch(/^not previewed: spec\.path holds .* \$\{REGION\} has no value and no default among staging\/apps/);
    expect(changedUncovered(plan).map((u) => u.file)).toContain('apps/staging/web.yaml');
  });

  it('two Kustomizations with variables applying it: not previewed (the cluster holds whichever applied last)', async () => {
    const files = layout(inline);
    files['clusters/staging/apps-eu.yaml'] = fluxKustomization('apps-eu', './apps/base', '  postBuild:\n    substitute: {CLUSTER: staging-eu}\n');
    const plan = await planOf(files, { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    const staging = plan.environments.find((e) => e.name === 'staging/web')!;
    expect(staging.changes).toEqual([]);
    expect(staging.reason).toMatch(/^not previewed: spec\.path holds \$\{…\} that bosun cannot substitute: its Kustomization object is applied by staging\/apps and staging\/apps-eu, each with postBuild variables/);
    expect(changedUncovered(plan).map((u) => u.file)).toContain('apps/staging/web.yaml');
    expect(changes(plan, 'production/web')).toEqual([]);
  });

  it('a default form (${CLUSTER:=…}) is substituted like the value', async () => {
    const plan = await planOf(layout(inline, '  path: ./apps/${REGION:=staging}\n'), { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    expect(changes(plan, 'staging/web')).toEqual(['update ConfigMap web']);
    expect(changes(plan, 'production/web')).toEqual(['update ConfigMap web']);
  });

  it('an object that opts out (kustomize.toolkit.fluxcd.io/substitute: disabled) is read as written, as Flux does', async () => {
    const plan = await planOf(layout(inline, undefined, '  annotations: {kustomize.toolkit.fluxcd.io/substitute: disabled}\n'), { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
    expect(plan.environments.find((e) => e.name === 'staging/web')!.path).toBe('apps/${CLUSTER}');
  });

  it('through a chain: the parent of the child takes its own value from its parent', async () => {
    const files: Record<string, string> = {
      'clusters/staging/flux-system/gotk-sync.yaml': fluxSystemSync('clusters/staging'),
      'clusters/staging/infra.yaml': fluxKustomization('infra', './infra', '  postBuild:\n    substitute: {CLUSTER: staging}\n'),
      'infra/tenants.yaml': fluxKustomization('tenants', './tenants', '  postBuild:\n    substitute: {TEAM_CLUSTER: "eu-${CLUSTER}"}\n'),
      'tenants/team.yaml': fluxKustomization('team', './teams/${TEAM_CLUSTER}'),
      'teams/eu-staging/web.yaml': configMap('web', 'default', 'v: "1"'),
    };
    const plan = await planOf(files, { 'teams/eu-staging/web.yaml': configMap('web', 'default', 'v: "2"') });
    expect(plan.environments.find((e) => e.name === 'staging/team')!.path).toBe('teams/eu-staging');
    expect(changes(plan, 'staging/team')).toEqual(['update ConfigMap web']);
  });

  it('apply, render and validate take the substituted environment too (a value from substituteFrom)', async () => {
    const repo = await makeTwoCommitRepo(withVars(layout(fromConfigMap('ConfigMap'))), { 'README.md': 'fleet\n' });
    try {
      const [staging, production] = await selectEnvironments(repo.dir, { envs: ['staging/web', 'production/web'], substitution: 'apply' });
      expect([staging.path, production.path]).toEqual(['apps/staging', 'apps/production']);
      expect(staging.fluxPending).toBeUndefined();
    } finally {
      await rm(repo.dir, { recursive: true, force: true });
    }
  });

  it('a HelmRelease under a path only the plan substitutes is no environment of its own: not previewed, said (no phantom release of another folder)', async () => {
    const release = (region: string) => `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: edge, namespace: default}
spec:
  interval: 10m
  chart:
    spec:
      chart: ./charts/edge
      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}
  values: {region: ${region}}
`;
    const files = withVars(layout(fromConfigMap('ConfigMap')));
    for (const c of ['staging', 'production']) files[`apps/${c}/release.yaml`] = release(c);
    files['charts/edge/Chart.yaml'] = 'apiVersion: v2\nname: edge\nversion: 0.1.0\n';
    files['charts/edge/templates/cm.yaml'] = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edge}\ndata: {region: "{{ .Values.region }}"}\n';
    const plan = await planOf(files, { 'apps/staging/release.yaml': release('staging-2') });
    expect(plan.environments.map((e) => e.name).filter((n) => n.includes('edge'))).toEqual([]);
    // The HelmRelease object is diffed in the Kustomization that applies it, as substituted.
    expect(changes(plan, 'staging/web')).toEqual(['update HelmRelease edge']);
    expect(changes(plan, 'production/web')).toEqual([]);
    const note = plan.discovery!.find((n) => n.status === 'not-previewed' && n.file === 'apps/staging/release.yaml')!;
    expect(note.reason).toMatch(/^may be applied by production\/web, staging\/web, whose spec\.path takes postBuild values/);
    expect(changedUncovered(plan).map((u) => u.file)).toEqual(['apps/staging/release.yaml']);
  });

  it('makes the merge apply the cluster whose folder changed (affected without rendering)', async () => {
    for (const files of [layout(inline), withVars(layout(fromConfigMap('ConfigMap')))]) {
      const repo = await makeTwoCommitRepo(files, { 'apps/staging/web.yaml': configMap('web', 'default', 'cluster: staging-2') });
      try {
        const affected = await affectedEnvironments({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
        expect(affected.map((a) => a.name)).toContain('staging/web');
      } finally {
        await rm(repo.dir, { recursive: true, force: true });
      }
    }
  });
});
