// An ApplicationSet's progressive sync (strategy RollingSync, argocd-rolling-sync.ts): each generated
// environment says which step syncs it, picked as the ApplicationSet controller picks it (every expression
// on the generated Application's labels, In / NotIn, an absent label failing only In, the first selecting
// step), the ApplicationSet's note lists them in step order, and an Application Argo CD's rollout never
// syncs (no step selects it, its step has maxUpdate 0, or several steps select it: it counts in the first but
// may sync only with the last, which waits for the first — applicationset_controller.go buildAppDependencyList
// keeps the first in appStepMap, buildAppSyncMap overwrites the sync flag step by step) is said loudly: a
// change to it is one bosun cannot judge, never an ordinary green change.
import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { planChange } from '../../src/plan/plan.ts';
import { changedUncovered } from '../../src/report/coverage-section.ts';
import { renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const repos: GitRepoBuilder[] = [];
afterAll(async () => {
  await Promise.all(repos.map((r) => rm(r.dir, { recursive: true, force: true })));
});

const appset = yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: ApplicationSet
  metadata: { name: web, namespace: argocd }
  spec:
    generators:
      - list:
          elements:
            - { name: dev, stage: dev, tier: web }
            - { name: canary, stage: canary, tier: web }
            - { name: qa, stage: qa, tier: web }
            - { name: prod, stage: prod, tier: web }
            - { name: proddb, stage: prod, tier: db }
            - { name: legacy, stage: legacy, tier: web }
    strategy:
      type: RollingSync
      rollingSync:
        steps:
          - matchExpressions: [{ key: stage, operator: In, values: [dev, canary] }]
          - matchExpressions: [{ key: stage, operator: In, values: [qa] }]
            maxUpdate: 0
          - matchExpressions:
              - { key: stage, operator: In, values: [prod] }
              - { key: tier, operator: NotIn, values: [db] }
              - { key: team, operator: NotIn, values: [payments] }
            maxUpdate: 10%
          - matchExpressions: [{ key: stage, operator: In, values: [dev] }]
    template:
      metadata:
        name: 'web-{{name}}'
        labels: { stage: '{{stage}}', tier: '{{tier}}' }
      spec:
        source: { repoURL: ${repoUrl}, path: apps/web }
        destination: { server: https://kubernetes.default.svc, namespace: '{{name}}' }
        syncPolicy: { automated: { prune: true } }
`;
const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  value: "${value}"\n`;

describe('RollingSync steps in the preview', () => {
  it('each generated environment names the step that syncs it; one no step selects, whose step has maxUpdate 0, or that several steps select is said loudly as not synced by Argo CD', async () => {
    const root = await makeTree({ 'sets/web.yaml': appset, 'apps/web/cm.yaml': configMap('1') });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => e.name).sort()).toEqual(['web-canary', 'web-dev', 'web-legacy', 'web-prod', 'web-proddb', 'web-qa']);
    const about = (env: string) => notes.filter((n) => n.kind === 'Environment' && n.name === env && /RollingSync/.test(n.reason));

    // Steps 1 and 4 select web-dev: the sync flag of step 4 (the last) wins, and step 4 waits for step 1, web-dev's own.
    expect(about('web-dev')).toEqual([expect.objectContaining({
      status: 'not-previewed',
      reads: ['apps/web', 'sets/web.yaml'],
      reason: expect.stringMatching(/^NOT SYNCED BY ARGO CD: steps 1, 4 of ApplicationSet web's RollingSync all select it \(the controller warns it is an invalid selection\): it counts in step 1, but may sync only with step 4, the last that selects it, once the steps before it are healthy — step 1 included, which waits for it to be synced, so once a change puts it OutOfSync the rollout never syncs it, and the steps after step 1 wait until someone syncs it by hand \(argocd app sync\)/),
    })]);
    expect(about('web-canary')).toEqual([expect.objectContaining({
      status: 'info',
      reason: expect.stringMatching(/^RollingSync step 1 \(stage In \[dev, canary\]\) of 4 of ApplicationSet web: .*Argo CD syncs it first, all of the step's Applications at once; bosun applies it on merge/),
    })]);
    // An absent label (team) passes NotIn; tier=db fails it.
    expect(about('web-prod')).toEqual([expect.objectContaining({
      status: 'info',
      reason: expect.stringMatching(/^RollingSync step 3 \(stage In \[prod\], tier NotIn \[db\], team NotIn \[payments\]; maxUpdate 10%\) of 4 of ApplicationSet web: .*once the Applications of steps 1–2 are healthy, at most 10% of the step's Applications at a time/),
    })]);
    for (const env of ['web-proddb', 'web-legacy']) {
      expect(about(env)).toEqual([expect.objectContaining({
        status: 'not-previewed',
        reads: ['apps/web', 'sets/web.yaml'],
        reason: expect.stringMatching(/^NOT SYNCED BY ARGO CD: no step of ApplicationSet web's RollingSync \(4 steps\) selects this Application, .*Argo CD never syncs it: what this plan shows for it reaches the cluster only when someone syncs it by hand/),
      })]);
    }
    expect(about('web-qa')).toEqual([expect.objectContaining({
      status: 'not-previewed',
      reason: expect.stringMatching(/^NOT SYNCED BY ARGO CD: ApplicationSet web's RollingSync puts it in step 2 \(stage In \[qa\]; maxUpdate 0\) of 4, and maxUpdate 0 lets the rollout sync none of that step's Applications/),
    })]);

    expect(notes.filter((n) => n.kind === 'ApplicationSet' && n.reason.startsWith('RollingSync steps in order')).map((n) => n.reason)).toEqual([
      'RollingSync steps in order: step 1 (stage In [dev, canary]): web-canary, web-dev; step 2 (stage In [qa]; maxUpdate 0): web-qa; '
      + 'step 3 (stage In [prod], tier NotIn [db], team NotIn [payments]; maxUpdate 10%): web-prod; step 4 (stage In [dev]): web-dev (again: first in step 1); '
      + 'selected by no step, so never synced by the rollout: web-legacy, web-proddb',
    ]);
  });

  it('each generated environment carries its step for the merge: the rollout syncs it (no self-heal, automated is turned off), or it waits for a manual sync', async () => {
    const root = await makeTree({ 'sets/web.yaml': appset, 'apps/web/cm.yaml': configMap('1') });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    const env = (name: string) => environments.find((e) => e.name === name)!;
    expect(env('web-canary')).toMatchObject({ autoApply: true, selfHeal: false, prune: true, rollout: { appSet: 'web', file: 'sets/web.yaml', step: 1 } });
    expect(env('web-canary').rollout).not.toHaveProperty('manual');
    // Selected by steps 1 and 4: placed in step 1 (later steps wait for it), applied only by /bosun apply.
    expect(env('web-dev')).toMatchObject({ autoApply: false, rollout: { appSet: 'web', step: 1, manual: expect.stringMatching(/^steps 1, 4 of ApplicationSet web's RollingSync all select it .*: Argo CD syncs it only by hand$/) } });
    // maxUpdate 10% of step 3's one Application: at least 1 at a time.
    expect(env('web-prod').rollout).toEqual({ appSet: 'web', file: 'sets/web.yaml', step: 3, maxAtOnce: 1 });
    expect(env('web-qa')).toMatchObject({ autoApply: false, rollout: { step: 2, maxAtOnce: 0, manual: expect.stringContaining('maxUpdate 0 lets the rollout sync none') } });
    expect(env('web-legacy')).toMatchObject({ autoApply: false, rollout: { appSet: 'web', manual: "no step of ApplicationSet web's RollingSync selects it: Argo CD syncs it only by hand" } });
    expect(env('web-legacy').rollout).not.toHaveProperty('step');
  });

  it('an Application without automated sync is still synced by its step; prune follows rollingSync.defaultPrune unless automated.prune says otherwise', async () => {
    const manualTemplate = appset
      .replace('syncPolicy: { automated: { prune: true } }', 'syncPolicy: {}')
      .replace('rollingSync:\n', 'rollingSync:\n      defaultPrune: true\n');
    expect(manualTemplate).toContain('defaultPrune: true');
    const root = await makeTree({ 'sets/web.yaml': manualTemplate, 'apps/web/cm.yaml': configMap('1') });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.find((e) => e.name === 'web-canary')).toMatchObject({ autoApply: true, selfHeal: false, prune: true });
    const noPrune = appset.replace('automated: { prune: true }', 'automated: { prune: false, selfHeal: true }').replace('rollingSync:\n', 'rollingSync:\n      defaultPrune: true\n');
    const root2 = await makeTree({ 'sets/web.yaml': noPrune, 'apps/web/cm.yaml': configMap('1') });
    const second = await discoverEnvironments(root2, { repoUrls: [repoUrl], branch: 'main' });
    expect(second.environments.find((e) => e.name === 'web-canary')).toMatchObject({ autoApply: true, selfHeal: false, prune: false });
  });

  it('a change to what an Application Argo CD never syncs reads: the plan says bosun cannot judge it, never a plain green change', async () => {
    const repo = await makeGitRepo();
    repos.push(repo);
    await repo.write('sets/web.yaml', appset);
    await repo.write('apps/web/cm.yaml', configMap('1'));
    const base = await repo.commit('base');
    await repo.write('apps/web/cm.yaml', configMap('2'));
    const head = await repo.commit('change the config');
    const plan = await planChange({ repoDir: repo.dir, base, head, repoUrls: [repoUrl], baseBranch: 'main' });

    // Every generated environment is still previewed (the diff is what bosun applies)...
    expect(plan.environments.filter((e) => e.changes.length === 1).map((e) => e.name).sort()).toEqual(['web-canary', 'web-dev', 'web-legacy', 'web-prod', 'web-proddb', 'web-qa']);
    // ...but the file feeds Applications Argo CD will not sync: bosun cannot judge it (exit code 3, neutral check).
    const unjudged = changedUncovered(plan);
    expect(unjudged.map((u) => u.file)).toEqual(['apps/web/cm.yaml']);
    for (const env of ['web-dev', 'web-legacy', 'web-proddb', 'web-qa']) expect(unjudged[0].reason).toContain(`environment \`${env}\``);
    expect(unjudged[0].reason).toMatch(/^feeds .*, which bosun does not preview: NOT SYNCED BY ARGO CD: /);
    expect(unjudged[0].reason).not.toMatch(/web-(canary|prod)`/);
    const markdown = renderMarkdown(plan, { maxPartChars: 1_000_000 })[0];
    expect(markdown).toContain('**bosun cannot judge 1 changed file**');
    expect(markdown).toMatch(/\*\*Not previewed \(4\):\*\*/);
  });
});
