// An Argo CD Helm source's files beyond its chart: `helm.fileParameters` (helm --set-file) and value files
// under `helm.ignoreMissingValueFiles`, as Argo CD renders them and as affected detection must see them —
// a change to a file parameter re-renders the Application, a missing value file is skipped, not an error,
// and creating it later changes the render.
import { describe, expect, it } from 'vitest';
import { collectInputs, discoverEnvironments, isInput } from '../../src/discover/index.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';

const tree = () => makeTree({
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'tier: default\nscript: ""\n',
  'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tier: {{ .Values.tier | quote }}\n  script: {{ .Values.script | quote }}\n',
  'envs/prod/values.yaml': 'tier: prod\n',
  'scripts/start.sh': 'echo start\n',
  'argocd/web.yaml': yaml`
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: { name: web, namespace: argocd }
    spec:
      source:
        repoURL: ${repoUrl}
        path: charts/web
        helm:
          ignoreMissingValueFiles: true
          valueFiles: [../../envs/prod/values.yaml, ../../envs/prod/secrets.yaml]
          fileParameters: [{ name: script, path: ../../scripts/start.sh }]
      destination: { name: in-cluster, namespace: web }
  `,
});

describe('Argo CD helm fileParameters and ignoreMissingValueFiles', () => {
  it('renders the file parameter and skips the missing value file, as Argo CD does', async () => {
    const root = await tree();
    const [env] = (await discoverEnvironments(root, { repoUrls: [repoUrl] })).environments;
    expect(env.helm).toMatchObject({ ignoreMissingValueFiles: true, fileParameters: [{ name: 'script', path: '../../scripts/start.sh' }] });
    const out = await renderEnvironment(root, env);
    expect(out.ok ? out.objects.map((o) => o.object.data) : out.error.message).toEqual([{ tier: 'prod', script: 'echo start\n' }]);
  });

  it('counts the file parameter and the missing value file as inputs, so changing or creating either re-renders', async () => {
    const root = await tree();
    const [env] = (await discoverEnvironments(root, { repoUrls: [repoUrl] })).environments;
    const inputs = await collectInputs(root, env);
    expect(isInput(inputs, 'scripts/start.sh')).toBe(true);
    expect(isInput(inputs, 'envs/prod/values.yaml')).toBe(true);
    expect(isInput(inputs, 'envs/prod/secrets.yaml')).toBe(true);
    expect(isInput(inputs, 'envs/staging/values.yaml')).toBe(false);
  });
});
