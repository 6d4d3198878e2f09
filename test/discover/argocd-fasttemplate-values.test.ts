// Parameter values as Argo CD's fasttemplate ApplicationSets see them (applicationset/generators list.go, git.go):
// a list element takes only strings — a number, boolean or null fails the whole ApplicationSet — and a git
// files generator's numbers are float64 printed with fmt's %v (1e+06), its nulls `<nil>`.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { flattenParams, goFlatText } from '../../src/discover/argocd-fasttemplate.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n';
const appset = (spec: string) => `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

describe('fasttemplate parameter values', () => {
  it('a list element with an unquoted number fails the ApplicationSet, as Argo CD\'s list generator does', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': cm,
      'sets/web.yaml': appset(yaml`
        generators:
          - list:
              elements:
                - { env: staging, replicas: "2" }
                - { env: prod, replicas: 5 }
        template:
          metadata: { name: 'web-{{env}}' }
          spec:
            source: { repoURL: ${repoUrl}, targetRevision: HEAD, path: apps/web }
            destination: { server: https://kubernetes.default.svc, namespace: 'web-{{env}}' }
      `),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments).toEqual([]);
    const note = notes.find((n) => n.kind === 'ApplicationSet');
    expect(note?.reason).toContain('list element 1: "replicas" is the number 5, not a string');
    expect(note?.reason).toContain('error parsing value as string');
  });

  it('git files: numbers as Go prints a float64, null as <nil>', async () => {
    expect([1, 2.5, 100000, 1000000, 1234567, 1073741824, 0.0001, 0.00001, -3000000, null].map(goFlatText))
      .toEqual(['1', '2.5', '100000', '1e+06', '1.234567e+06', '1.073741824e+09', '0.0001', '1e-05', '-3e+06', '<nil>']);
    // What a git files generator's file gives the template (flatten.DotStyle, then fmt.Sprintf("%v", v)).
    expect(flattenParams({ team: 'a', quota: 2000000, owner: null, limits: { cpu: 1.5 } })).toEqual({ team: 'a', quota: '2e+06', owner: '<nil>', 'limits.cpu': '1.5' });
  });
});
