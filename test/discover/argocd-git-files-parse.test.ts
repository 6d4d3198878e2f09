// An ApplicationSet git files generator reads each matched file as Argo CD does: JSON and YAML alike with
// yaml.Unmarshal (applicationset/generators/git.go generateParamsFromGitFile), so a JSON file with a trailing
// comma — valid YAML flow syntax — generates its Application; one that parses as neither fails the whole set.
// sigs.k8s.io/yaml reads only the first YAML document; a valid but empty file is one item with only the path
// parameters; a list item that is not a mapping fails the set.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n';
const set = yaml`
  apiVersion: argoproj.io/v1alpha1
  kind: ApplicationSet
  metadata: { name: apps, namespace: argocd }
  spec:
    generators:
      - git: { repoURL: ${repoUrl}, revision: HEAD, files: [{ path: 'apps/*/config.json' }] }
    template:
      metadata: { name: '{{app}}' }
      spec:
        source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: '{{path}}' }
        destination: { name: in-cluster, namespace: '{{app}}' }
`;

describe('git files generator: how a JSON file parses', () => {
  it('a trailing comma parses, as in Argo CD (YAML flow syntax): its Application is generated', async () => {
    const root = await makeTree({ 'sets/apps.yaml': set, 'apps/web/cm.yaml': cm, 'apps/web/config.json': '{"app": "web",}\n' });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => [e.name, e.path])).toEqual([['web', 'apps/web']]);
    expect(notes.filter((n) => n.name === 'apps' && n.status !== 'info')).toEqual([]);
  });

  it('a file that parses as neither JSON nor YAML fails the whole ApplicationSet', async () => {
    const root = await makeTree({ 'sets/apps.yaml': set, 'apps/web/cm.yaml': cm, 'apps/web/config.json': '{"app": "web"\n' });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments).toEqual([]);
    expect(notes.find((n) => n.name === 'apps')?.reason).toMatch(/generates nothing bosun can preview: .*apps\/web\/config\.json: cannot be parsed/);
  });

  const byFolder = set.replace("metadata: { name: '{{app}}' }", "metadata: { name: '{{path.basename}}' }").replace("namespace: '{{app}}'", "namespace: '{{path.basename}}'");

  it('reads only the first YAML document of a file, as sigs.k8s.io/yaml does', async () => {
    const root = await makeTree({ 'sets/apps.yaml': set, 'apps/web/cm.yaml': cm, 'apps/web/config.json': 'app: web\n---\napp: api\n' });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => e.name)).toEqual(['web']);
  });

  it('an empty file (or null, or []) is one item with only the path parameters, as Argo CD adds a default empty item', async () => {
    const root = await makeTree({
      'sets/apps.yaml': byFolder, 'apps/web/cm.yaml': cm, 'apps/web/config.json': '', 'apps/api/cm.yaml': cm, 'apps/api/config.json': 'null\n', 'apps/db/cm.yaml': cm, 'apps/db/config.json': '[]\n',
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => [e.name, e.path]).sort()).toEqual([['api', 'apps/api'], ['db', 'apps/db'], ['web', 'apps/web']]);
  });

  it('a list item that is not a mapping fails the whole ApplicationSet', async () => {
    const root = await makeTree({ 'sets/apps.yaml': set, 'apps/web/cm.yaml': cm, 'apps/web/config.json': '[{"app": "web"}, "api"]\n' });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments).toEqual([]);
    expect(notes.find((n) => n.name === 'apps')?.reason).toMatch(/apps\/web\/config\.json: a git files generator file must hold a mapping or a list of mappings/);
  });
});
