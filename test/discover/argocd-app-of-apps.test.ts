// App of apps (source-argocd.ts) beyond a Helm chart parent: a Kustomize folder of Applications, a parent
// that deploys itself (a cycle), and a chain deeper than bosun renders (maxAppOfAppsDepth): each is an
// environment naming its parent, or a note, never silently dropped.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { maxAppOfAppsDepth } from '../../src/discover/source-argocd.ts';
import type { Environment } from '../../src/model/environment.ts';
import { makeTree } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const byName = (envs: Environment[]) => Object.fromEntries(envs.map((e) => [e.name, e]));
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const application = (name: string, path: string, namespace = name) =>
  `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  source:\n    repoURL: ${repoUrl}\n    path: ${path}\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: ${namespace}\n`;

describe('app of apps', () => {
  it('a Kustomize folder of Applications: its children (as written, or changed by an overlay) are environments naming their parent; the parent deploying itself stops there', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': cm('web'),
      'apps/api/cm.yaml': cm('api'),
      // The root Application lives in the folder it deploys, as in Argo CD's own app-of-apps example.
      'argocd/apps/root.yaml': application('root', 'argocd/apps', 'argocd'),
      'argocd/apps/kustomization.yaml': 'resources: [root.yaml, web.yaml, api.yaml]\n',
      'argocd/apps/web.yaml': application('web', 'apps/web'),
      'argocd/apps/api.yaml': application('api', 'apps/api'),
      // An overlay that renames the children and sends them to another namespace: only the build has them.
      'staging.yaml': application('staging', 'argocd/staging', 'argocd'),
      'argocd/staging/kustomization.yaml': [
        'resources: [../apps/web.yaml, ../apps/api.yaml]',
        'namePrefix: staging-',
        'patches:',
        '  - target: {group: argoproj.io, kind: Application}',
        '    patch: |-',
        '      - op: replace',
        '        path: /spec/destination/namespace',
        '        value: staging',
        '',
      ].join('\n'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    const envs = byName(environments);
    expect(Object.keys(envs).sort()).toEqual(['api', 'root', 'staging', 'staging-api', 'staging-web', 'web']);
    expect(envs.web).toMatchObject({ path: 'apps/web', namespace: 'web', producedBy: { kind: 'Application', name: 'root', environment: 'root' } });
    expect(envs.api.producedBy).toMatchObject({ name: 'root', environment: 'root' });
    expect(envs['staging-web']).toMatchObject({ path: 'apps/web', namespace: 'staging', producedBy: { kind: 'Application', name: 'staging', environment: 'staging', file: 'staging.yaml' } });
    expect(envs['staging-api']).toMatchObject({ path: 'apps/api', namespace: 'staging', producedBy: { name: 'staging' } });
    expect(envs.root.producedBy).toBeUndefined();
    expect(envs.staging.producedBy).toBeUndefined();
    expect(notes.filter((n) => n.file === 'argocd/apps/root.yaml').map((n) => n.reason)).toEqual([
      'renders Application root, which is itself or one of the Applications that deploy it: bosun stops there (a cycle)',
    ]);
  });

  it(`a chain of Applications deeper than ${maxAppOfAppsDepth} levels: the ones within the limit are environments, and the last one says it was not rendered`, async () => {
    // charts/cN renders the Application of charts/c(N+1); only the top one is in a plain file.
    const levels = maxAppOfAppsDepth + 2;
    const files: Record<string, string> = { 'apps/leaf/cm.yaml': cm('leaf'), 'root.yaml': application('c0', 'charts/c0') };
    for (let i = 0; i < levels; i++) {
      files[`charts/c${i}/Chart.yaml`] = `apiVersion: v2\nname: c${i}\nversion: 1.0.0\n`;
      files[`charts/c${i}/values.yaml`] = `next: c${i + 1}\n`;
      files[`charts/c${i}/templates/app.yaml`] = application('{{ .Values.next }}', i === levels - 1 ? 'apps/leaf' : `charts/c${i + 1}`);
    }
    const { environments, notes } = await discoverEnvironments(await makeTree(files), { repoUrls: [repoUrl], branch: 'main' });
    const names = Array.from({ length: maxAppOfAppsDepth + 1 }, (_, i) => `c${i}`);
    expect(environments.map((e) => e.name).sort()).toEqual(names);
    for (let i = 1; i <= maxAppOfAppsDepth; i++) expect(byName(environments)[`c${i}`].producedBy).toMatchObject({ name: `c${i - 1}`, environment: `c${i - 1}` });
    const last = `c${maxAppOfAppsDepth}`;
    expect(notes.filter((n) => n.reason.includes('levels deep'))).toEqual([expect.objectContaining({
      status: 'info',
      name: last,
      file: `charts/c${maxAppOfAppsDepth - 1}/templates/app.yaml`,
      reason: `app of apps nested more than ${maxAppOfAppsDepth} levels deep: bosun does not render this Application to find the Applications it deploys`,
    })]);
  });
});
