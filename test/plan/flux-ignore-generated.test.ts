// A Flux path without a kustomization.yaml: kustomize-controller generates one listing every manifest of
// the artifact (fluxcd/pkg kustomize generator), and source-controller has already left out what the
// GitRepository's spec.ignore excludes (gitrepository_controller.go: sourceignore patterns, then spec.ignore,
// filter the archive). A file the rules exclude is no object of the environment — a change to it, even one
// that is not YAML Flux could decode, changes nothing the cluster gets.
import { describe, expect, it } from 'vitest';
import { fluxKustomization, fluxSystemSync } from '../../testkit/flux-sync.ts';
import { twoCommitPlanner } from '../support/two-commit-plan.ts';

const planOf = twoCommitPlanner({ repoUrls: ['https://github.com/example-org/ignore'] });

// bootstrap's gotk-sync.yaml, its GitRepository ignoring the drafts folder.
const sync = fluxSystemSync('clusters/production', 'https://github.com/example-org/ignore')
  .replace('  ref: {branch: main}\n', '  ref: {branch: main}\n  ignore: |\n    # drafts are not deployed\n    /apps/drafts/\n');
const apps = fluxKustomization('apps', './apps', '  targetNamespace: default\n');

const configMap = (name: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\ndata: {a: "${value}"}\n`;

describe("GitRepository spec.ignore and the kustomization Flux generates for a path without one", () => {
  it('leaves ignored files out of the generated resources: no phantom object, no change from them', async () => {
    const plan = await planOf(
      { 'clusters/production/flux-system/gotk-sync.yaml': sync, 'clusters/production/apps.yaml': apps, 'apps/web.yaml': configMap('web', '1'), 'apps/drafts/wip.yaml': configMap('wip', '1') },
      { 'apps/drafts/wip.yaml': configMap('wip', '2'), 'apps/drafts/broken.yaml': 'not: [yaml\n', 'apps/web.yaml': configMap('web', '2') },
    );
    const env = plan.environments.find((e) => e.name === 'production/apps')!;
    expect(env.changes.map((c) => `${c.action} ${c.kind} ${c.namespace}/${c.name}`)).toEqual(['update ConfigMap default/web']);
  });
});
