// Apply on merge of a Flux repository whose apps Kustomization takes a value through
// postBuild.substituteFrom from a ConfigMap another Kustomization puts in the cluster: the merge that
// changes only that ConfigMap's file applies the new value to the apps environment too, on the real
// test API server.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mainline } from '../../testkit/mainline.ts';

const owner = 'acme';
const name = 'flux-platform';
const id = randomBytes(3).toString('hex');
// Kustomizations outside clusters/<c>/ are named by metadata.name and target the registry cluster of that name.
const varsEnv = `vars-${id}`;
const appsEnv = `apps-${id}`;
const namespace = `bosun-e2e-flux-${id}`;

const kustomization = (env: string, path: string, extra = '') => `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: ${env}
  namespace: ${namespace}
spec:
  interval: 10m
  path: ${path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
    namespace: flux-system
${extra}`;

describe('apply on merge: Flux postBuild.substituteFrom', () => {
  const m = mainline({ owner, name, namespace, clusters: [varsEnv, appsEnv] });
  const { kubectl, merge, applied } = m;
  const appVersion = (): Promise<string> => kubectl('get', 'configmap', 'app', '-n', namespace, '-o', 'jsonpath={.data.version}');
  const vars = (version: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cluster-vars\n  namespace: ${namespace}\ndata:\n  version: "${version}"\n`;

  it('the first merge applies the value from the ConfigMap; a merge that changes only the ConfigMap applies the new value to the reader', async () => {
    const first = await merge('flux: vars and apps', async () => {
      await m.repo.write('flux/vars.yaml', kustomization(varsEnv, './deploy/vars'));
      await m.repo.write('flux/apps.yaml', kustomization(appsEnv, './deploy/apps', `  dependsOn:\n    - name: ${varsEnv}\n  postBuild:\n    substituteFrom:\n      - kind: ConfigMap\n        name: cluster-vars\n`));
      await m.repo.write('deploy/vars/namespace.yaml', `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${namespace}\n`);
      await m.repo.write('deploy/vars/cluster-vars.yaml', vars('1.0.0'));
      await m.repo.write('deploy/apps/app.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: ${namespace}\ndata:\n  version: "\${version}"\n`);
    });
    expect((await applied(varsEnv, first)).conclusion).toBe('success');
    expect((await applied(appsEnv, first)).conclusion).toBe('success');
    expect(await appVersion()).toBe('1.0.0');

    const second = await merge('version 1.1.0', () => m.repo.write('deploy/vars/cluster-vars.yaml', vars('1.1.0')));
    const apps = await applied(appsEnv, second);
    expect(apps.conclusion).toBe('success');
    expect(await appVersion()).toBe('1.1.0');
  }, 300_000);
});
