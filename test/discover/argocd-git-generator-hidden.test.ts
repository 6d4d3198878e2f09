// The ApplicationSet git directories generator lists the repository's folders as Argo CD's repo server walks
// them (GetGitDirectories): a folder whose name starts with "." (.github, .vscode) and everything under it is
// never a candidate, so `path: '*'` does not make an Application of .github — bosun used to, and then failed
// the whole plan on its namespace ".github". The git files generator (`git ls-files`) still reads files
// under such folders.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

const appset = (generator: string) => yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: ApplicationSet
  metadata: { name: apps, namespace: argocd }
  spec:
    generators:
      - git:
          repoURL: ${repoUrl}
          revision: HEAD
          ${generator}
    template:
      metadata: { name: '{{path.basename}}' }
      spec:
        project: default
        source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: '{{path}}' }
        destination: { server: https://kubernetes.default.svc, namespace: '{{path.basename}}' }
`;

describe('ApplicationSet git generators and hidden folders', () => {
  it('never generates an Application for a folder starting with "." or one under it', async () => {
    const root = await makeTree({
      'web/cm.yaml': cm('web'),
      'api/cm.yaml': cm('api'),
      '.github/workflows/ci.yaml': 'name: ci\non: push\njobs: {}\n',
      '.hidden/inner/cm.yaml': cm('inner'),
      'argocd/apps.yaml': appset("directories: [{ path: '*' }, { path: '*/*' }, { path: argocd, exclude: true }]"),
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.path).sort()).toEqual(['api', 'web']);
  });

  it('still reads a files generator\'s file under a hidden folder, as git ls-files lists it', async () => {
    const root = await makeTree({
      'web/cm.yaml': cm('web'),
      '.config/web/config.json': '{"team": "a"}',
      'argocd/apps.yaml': appset("files: [{ path: '.config/*/config.json' }]").replace("path: '{{path}}'", "path: '{{path.basename}}'"),
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.path)).toEqual(['web']);
  });
});
