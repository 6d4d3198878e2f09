// ApplicationSet fields about the Applications once they exist (argocd-appset-policy.ts): applicationsSync,
// strategy (progressive syncs) and ignoreApplicationDifferences, as the plan's notes and the removal rule
// a user sees.
import { describe, expect, it } from 'vitest';
import { decideAffected, discoverEnvironments } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const byName = (envs: Environment[]) => Object.fromEntries(envs.map((e) => [e.name, e]));

function appset(name: string, extra: string): string {
  return yaml`
    apiVersion: argoproj.io/v1alpha1
    kind: ApplicationSet
    metadata: { name: ${name}, namespace: argocd }
    spec:
      generators:
        - list:
            elements: [{ env: dev }, { env: prod }]
      template:
        metadata:
          name: '${name}-{{env}}'
          labels: { envLabel: '{{env}}' }
        spec:
          source: { repoURL: ${repoUrl}, path: apps/web }
          destination: { server: https://kubernetes.default.svc, namespace: '{{env}}' }
          syncPolicy: { automated: { prune: true } }
  ` + extra.replace(/^(?=.)/gm, '  ');
}

describe('ApplicationSet policy fields', () => {
  it('applicationsSync: create-update and create-only keep what an Application no longer generated deployed; create-delete and create-only say a template change reaches only new Applications', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
      'sets/keep.yaml': appset('keep', 'syncPolicy: { applicationsSync: create-update }\n'),
      'sets/frozen.yaml': appset('frozen', 'syncPolicy: { applicationsSync: create-only }\n'),
      'sets/nodup.yaml': appset('nodup', 'syncPolicy: { applicationsSync: create-delete }\n'),
      'sets/plain.yaml': appset('plain', 'syncPolicy: { applicationsSync: sync }\n'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    const envs = byName(environments);
    expect(envs['keep-prod'].keepObjectsOnRemoval).toBe('ApplicationSet keep sets applicationsSync: create-update, so Argo CD does not delete an Application it stops generating');
    expect(envs['frozen-dev'].keepObjectsOnRemoval).toMatch(/applicationsSync: create-only/);
    expect(envs['nodup-dev'].keepObjectsOnRemoval).toBeUndefined();
    expect(envs['plain-dev'].keepObjectsOnRemoval).toBeUndefined();
    // Removed from the generator's list: the plan prunes nothing for create-update, as Argo CD deletes no Application.
    expect(decideAffected({ base: envs['keep-prod'], changedFiles: ['sets/keep.yaml'] })).toMatchObject({ affected: false, lifecycle: 'removed', reason: expect.stringContaining('its objects stay in the cluster') });
    expect(decideAffected({ base: envs['plain-prod'], changedFiles: ['sets/plain.yaml'] }).affected).toBe(true);

    const about = (file: string) => notes.filter((n) => n.file === file).map((n) => `${n.status}: ${n.reason}`);
    expect(about('sets/keep.yaml')).toEqual([expect.stringMatching(/^info: applicationsSync create-update: Argo CD creates and updates the Applications but never deletes them.*applicationsetcontroller\.enable\.policy\.override/)]);
    expect(about('sets/frozen.yaml')).toEqual([expect.stringMatching(/^info: applicationsSync create-only: .*reaches only Applications created after it/)]);
    expect(about('sets/nodup.yaml')).toEqual([expect.stringMatching(/^info: applicationsSync create-delete: Argo CD never updates an Application it already created/)]);
    expect(about('sets/plain.yaml')).toEqual([]);
  });

  it('strategy RollingSync and ignoreApplicationDifferences are said on the ApplicationSet; its Applications are still previewed, each with its own syncPolicy', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n',
      'sets/rolling.yaml': appset('rolling', yaml`
        strategy:
          type: RollingSync
          rollingSync:
            steps:
              - matchExpressions: [{ key: envLabel, operator: In, values: [dev] }]
              - matchExpressions: [{ key: envLabel, operator: In, values: [prod] }]
                maxUpdate: 10%
        ignoreApplicationDifferences:
          - jsonPointers: [/spec/source/targetRevision]
          - name: rolling-prod
            jqPathExpressions: [.spec.source.helm.values]
      `),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => [e.name, e.autoApply, e.prune])).toEqual([['rolling-dev', true, true], ['rolling-prod', true, true]]);
    expect(notes.filter((n) => n.file === 'sets/rolling.yaml' && n.kind === 'ApplicationSet').map((n) => n.reason)).toEqual([
      expect.stringMatching(/^strategy RollingSync \(2 steps\): with progressive syncs enabled .* never syncs an Application that no step selects; each generated environment's notes say which step syncs it, or loudly that none does; bosun previews each generated Application on its own and applies them on merge in the steps' order \(a step's environments once the earlier steps' are applied and healthy, maxUpdate at a time; one no step syncs waits for \/bosun apply, and so does one whose sync would leave objects Git dropped — prune off: Argo CD's step then never completes — and later steps wait for it\)$/),
      'ignoreApplicationDifferences: on an Application it already created, Argo CD keeps the live value of /spec/source/targetRevision, .spec.source.helm.values (of rolling-prod); bosun previews each generated Application with the template\'s value, as if created now',
      'RollingSync steps in order: step 1 (envLabel In [dev]): rolling-dev; step 2 (envLabel In [prod]; maxUpdate 10%): rolling-prod',
    ]);
  });
});
