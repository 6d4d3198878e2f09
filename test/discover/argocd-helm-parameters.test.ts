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

describe('Argo CD helm.namespace, helm.apiVersions, helm.kubeVersion', () => {
  const chart = {
    'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
    'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n  release: {{ .Release.Namespace | quote }}\n',
    'chart/templates/monitor.yaml': '{{- if .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" }}\napiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata:\n  name: web\nspec:\n  endpoints: [{ port: http }]\n{{- end }}\n{{- if .Capabilities.APIVersions.Has "policy/v1" }}\n{{- end }}\n',
  };
  const app = (helm: string) => `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web, namespace: argocd }
spec:
  source:
    repoURL: ${repoUrl}
    path: chart
    helm: ${helm}
  destination: { name: in-cluster, namespace: web }
`;

  it('passes them to helm as Argo CD does in place of the cluster\'s, so a ServiceMonitor the chart gates on its API is rendered', async () => {
    const root = await makeTree({ ...chart, 'argocd/web.yaml': app('{ namespace: other, kubeVersion: "1.30.2", apiVersions: [monitoring.coreos.com/v1, v1] }') });
    const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    const out = await renderEnvironment(root, environments[0]);
    expect(out.ok && out.objects.map((o) => `${o.object.kind}/${o.object.metadata?.name}`)).toEqual(['ConfigMap/web', 'ServiceMonitor/web']);
    // The release namespace is helm.namespace; objects without one still go to destination.namespace.
    expect(out.ok && out.objects[0].object.data).toEqual({ kube: 'v1.30.2', release: 'other' });
    expect(out.ok && out.objects[0].object.metadata?.namespace).toBe('web');
    expect(notes.map((n) => n.reason).join('\n')).not.toContain('.Capabilities');
  });

  it('says so when the chart tests a custom resource API and the Application lists none (Argo CD asks the cluster, bosun cannot)', async () => {
    const root = await makeTree({ ...chart, 'argocd/web.yaml': app('{}') });
    const { notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
    expect(notes.map((n) => n.reason)).toContainEqual(expect.stringContaining('the chart tests .Capabilities.APIVersions for `monitoring.coreos.com/v1`: Argo CD answers with the destination cluster\'s API versions'));
  });

  it('refuses a kubeVersion helm cannot parse at its field', async () => {
    const root = await makeTree({ ...chart, 'argocd/web.yaml': app('{ kubeVersion: "--debug" }') });
    await expect(discoverEnvironments(root, { repoUrls: [repoUrl] })).rejects.toMatchObject({ kind: 'config', file: 'argocd/web.yaml', field: 'spec.source.helm.kubeVersion' });
  });
});

/**
 * The Application `web-prod` of project `shop` (destination namespace `web`) whose source is folder `path`
 * with `settings` (YAML at the source's indentation), discovered and rendered over `files`.
 */
async function withBuildEnv(files: Record<string, string>, path: string, settings: string): Promise<{ data: unknown; reasons: string[] }> {
  const root = await makeTree({
    ...files,
    'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: web-prod, namespace: argocd }
spec:
  project: shop
  source:
    repoURL: ${repoUrl}
    path: ${path}
${settings}  destination: { name: in-cluster, namespace: web }
`,
  });
  const { environments, notes } = await discoverEnvironments(root, { repoUrls: [repoUrl] });
  const out = await renderEnvironment(root, environments[0]);
  return { data: out.ok ? out.objects[0].object.data : out.error.message, reasons: notes.map((n) => n.reason) };
}

describe('Argo CD build environment in helm parameters, value files and jsonnet variables', () => {
  it('substitutes $ARGOCD_APP_NAME and friends as the repo server does ($$ is a dollar, other names are empty) and says what it cannot', async () => {
    const { data, reasons } = await withBuildEnv({
      'chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
      'chart/values.yaml': 'tier: none\n',
      'chart/values-web-prod.yaml': 'tier: prod\n',
      'chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  tier: {{ .Values.tier | quote }}\n  owner: {{ .Values.owner | quote }}\n  price: {{ .Values.price | quote }}\n  rev: {{ .Values.rev | quote }}\n',
    }, 'chart', `    helm:
      valueFiles: ['values-\${ARGOCD_APP_NAME}.yaml']
      parameters:
        - { name: owner, value: '$ARGOCD_APP_PROJECT_NAME/$ARGOCD_APP_NAMESPACE' }
        - { name: price, value: '$$5 $UNSET' }
        - { name: rev, value: '$ARGOCD_APP_REVISION_SHORT' }
`);
    expect(data).toEqual({ tier: 'prod', owner: 'shop/web', price: '$5 ', rev: '' });
    expect(reasons).toContainEqual(expect.stringContaining('helm.parameters[2] uses $ARGOCD_APP_REVISION_SHORT, which Argo CD fills with the commit it syncs'));
  });

  // reposerver makeJsonnetVm substitutes extVars and TLAs with the same Env.Envsubst (Go os.Expand; argo-cd
  // pkg/apis/application/v1alpha1/types.go). bosun's jsonnet render had a copy of its own that knew two names
  // and left `$$`, `$1` and `${}` as written: a preview unlike the sync.
  it('substitutes jsonnet extVars and TLAs the same way: every build variable, $$ a dollar, odd names empty or eaten', async () => {
    const { data, reasons } = await withBuildEnv({
      'site/main.jsonnet': `function(name, owner, price, odd, rev) {
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' },
  data: { name: name, owner: owner, price: price, odd: odd, rev: rev, path: std.extVar('path') },
}
`,
    }, 'site', `    directory:
      jsonnet:
        extVars:
          - { name: path, value: '$ARGOCD_APP_SOURCE_PATH' }
        tlas:
          - { name: name, value: '\${ARGOCD_APP_NAME}' }
          - { name: owner, value: '$ARGOCD_APP_PROJECT_NAME/$ARGOCD_APP_NAMESPACE' }
          - { name: price, value: '$$5 \${UNSET}' }
          - { name: odd, value: '[$1x|\${a.b}|\${}|$ |\${abc]' }
          - { name: rev, value: '$ARGOCD_APP_REVISION' }
`);
    expect(data).toEqual({ name: 'web-prod', owner: 'shop/web', price: '$5 ', odd: '[x|||$ |abc]', rev: '', path: 'site' });
    expect(reasons).toContainEqual(expect.stringContaining('directory.jsonnet.tlas[4].value uses $ARGOCD_APP_REVISION, which Argo CD fills with the commit it syncs'));
  });
});
