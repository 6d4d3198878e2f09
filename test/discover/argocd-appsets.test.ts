// ApplicationSets expanded into environments (argocd-appset.ts, argocd-generators.ts) and app of apps
// (source-argocd.ts): what a user would check in `bosun plan`'s environment list and discovery notes.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const byName = (envs: Environment[]) => Object.fromEntries(envs.map((e) => [e.name, e]));

function appset(name: string, spec: string): string {
  return `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
}

const folders = { 'apps/web/cm.yaml': cm('web'), 'apps/api/cm.yaml': cm('api'), 'apps/legacy/cm.yaml': cm('legacy'), 'apps/web/nested/cm.yaml': cm('n') };

describe('ApplicationSet generators', () => {
  it('list (fasttemplate) and git directories with exclude (goTemplate): one environment per Application, produced by its ApplicationSet', async () => {
    const root = await makeTree({
      ...folders,
      'sets/list.yaml': appset('envs', yaml`
        generators:
          - list:
              elements:
                - { env: staging, replicas: "2" }
                - { env: prod, replicas: "5" }
        template:
          metadata: { name: 'web-{{env}}' }
          spec:
            source: { repoURL: ${repoUrl}, path: apps/web, targetRevision: HEAD }
            destination: { server: https://kubernetes.default.svc, namespace: 'web-{{env}}' }
      `),
      'sets/dirs.yaml': appset('addons', yaml`
        goTemplate: true
        goTemplateOptions: ["missingkey=error"]
        generators:
          - git:
              repoURL: ${repoUrl}
              revision: HEAD
              directories:
                - path: apps/*
                - path: apps/legacy
                  exclude: true
        template:
          metadata: { name: 'addon-{{.path.basename}}' }
          spec:
            source: { repoURL: ${repoUrl}, path: '{{.path.path}}' }
            destination: { name: in-cluster, namespace: '{{index .path.segments 1}}' }
      `),
    });
    const { environments } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    const envs = byName(environments);
    expect(Object.keys(envs).sort()).toEqual(['addon-api', 'addon-web', 'web-prod', 'web-staging']);
    expect(envs['web-prod']).toMatchObject({ path: 'apps/web', namespace: 'web-prod', cluster: 'in-cluster', producedBy: { kind: 'ApplicationSet', name: 'envs', file: 'sets/list.yaml' }, definedIn: { file: 'sets/list.yaml' } });
    expect(envs['addon-api']).toMatchObject({ path: 'apps/api', namespace: 'api', directory: { recurse: false } });
  });

  it('git files (JSON and a YAML list): parameters from each file, which defines the environments it feeds', async () => {
    const root = await makeTree({
      ...folders,
      'teams/a/config.json': '{"team":"a","app":"web","size":{"replicas":"2"}}',
      'teams/b/config.yaml': '- {team: b, app: api, size: {replicas: "1"}}\n- {team: c, app: api, size: {replicas: "3"}}\n',
      'sets/files.yaml': appset('teams', yaml`
        generators:
          - git:
              repoURL: ${repoUrl}
              files:
                - path: 'teams/*/config.*'
        template:
          metadata: { name: '{{team}}-{{app}}' }
          spec:
            source: { repoURL: ${repoUrl}, path: 'apps/{{app}}' }
            destination: { server: https://kubernetes.default.svc, namespace: 'team-{{team}}-{{size.replicas}}-{{path.basename}}' }
      `),
    });
    const envs = byName((await discoverEnvironments(root, { repoUrls: [repoUrl] })).environments);
    expect(Object.keys(envs).sort()).toEqual(['a-web', 'b-api', 'c-api']);
    expect(envs['a-web']).toMatchObject({ path: 'apps/web', namespace: 'team-a-2-a', definedByFiles: ['teams/a/config.json'] });
    expect(envs['c-api']).toMatchObject({ namespace: 'team-c-3-b', definedByFiles: ['teams/b/config.yaml'] });
  });

  it('matrix (git directories × clusters of the registry, with a label selector) and merge by key', async () => {
    const root = await makeTree({
      ...folders,
      'sets/matrix.yaml': appset('fleet', yaml`
        goTemplate: true
        generators:
          - matrix:
              generators:
                - git:
                    repoURL: ${repoUrl}
                    directories: [{ path: 'apps/w*' }]
                - clusters:
                    selector:
                      matchLabels: { env: prod }
        template:
          metadata: { name: '{{.path.basename}}-{{.name}}' }
          spec:
            source: { repoURL: ${repoUrl}, path: '{{.path.path}}' }
            destination: { server: '{{.server}}', namespace: '{{.metadata.labels.region}}' }
      `),
      'sets/merge.yaml': appset('merged', yaml`
        generators:
          - merge:
              mergeKeys: [app]
              generators:
                - list: { elements: [{ app: web, ns: default-web }, { app: api, ns: default-api }] }
                - list: { elements: [{ app: api, ns: special-api }, { app: other, ns: ignored }] }
        template:
          metadata: { name: 'm-{{app}}' }
          spec:
            source: { repoURL: ${repoUrl}, path: 'apps/{{app}}' }
            destination: { name: in-cluster, namespace: '{{ns}}' }
      `),
    });
    const clusters: { clusters: Array<{ name: string; labels: Record<string, string> }> } = { clusters: [{ name: 'eu-prod', labels: { env: 'prod', region: 'eu' } }, { name: 'us-prod', labels: { env: 'prod', region: 'us' } }, { name: 'dev', labels: { env: 'dev' } }] };
    const envs = byName((await discoverEnvironments(root, { repoUrls: [repoUrl], clusters })).environments);
    expect(Object.keys(envs).sort()).toEqual(['m-api', 'm-web', 'web-eu-prod', 'web-us-prod']);
    expect(envs['web-eu-prod']).toMatchObject({ cluster: 'eu-prod', namespace: 'eu' });
    expect(envs['m-api'].namespace).toBe('special-api');
    expect(envs['m-web'].namespace).toBe('default-web');
  });

  it('templatePatch, a generator\'s own template, and the finalizer rule of preserveResourcesOnDeletion', async () => {
    const root = await makeTree({
      ...folders,
      'sets/patch.yaml': appset('patched', yaml`
        goTemplate: true
        syncPolicy: { preserveResourcesOnDeletion: true }
        generators:
          - list:
              elements: [{ app: web, auto: true }, { app: api, auto: false }]
              template:
                metadata: {}
                spec:
                  destination: { namespace: from-generator }
        template:
          metadata: { name: 'p-{{.app}}' }
          spec:
            source: { repoURL: ${repoUrl}, path: 'apps/{{.app}}' }
            destination: { name: in-cluster, namespace: default }
        templatePatch: |
          {{- if .auto }}
          spec:
            syncPolicy:
              automated: { prune: true }
          {{- end }}
      `),
    });
    const envs = byName((await discoverEnvironments(root, { repoUrls: [repoUrl] })).environments);
    expect(envs['p-web']).toMatchObject({ autoApply: true, prune: true, namespace: 'from-generator' });
    expect(envs['p-api']).toMatchObject({ autoApply: false, prune: false, keepObjectsOnRemoval: 'ApplicationSet patched sets preserveResourcesOnDeletion' });
    const { decideAffected } = await import('../../src/discover/affected.ts');
    expect(decideAffected({ base: envs['p-api'], changedFiles: [] })).toMatchObject({ affected: false, lifecycle: 'removed', reason: expect.stringContaining('its objects stay in the cluster') });
  });

  it('generators that need the outside world, another repository, a pinned revision and a template error are said, never dropped', async () => {
    const root = await makeTree({
      ...folders,
      'sets/scm.yaml': appset('scm', 'generators:\n  - scmProvider: { github: { organization: acme } }\n  - list: { elements: [{ app: web }] }\ntemplate:\n  metadata: { name: "s-{{app}}" }\n  spec:\n    source: { repoURL: ' + repoUrl + ', path: "apps/{{app}}" }\n    destination: { name: in-cluster }\n'),
      'sets/pinned.yaml': appset('pinned', `generators:\n  - git: { repoURL: ${repoUrl}, revision: v2.0.0, directories: [{ path: 'apps/*' }] }\ntemplate:\n  metadata: { name: "x-{{path.basename}}" }\n  spec:\n    source: { repoURL: ${repoUrl}, path: "{{path}}" }\n    destination: { name: in-cluster }\n`),
      'sets/broken.yaml': appset('broken', 'goTemplate: true\ngoTemplateOptions: ["missingkey=error"]\ngenerators:\n  - list: { elements: [{ app: web }] }\ntemplate:\n  metadata: { name: "{{.application}}" }\n  spec:\n    source: { repoURL: ' + repoUrl + ', path: apps/web }\n    destination: { name: in-cluster }\n'),
      'sets/dup.yaml': appset('dup', 'generators:\n  - list: { elements: [{ app: web }, { app: web }] }\ntemplate:\n  metadata: { name: "d-{{app}}" }\n  spec:\n    source: { repoURL: ' + repoUrl + ', path: apps/web }\n    destination: { name: in-cluster }\n'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    expect(environments.map((e) => e.name)).toEqual(['s-web']);
    const about = (name: string) => notes.filter((n) => n.name === name).map((n) => n.reason);
    expect(about('scm')).toEqual([expect.stringContaining('generators[0] not expanded: the scmProvider generator needs the outside world')]);
    expect(about('pinned')).toEqual([expect.stringContaining('pinned to v2.0.0')]);
    expect(about('broken')).toEqual([expect.stringMatching(/generates nothing bosun can preview: .*map has no entry for key "application"/)]);
    expect(about('dup')).toEqual([expect.stringContaining('two generated Applications are named "d-web"')]);
  });
});

describe('app of apps', () => {
  it('a Helm chart of Applications is rendered and its Applications become environments that name their parent; a cycle stops', async () => {
    const child = (name: string, path: string) => yaml`
      apiVersion: argoproj.io/v1alpha1
      kind: Application
      metadata:
        name: ${name}
        namespace: argocd
      spec:
        source:
          repoURL: {{ .Values.repoURL }}
          path: ${path}
          targetRevision: {{ .Values.revision }}
        destination:
          server: https://kubernetes.default.svc
          namespace: ${name}
    `;
    const root = await makeTree({
      ...folders,
      'root.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: root
          namespace: argocd
        spec:
          source: { repoURL: ${repoUrl}, path: charts/apps }
          destination: { server: https://kubernetes.default.svc, namespace: argocd }
      `,
      'charts/apps/Chart.yaml': 'apiVersion: v2\nname: apps\nversion: 1.0.0\n',
      'charts/apps/values.yaml': `repoURL: ${repoUrl}\nrevision: HEAD\n`,
      'charts/apps/templates/web.yaml': child('web', 'apps/web'),
      'charts/apps/templates/nested.yaml': child('nested', 'more'),
      'charts/apps/templates/again.yaml': child('root', 'charts/apps'),
      'more/app.yaml': yaml`
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: grandchild
          namespace: argocd
        spec:
          source: { repoURL: ${repoUrl}, path: apps/api }
          destination: { server: https://kubernetes.default.svc, namespace: api }
      `,
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl], branch: 'main' });
    const envs = byName(environments);
    expect(Object.keys(envs).sort()).toEqual(['grandchild', 'nested', 'root', 'web']);
    expect(envs.web).toMatchObject({ path: 'apps/web', namespace: 'web', producedBy: { kind: 'Application', name: 'root', environment: 'root' } });
    expect(envs.grandchild.producedBy).toMatchObject({ kind: 'Application', name: 'nested', environment: 'nested' });
    expect(envs.root.producedBy).toBeUndefined();
    expect(notes.map((n) => n.reason)).toEqual(expect.arrayContaining([expect.stringContaining('renders Application root, which is itself or one of the Applications that deploy it')]));
    // The chart's templates are rendered, so they are no longer "not an environment".
    expect(notes.filter((n) => n.reason.includes('written in the templates of Helm chart'))).toEqual([]);
  });
});

describe('ApplicationSet generator selectors', () => {
  // The controller parses a generator's `selector` with metav1.LabelSelectorAsSelector and fails the
  // ApplicationSet on a bad one (applicationset/generators generator_spec_processor.go, "error parsing label
  // selector"): `In` without values matches nothing there, it is an error, said here rather than an empty set.
  it('filter parameters with the Kubernetes label selector rules, and a selector Argo CD cannot parse is said', async () => {
    const set = (name: string, expression: string) => appset(name, yaml`
      generators:
        - list:
            elements: [{ app: web, tier: front }, { app: api, tier: back }]
          selector:
            matchExpressions: [${expression}]
      template:
        metadata: { name: '${name}-{{app}}' }
        spec:
          source: { repoURL: ${repoUrl}, path: 'apps/{{app}}' }
          destination: { name: in-cluster }
    `);
    const root = await makeTree({
      ...folders,
      'sets/good.yaml': set('good', '{ key: tier, operator: NotIn, values: [back] }'),
      'sets/bad.yaml': set('bad', '{ key: tier, operator: In }'),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.name)).toEqual(['good-web']);
    expect(notes.filter((n) => n.name === 'bad').map((n) => n.reason)).toEqual([expect.stringContaining('selector: matchExpressions[0]: In needs values')]);
  });
});
