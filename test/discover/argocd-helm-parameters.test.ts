// Argo CD `helm.parameters`, rendered as Argo CD's repo server renders them: `--set name=value` (or
// `--set-string` with forceString) on helm's command line, over every values file, commas escaped unless the
// value is a `{a,b}` list (util/helm/cmd.go cleanSetParameters). helm's own --set syntax then applies — list
// indexes, escaped dots, typed values — which bosun used to skip ("uses list or escape syntax") and plan green.
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeTree } from './temp-tree.ts';

const repoUrl = 'https://github.com/acme/gitops';

const template = `apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  annotations: {{ toJson .Values.annotations }}
data:
  hosts: {{ toJson .Values.ingress.hosts | quote }}
  zones: {{ toJson .Values.zones | quote }}
  note: {{ .Values.note | quote }}
  typed: {{ printf "%s/%s/%s/%s" (kindOf .Values.a) (kindOf .Values.b) (kindOf .Values.c) (kindOf .Values.d) | quote }}
  removed: {{ hasKey .Values "gone" | quote }}
  both: {{ .Values.both | quote }}
`;

async function render(parameters: string): Promise<Record<string, unknown>> {
  const root = await makeTree({
    'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'chart/values.yaml': 'annotations: {}\ningress:\n  hosts:\n    - host: a.example.com\n      paths: [/]\nzones: []\nnote: ""\na: 1\nb: x\nc: x\nd: x\ngone: here\nboth: x\n',
    'chart/templates/cm.yaml': template,
    'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  source:
    repoURL: ${repoUrl}
    path: chart
    helm:
      parameters:${parameters}
  destination: { name: in-cluster, namespace: web }
`,
  });
  const [env] = (await discoverEnvironments(root, { repoUrls: [repoUrl] })).environments;
  const out = await renderEnvironment(root, env);
  if (!out.ok) throw new Error(out.error.message);
  return out.objects[0].object as unknown as Record<string, unknown>;
}

describe('Argo CD helm.parameters as helm --set', () => {
  it('sets list items, keys with escaped dots, {a,b} lists and values with commas as helm --set does', async () => {
    const cm = await render(`
        - { name: 'ingress.hosts[0].host', value: shop.example.com }
        - { name: 'annotations.kubernetes\\.io/ingress\\.class', value: nginx }
        - { name: zones, value: '{eu-1a,eu-1b}' }
        - { name: note, value: 'red, green' }`);
    expect(cm.data).toMatchObject({
      // helm's --set builds the list anew (the values file's paths are gone), in Argo CD as here.
      hosts: '[{"host":"shop.example.com"}]',
      zones: '["eu-1a","eu-1b"]',
      note: 'red, green',
    });
    expect((cm.metadata as { annotations: unknown }).annotations).toEqual({ 'kubernetes.io/ingress.class': 'nginx' });
  });

  it('types values as helm --set does, keeps them strings with forceString, removes a key set to null, and lets --set-string win', async () => {
    const cm = await render(`
        - { name: a, value: '0' }
        - { name: b, value: '007' }
        - { name: c, value: 'true' }
        - { name: d, value: 'true', forceString: true }
        - { name: gone, value: 'null' }
        - { name: both, value: 'from-set-string', forceString: true }
        - { name: both, value: 'from-set' }`);
    expect(cm.data).toMatchObject({ typed: 'int64/string/bool/string', removed: 'false', both: 'from-set-string' });
  });
});
