// A generated Application whose name Argo CD cannot create (argocd-app-name.ts): a placeholder no generator
// fills stays in the name (fasttemplate), or a goTemplate prints "<no value>". bosun says so at the template's
// name, with file and line, and does not preview it; the ApplicationSet's other Applications stay environments.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;
const appset = (name: string, spec: string) => `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

describe('generated Application names Argo CD cannot create', () => {
  it('fasttemplate: a {{param}} only some elements supply leaves the others unnamed: not previewed, at the name\'s line', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': cm('web'),
      'sets/web.yaml': appset('web', yaml`
        generators:
          - list:
              elements:
                - { env: staging, cluster: east }
                - { env: prod }
        template:
          metadata:
            name: 'web-{{cluster}}-{{env}}'
          spec:
            source: { repoURL: ${repoUrl}, path: apps/web, targetRevision: HEAD }
            destination: { server: https://kubernetes.default.svc, namespace: 'web-{{env}}' }
      `),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments.map((e) => e.name)).toEqual(['web-east-staging']);
    const note = notes.find((n) => n.kind === 'ApplicationSet' && n.status === 'not-previewed');
    expect(note).toMatchObject({ name: 'web', file: 'sets/web.yaml', line: 14, reads: ['apps/web', 'sets/web.yaml'] });
    expect(note?.reason).toContain('"web-{{cluster}}-prod" is not a valid Application name ({{cluster}} is left as written');
    expect(note?.reason).toContain('Argo CD never creates this Application');
  });

  it('goTemplate without missingkey=error: "<no value>" in the name, said at the generator\'s own template', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': cm('web'),
      'sets/web.yaml': appset('web', yaml`
        goTemplate: true
        generators:
          - list:
              elements:
                - { env: staging }
              template:
                metadata:
                  name: 'web-{{.region}}'
                spec: {}
        template:
          metadata:
            name: 'web-{{.env}}'
          spec:
            source: { repoURL: ${repoUrl}, path: apps/web, targetRevision: HEAD }
            destination: { server: https://kubernetes.default.svc, namespace: 'web-{{.env}}' }
      `),
    });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(environments).toEqual([]);
    const note = notes.find((n) => n.kind === 'ApplicationSet' && n.status === 'not-previewed');
    expect(note).toMatchObject({ file: 'sets/web.yaml', line: 14 });
    expect(note?.reason).toContain('"web-<no value>" is not a valid Application name');
    expect(note?.reason).toContain('missingkey=error');
  });
});
