// Malicious pull requests, one per way in that the issue "untrusted pull requests" names: options slipped
// onto a tool's command line, files outside the checkout, the network, resource bombs, Secret values in
// error messages. Each case is a set of changes to a small GitOps repository and what bosun must say.
// The same table runs through `bosun plan` (test/security/malicious-plan.test.ts) and through the GitHub
// App's worker path (test/security/malicious-app.test.ts).
import type { Canaries } from './canaries.ts';

export type FileSpec = string | { symlink: string };

export interface MaliciousCase {
  id: string;
  title: string;
  /** Files the pull request adds or changes (repo path → content or symlink target). */
  files: Record<string, FileSpec>;
  /** Files the pull request deletes. */
  remove?: string[];
  /** What bosun must report: the file it names, and words of the message (and the field, where there is one). */
  expect: {
    file: string; field?: RegExp; message: RegExp;
    /**
     * The problem is a discovery note ("Seen by discovery"): the file is skipped, the plan may still succeed —
     * or a not-previewed note: a remote reference Flux and Argo CD would fetch is refused, nothing fetched,
     * and bosun cannot judge the environment (exit 3, the App's neutral check; issue #11), not a content error.
     */
    note?: boolean;
  };
  /** A known hole of the App's report for this case (malicious-app runs it as `it.fails` until it is fixed). */
  appGap?: string;
}

export const repoUrl = 'https://github.com/acme/gitops';

/** The base branch: a kustomization (environment `app`, found as `clusters/app/`) and a chart beside it. */
export const baseFiles: Record<string, string> = {
  'clusters/app/kustomization.yaml': 'resources:\n  - cm.yaml\n',
  'clusters/app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-settings\n  namespace: default\ndata:\n  mode: base\n',
  'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'charts/web/values.yaml': 'greeting: hello\n',
  'charts/web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-web\ndata:\n  greeting: {{ .Values.greeting }}\n',
};

const kustomization = (body: string): Record<string, string> => ({ 'clusters/app/kustomization.yaml': body });
const k = 'clusters/app/kustomization.yaml';
const remote = /remote reference|remote references are not followed/;
const absolute = /absolute path/;

function helmConfig(extra: string): Record<string, string> {
  return { '.bosun.yaml': `version: 1\nenvironments:\n  - name: app\n    path: charts/web\n    render: helm\n${extra}` };
}

function argoApp(spec: string, name = 'web'): Record<string, string> {
  return {
    'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: ${name}\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: ${repoUrl}\n    targetRevision: HEAD\n    path: charts/web\n${spec}  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n`,
  };
}

/** An ApplicationSet over `charts/web`: a matrix of three `n`-element lists (goTemplate, so `name` may call functions). */
function appSetBomb(n: number, name = "'x-{{ .a }}-{{ .b }}-{{ .c }}'"): string {
  const list = (key: string, indent: string) => Array.from({ length: n }, (_, i) => `${indent}- ${key}: "${i}"`).join('\n');
  return `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: bomb\n  namespace: argocd\nspec:\n  goTemplate: true\n  generators:\n    - matrix:\n        generators:\n          - list:\n              elements:\n${list('a', '                ')}\n          - matrix:\n              generators:\n                - list:\n                    elements:\n${list('b', '                      ')}\n                - list:\n                    elements:\n${list('c', '                      ')}\n  template:\n    metadata:\n      name: ${name}\n    spec:\n      project: default\n      source:\n        repoURL: ${repoUrl}\n        targetRevision: HEAD\n        path: charts/web\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: web\n`;
}

/** A Flux bootstrap: the GitRepository of this repository and the Kustomization applying `clusters/staging`. */
const fluxSync = `apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 1m\n  url: ${repoUrl}\n  ref: {branch: main}\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: flux-system, namespace: flux-system}\nspec:\n  interval: 10m\n  path: ./clusters/staging\n  prune: true\n  sourceRef: {kind: GitRepository, name: flux-system}\n`;
const hr = 'clusters/staging/web.yaml';

/** A Flux HelmRelease of the chart `charts/web` (or `chart`), with more of `spec` (`top`) and of `chart.spec` (`chartSpec`). */
function helmRelease(top: string, chartSpec = '', chart = './charts/web'): Record<string, string> {
  return {
    'clusters/staging/flux-system/gotk-sync.yaml': fluxSync,
    [hr]: `apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: web, namespace: default}\nspec:\n  interval: 10m\n${top}  chart:\n    spec:\n      chart: ${chart}\n${chartSpec}      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n`,
  };
}

/** An Argo CD Application of the jsonnet folder `jsonnet/web` (`directory` fields in `directory`). */
function argoJsonnet(directory: string, main = '{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "j" }, data: { a: "b" } }'): Record<string, string> {
  return {
    'argocd/web.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: web\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: ${repoUrl}\n    targetRevision: HEAD\n    path: jsonnet/web\n    directory:\n${directory}  destination:\n    server: https://kubernetes.default.svc\n    namespace: web\n`,
    'jsonnet/web/main.jsonnet': `${main}\n`,
  };
}

function inlineGenerator(doc: string, key = 'generators'): Record<string, string> {
  const indented = doc.split('\n').map((l) => `    ${l}`).join('\n');
  return kustomization(`resources:\n  - cm.yaml\n${key}:\n  - |-\n${indented}\n`);
}

const aliasBomb = (): string => {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb, namespace: default}', 'x:', '  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++) lines.push(`  a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(',')}]`);
  lines.push('data: {k: v}');
  return `${lines.join('\n')}\n`;
};

const deeplyNested = (depth: number): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep, namespace: default}\ndata: {k: v}\nx: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;

const manyObjects = (count: number): string => {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) parts.push(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}, namespace: default}\ndata: {k: "${i}"}\n`);
  return parts.join('---\n');
};

export function maliciousCases(c: Canaries): MaliciousCase[] {
  const url = c.url;
  return [
    // ── options slipped onto a command line ────────────────────────────────────────────────────────
    {
      id: 'config-release-name', title: '.bosun.yaml helm.releaseName as a helm option',
      files: helmConfig(`    helm:\n      releaseName: --post-renderer=${c.evil}\n`),
      expect: { file: '.bosun.yaml', field: /releaseName/, message: /valid Helm release name/ },
    },
    {
      id: 'config-namespace', title: '.bosun.yaml namespace as a helm option',
      files: helmConfig(`    namespace: --kubeconfig=${c.dir}/kubeconfig\n`),
      expect: { file: '.bosun.yaml', field: /namespace/, message: /not a valid namespace|namespace/ },
    },
    {
      id: 'config-value-file-list', title: 'helm.valueFiles smuggling a second file after a comma',
      files: helmConfig(`    helm:\n      valueFiles: ["values.yaml,${c.dir}/secret.txt"]\n`),
      expect: { file: '.bosun.yaml', field: /valueFiles/, message: /comma/ },
    },
    {
      id: 'config-value-file-option', title: 'helm.valueFiles as a helm option',
      files: helmConfig(`    helm:\n      valueFiles: ["--post-renderer=${c.evil}"]\n`),
      expect: { file: '.bosun.yaml', field: /valueFiles/, message: /absolute|does not exist|value file/ },
    },
    {
      id: 'config-value-file-escape', title: 'helm.valueFiles climbing out of the repository',
      files: helmConfig(`    helm:\n      valueFiles: ["../../../../../../../..${c.dir}/secret.txt"]\n`),
      expect: { file: '.bosun.yaml', field: /valueFiles/, message: /escapes the repository/ },
    },
    {
      id: 'argo-release-name', title: 'Argo CD helm.releaseName as a helm option',
      files: argoApp(`    helm:\n      releaseName: --post-renderer=${c.evil}\n`),
      expect: { file: 'argocd/web.yaml', field: /releaseName/, message: /not a valid Helm release name/ },
    },
    {
      id: 'argo-app-name', title: 'an Argo CD Application named like a helm option (its name is the release name)',
      files: argoApp('', `"--post-renderer=${c.evil}"`),
      expect: { file: 'argocd/web.yaml', field: /name/, message: /not a valid Helm release name|not a valid/ },
    },
    {
      id: 'argo-namespace', title: 'Argo CD destination.namespace as a helm option',
      files: { 'argocd/web.yaml': argoApp('')['argocd/web.yaml'].replace('namespace: web\n', `namespace: "--kubeconfig=${c.dir}/kc"\n`) },
      expect: { file: 'argocd/web.yaml', field: /namespace/, message: /not a valid namespace/ },
    },
    {
      id: 'argo-value-files', title: 'Argo CD helm.valueFiles smuggling a file after a comma',
      files: argoApp(`    helm:\n      valueFiles: ["values.yaml,${c.dir}/secret.txt"]\n`),
      expect: { file: 'argocd/web.yaml', field: /valueFiles/, message: /comma/ },
    },
    {
      id: 'helmcharts-release-name', title: 'kustomize helmCharts releaseName as a helm option',
      files: kustomization(`helmCharts:\n  - name: web\n    releaseName: --post-renderer=${c.evil}\nhelmGlobals:\n  chartHome: ../../charts\n`),
      expect: { file: k, field: /releaseName/, message: /not a valid Helm release name/ },
    },
    {
      id: 'helmcharts-namespace', title: 'kustomize helmCharts namespace as a helm option',
      files: kustomization(`helmCharts:\n  - name: web\n    namespace: --kubeconfig=${c.dir}/kc\nhelmGlobals:\n  chartHome: ../../charts\n`),
      expect: { file: k, field: /namespace/, message: /not a valid namespace/ },
    },
    {
      id: 'helmcharts-kube-version', title: 'kustomize helmCharts kubeVersion as a helm option',
      files: kustomization(`helmCharts:\n  - name: web\n    kubeVersion: --post-renderer=${c.evil}\nhelmGlobals:\n  chartHome: ../../charts\n`),
      expect: { file: k, field: /kubeVersion/, message: /not a Kubernetes version/ },
    },
    {
      id: 'helmcharts-api-versions', title: 'kustomize helmCharts apiVersions as a helm option',
      files: kustomization(`helmCharts:\n  - name: web\n    apiVersions: ["--post-renderer=${c.evil}"]\nhelmGlobals:\n  chartHome: ../../charts\n`),
      expect: { file: k, field: /apiVersions/, message: /not an API version/ },
    },
    {
      id: 'helmcharts-values-file', title: 'kustomize helmCharts valuesFile outside the repository',
      files: kustomization(`helmCharts:\n  - name: web\n    valuesFile: ${c.dir}/secret.txt\nhelmGlobals:\n  chartHome: ../../charts\n`),
      expect: { file: k, field: /valuesFile/, message: absolute },
    },
    {
      id: 'flux-release-name', title: 'Flux HelmRelease releaseName as a helm option',
      files: helmRelease(`  releaseName: "--post-renderer=${c.evil}"\n`),
      expect: { file: hr, field: /^spec\.releaseName$/, message: /not a valid Helm release name/ },
    },
    {
      id: 'flux-target-namespace', title: 'Flux HelmRelease targetNamespace as a helm option',
      files: helmRelease(`  targetNamespace: "--kubeconfig=${c.dir}/kc"\n`),
      expect: { file: hr, field: /^spec\.targetNamespace$/, message: /not a valid namespace/ },
    },
    {
      id: 'jsonnet-ext-var-option', title: 'Argo CD jsonnet extVars name as a jsonnet option',
      files: argoJsonnet('      jsonnet:\n        extVars:\n          - name: "--jpath=/etc"\n            value: x\n'),
      expect: { file: 'argocd/web.yaml', field: /^directory\.jsonnet\.extVars\[0\]\.name$/, message: /not a jsonnet identifier/ },
    },
    // ── files outside the checkout ─────────────────────────────────────────────────────────────────
    {
      id: 'inline-generator-absolute', title: 'inline ConfigMapGenerator reading /etc/passwd',
      files: inlineGenerator('apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: stolen\nfiles:\n  - /etc/passwd'),
      expect: { file: k, field: /generators\[0\].*files/, message: absolute },
    },
    {
      id: 'inline-generator-proc', title: 'inline ConfigMapGenerator reading bosun\'s own environment',
      files: inlineGenerator('apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: stolen\nfiles:\n  - e=/proc/1/environ\n  - s=/proc/self/environ'),
      expect: { file: k, field: /generators\[0\].*files/, message: absolute },
    },
    {
      id: 'inline-patch-transformer', title: 'inline PatchTransformer with a patch file outside',
      files: inlineGenerator(`apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: steal\npath: ${c.dir}/patch.yaml\ntarget:\n  kind: ConfigMap`, 'transformers'),
      expect: { file: k, field: /transformers\[0\].*path/, message: absolute },
    },
    {
      id: 'generator-files-escape', title: 'configMapGenerator file climbing out by ../',
      files: kustomization(`resources: [cm.yaml]\nconfigMapGenerator:\n  - name: stolen\n    files:\n      - ../../../../../../../..${c.dir}/secret.txt\n`),
      expect: { file: k, field: /configMapGenerator\[0\]\.files\[0\]/, message: /escapes the repository/ },
    },
    {
      id: 'secret-generator-envs', title: 'secretGenerator envs outside the repository',
      files: kustomization(`resources: [cm.yaml]\nsecretGenerator:\n  - name: stolen\n    envs:\n      - ${c.dir}/secret.env\n`),
      expect: { file: k, field: /secretGenerator\[0\]\.envs\[0\]/, message: absolute },
    },
    {
      id: 'resources-git-file', title: 'a resource read from another git repository on the worker (git::file://)',
      files: kustomization(`resources:\n  - cm.yaml\n  - git::file://${c.otherRepo}\n`),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'resources-file-url', title: 'a resource given as a file:// URL',
      files: kustomization(`resources:\n  - cm.yaml\n  - file://${c.dir}/cm.yaml\n`),
      expect: { file: k, field: /resources\[1\]/, message: /remote reference|absolute/, note: true },
    },
    {
      id: 'resources-absolute', title: 'a resource given as an absolute path',
      files: kustomization(`resources:\n  - cm.yaml\n  - ${c.dir}/cm.yaml\n`),
      expect: { file: k, field: /resources\[1\]/, message: absolute },
    },
    {
      id: 'resources-symlink-file', title: 'a resource that is a symlink to a file outside',
      files: { [k]: 'resources:\n  - cm.yaml\n  - stolen.yaml\n', 'clusters/app/stolen.yaml': { symlink: `${c.dir}/cm.yaml` } },
      expect: { file: k, field: /resources\[1\]/, message: /symlink that points outside the repository/ },
    },
    {
      id: 'resources-symlink-dir', title: 'a resource folder that is a symlink to the other repository',
      files: { [k]: 'resources:\n  - cm.yaml\n  - other\n', 'clusters/app/other': { symlink: c.otherRepo } },
      expect: { file: k, field: /resources\[1\]/, message: /symlink that points outside the repository/ },
    },
    {
      id: 'kustomization-symlink', title: 'the kustomization file itself a symlink to a file outside',
      files: { [k]: { symlink: `${c.dir}/cm.yaml` } },
      expect: { file: k, message: /symlink that points outside the repository/ },
    },
    {
      id: 'crds-absolute', title: 'crds read from outside',
      files: kustomization(`resources: [cm.yaml]\ncrds:\n  - ${c.dir}/cm.yaml\n`),
      expect: { file: k, field: /crds\[0\]/, message: absolute },
    },
    {
      id: 'openapi-absolute', title: 'openapi.path read from outside',
      files: kustomization(`resources: [cm.yaml]\nopenapi:\n  path: ${c.dir}/secret.txt\n`),
      expect: { file: k, field: /openapi\.path/, message: absolute },
    },
    {
      id: 'patches-absolute', title: 'a patch file outside',
      files: kustomization(`resources: [cm.yaml]\npatches:\n  - path: ${c.dir}/patch.yaml\n`),
      expect: { file: k, field: /patches\[0\]\.path/, message: absolute },
    },
    {
      id: 'components-escape', title: 'a component folder climbing out by ../',
      files: kustomization(`resources: [cm.yaml]\ncomponents:\n  - ../../../../../../../..${c.dir}\n`),
      expect: { file: k, field: /components\[0\]/, message: /escapes the repository/ },
    },
    {
      id: 'bosun-yaml-symlink', title: '.bosun.yaml that is a symlink to a file outside',
      files: { '.bosun.yaml': { symlink: `${c.dir}/bosun.yaml` } },
      expect: { file: '.bosun.yaml', message: /symlink/ },
    },
    {
      id: 'chart-template-symlink', title: 'a chart template that is a symlink to a file outside',
      files: { ...helmConfig(''), 'charts/web/templates/stolen.yaml': { symlink: `${c.dir}/cm.yaml` } },
      expect: { file: 'charts/web/templates/stolen.yaml', message: /symlink/ },
    },
    {
      id: 'chart-values-symlink', title: 'a chart values.yaml that is a symlink to a file outside',
      files: { ...helmConfig(''), 'charts/web/values.yaml': { symlink: `${c.dir}/secret.txt` } },
      expect: { file: 'charts/web/values.yaml', message: /symlink/ },
    },
    {
      id: 'argo-application-symlink', title: 'an Argo CD Application file that is a symlink to one outside',
      files: { 'argocd/web.yaml': { symlink: `${c.dir}/application.yaml` } },
      expect: { file: 'argocd/web.yaml', message: /symlink that points outside the repository/, note: true },
    },
    {
      id: 'argo-source-override-symlink', title: 'an Argo CD parameter override file (.argocd-source.yaml) that is a symlink to one outside',
      files: { ...argoApp(''), 'charts/web/.argocd-source.yaml': { symlink: `${c.dir}/argocd-source.yaml` } },
      expect: { file: 'charts/web/.argocd-source.yaml', message: /symlink that points outside the repository/ },
    },
    {
      id: 'argo-app-override-symlink', title: 'an Argo CD per-Application override file (.argocd-source-<app>.yaml) that is a symlink to one outside',
      files: { ...argoApp(''), 'charts/web/.argocd-source-web.yaml': { symlink: `${c.dir}/argocd-source.yaml` } },
      expect: { file: 'charts/web/.argocd-source-web.yaml', message: /symlink that points outside the repository/ },
    },
    {
      id: 'appset-git-files-symlink', title: 'an ApplicationSet git files generator matching a parameter file that is a symlink to one outside',
      files: {
        'argocd/set.yaml': `apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata:\n  name: envs\n  namespace: argocd\nspec:\n  goTemplate: true\n  generators:\n    - git:\n        repoURL: ${repoUrl}\n        revision: HEAD\n        files:\n          - path: envs/*.yaml\n  template:\n    metadata:\n      name: 'web-{{ .path.filenameNormalized }}'\n    spec:\n      project: default\n      source:\n        repoURL: ${repoUrl}\n        targetRevision: HEAD\n        path: charts/web\n      destination:\n        server: https://kubernetes.default.svc\n        namespace: '{{ .env }}'\n`,
        'envs/prod.yaml': { symlink: `${c.dir}/appset-params.yaml` },
      },
      expect: { file: 'argocd/set.yaml', message: /envs\/prod\.yaml.*symlink that points outside the repository/, note: true },
    },
    {
      id: 'flux-kustomization-symlink', title: 'a Flux Kustomization file that is a symlink to one outside',
      files: { 'clusters/staging/flux-system/gotk-sync.yaml': fluxSync, 'clusters/staging/apps.yaml': { symlink: `${c.dir}/flux-kustomization.yaml` } },
      expect: { file: 'clusters/staging/apps.yaml', message: /symlink that points outside the repository/, note: true },
    },
    {
      id: 'flux-chart-escape', title: 'Flux HelmRelease chart.spec.chart climbing out to a chart outside',
      files: helmRelease('', '', `../../../../../../../..${c.otherRepo}`),
      expect: { file: hr, message: /chart path `[^`]*` leaves the repository/, note: true },
    },
    {
      id: 'flux-values-files-escape', title: 'Flux HelmRelease chart.spec.valuesFiles climbing out of the repository',
      files: helmRelease('', `      valuesFiles: ["../../../../../../../..${c.dir}/secret.txt"]\n`),
      expect: { file: hr, field: /^spec\.chart\.spec\.valuesFiles\[0\]$/, message: /escapes the repository/ },
    },
    {
      id: 'jsonnet-libs-escape', title: 'Argo CD directory.jsonnet.libs climbing out of the repository',
      files: argoJsonnet(`      jsonnet:\n        libs: ["../../../../../../../..${c.dir}"]\n`),
      expect: { file: 'argocd/web.yaml', field: /^directory\.jsonnet\.libs\[0\]$/, message: /escapes the repository/ },
    },
    {
      id: 'jsonnet-import-absolute', title: 'a .jsonnet file importing /etc/passwd',
      files: argoJsonnet('', 'local p = import "/etc/passwd"; { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "j" }, data: { a: std.toString(p) } }'),
      expect: { file: 'jsonnet/web/main.jsonnet', message: /import "\/etc\/passwd" leaves the repository/ },
    },
    {
      id: 'jsonnet-importstr-escape', title: 'a .jsonnet file importstr-ing a file outside by ../',
      files: argoJsonnet('', `local p = importstr "../../../../../../../..${c.dir}/secret.txt"; { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "j" }, data: { a: p } }`),
      expect: { file: 'jsonnet/web/main.jsonnet', message: /importstr "[^"]*" leaves the repository/ },
    },
    // ── the network ────────────────────────────────────────────────────────────────────────────────
    {
      id: 'resources-http', title: 'a resource fetched over HTTP from the machine\'s loopback (SSRF)',
      files: kustomization(`resources:\n  - cm.yaml\n  - ${url}/cm.yaml\n`),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'resources-github', title: 'a remote base on GitHub (https, with //path?ref=)',
      files: kustomization('resources:\n  - cm.yaml\n  - https://github.com/acme/other//deploy?ref=v1\n'),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'resources-github-short', title: 'a remote base in kustomize\'s short form (github.com/org/repo/path)',
      files: kustomization('resources:\n  - cm.yaml\n  - github.com/acme/other/deploy?ref=main\n'),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'resources-ssh', title: 'a remote base over ssh (git@github.com:org/repo)',
      files: kustomization('resources:\n  - cm.yaml\n  - git@github.com:acme/other.git\n'),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'resources-oci', title: 'a resource from an OCI registry',
      files: kustomization(`resources:\n  - cm.yaml\n  - oci://127.0.0.1:${c.port}/acme/manifests\n`),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'generator-file-url', title: 'a configMapGenerator file given as a URL (cloud metadata SSRF)',
      files: kustomization(`resources: [cm.yaml]\nconfigMapGenerator:\n  - name: stolen\n    files:\n      - k=${url}/latest/meta-data\n`),
      expect: { file: k, field: /configMapGenerator\[0\]\.files\[0\]/, message: remote, note: true },
    },
    {
      id: 'components-git', title: 'a component from a git URL',
      files: kustomization(`resources: [cm.yaml]\ncomponents:\n  - git::${url}/acme/components.git//base\n`),
      expect: { file: k, field: /components\[0\]/, message: remote, note: true },
    },
    {
      id: 'inline-helm-generator-remote', title: 'an inline HelmChartInflationGenerator pulling a chart from a URL',
      files: inlineGenerator(`apiVersion: builtin\nkind: HelmChartInflationGenerator\nmetadata:\n  name: pulled\nname: evil\nrepo: ${url}\nversion: 1.0.0\nreleaseName: evil`),
      expect: { file: k, field: /generators\[0\]/, message: remote },
    },
    {
      id: 'helmcharts-remote-repo', title: 'helmCharts from a remote repository, not vendored',
      files: kustomization(`helmCharts:\n  - name: evil\n    repo: ${url}\n    version: 1.0.0\n    releaseName: evil\n`),
      expect: { file: k, field: /helmCharts\[0\]/, message: /not vendored|remote/ },
    },
    {
      id: 'chart-dependency-remote', title: 'a chart dependency from a remote repository, not vendored',
      files: { ...helmConfig(''), 'charts/web/Chart.yaml': `apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: evil\n    version: 1.0.0\n    repository: ${url}\n` },
      expect: { file: 'charts/web/Chart.yaml', field: /dependencies/, message: /not vendored/ },
    },
    {
      id: 'values-schema-ref', title: 'a values.schema.json $ref to a URL',
      files: { ...helmConfig(''), 'charts/web/values.schema.json': `{\n  "$schema": "http://json-schema.org/draft-07/schema#",\n  "type": "object",\n  "properties": {\n    "greeting": { "$ref": "${url}/schema.json" }\n  }\n}\n` },
      expect: { file: 'charts/web/values.schema.json', message: /\$ref/ },
    },
    // ── the network by host name (DNS): loopback and cloud metadata ─────────────────────────────────
    {
      id: 'resources-localhost', title: 'a resource fetched from http://localhost (the listener, reached through DNS)',
      files: kustomization(`resources:\n  - cm.yaml\n  - http://localhost:${c.port}/cm.yaml\n`),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'resources-metadata-ip', title: 'a resource fetched from the cloud metadata address',
      files: kustomization('resources:\n  - cm.yaml\n  - http://169.254.169.254/latest/meta-data/\n'),
      expect: { file: k, field: /resources\[1\]/, message: remote, note: true },
    },
    {
      id: 'generator-file-metadata-name', title: 'a configMapGenerator file from metadata.google.internal',
      files: kustomization('resources: [cm.yaml]\nconfigMapGenerator:\n  - name: stolen\n    files:\n      - k=http://metadata.google.internal/computeMetadata/v1/\n'),
      expect: { file: k, field: /configMapGenerator\[0\]\.files\[0\]/, message: remote, note: true },
    },
    {
      id: 'generator-envs-localhost', title: 'a secretGenerator env file from http://localhost',
      files: kustomization(`resources: [cm.yaml]\nsecretGenerator:\n  - name: stolen\n    envs:\n      - http://localhost:${c.port}/secret.env\n`),
      expect: { file: k, field: /secretGenerator\[0\]\.envs\[0\]/, message: remote, note: true },
    },
    {
      id: 'chart-dependency-localhost', title: 'a chart dependency from http://localhost, not vendored',
      files: { ...helmConfig(''), 'charts/web/Chart.yaml': `apiVersion: v2\nname: web\nversion: 0.1.0\ndependencies:\n  - name: evil\n    version: 1.0.0\n    repository: http://localhost:${c.port}/charts\n` },
      expect: { file: 'charts/web/Chart.yaml', field: /dependencies/, message: /not vendored/ },
    },
    {
      id: 'helmcharts-metadata-repo', title: 'helmCharts from a repository at metadata.google.internal',
      files: kustomization('helmCharts:\n  - name: evil\n    repo: http://metadata.google.internal/computeMetadata/v1/\n    version: 1.0.0\n    releaseName: evil\n'),
      expect: { file: k, field: /helmCharts\[0\]/, message: /not vendored|remote/ },
    },
    // ── resource bombs ─────────────────────────────────────────────────────────────────────────────
    {
      // The suites run with BOSUN_RENDER_MAX_BYTES=8Mi so this stays quick; 64 MiB is the default.
      id: 'helm-output-bomb', title: 'a 7-line chart that prints more than the output cap',
      files: {
        ...helmConfig(''),
        'charts/web/templates/cm.yaml': '{{- range until 12 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb-{{ . }}\ndata:\n  k: {{ repeat 1048576 "x" | quote }}\n{{- end }}\n',
      },
      expect: { file: 'charts/web/Chart.yaml', message: /helm output for app exceeds 8 MB/ },
    },
    {
      // jsonnet's JSON is read as it streams too (render/json-values.ts), under the same cap.
      id: 'jsonnet-output-bomb', title: 'a 2-line jsonnet file that prints more than the output cap',
      files: argoJsonnet('      jsonnet: {}\n', 'local big = std.repeat("x", 1048576);\n[{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bomb-%d" % i }, data: { k: big } } for i in std.range(0, 11)]'),
      expect: { file: 'jsonnet/web/main.jsonnet', message: /jsonnet output for web exceeds 8 MB/ },
    },
    {
      // A HelmRelease's kustomize post-renderer inflates a small chart's objects: its own output is capped.
      id: 'post-renderer-output-bomb', title: 'a HelmRelease post-renderer patch that makes kustomize print more than the output cap',
      files: {
        ...helmRelease(`  postRenderers:\n    - kustomize:\n        patches:\n          - target: {kind: ConfigMap}\n            patch: |\n              - op: add\n                path: /data/filler\n                value: "${'x'.repeat(256 * 1024)}"\n`),
        'charts/web/templates/cm.yaml': '{{- range until 40 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb-{{ . }}\ndata:\n  k: v\n{{- end }}\n',
      },
      expect: { file: hr, field: /^spec\.postRenderers\[0\]\.kustomize$/, message: /kustomize output for [\w/.@-]+ exceeds 8 MB/ },
    },
    {
      id: 'kustomize-alias-bomb', title: 'a YAML alias bomb through kustomize',
      files: { [k]: 'resources:\n  - cm.yaml\n  - bomb.yaml\n', 'clusters/app/bomb.yaml': aliasBomb() },
      expect: { file: k, message: /kustomize for app was stopped by the render sandbox: it needed more than/ },
    },
    {
      id: 'plain-alias-bomb', title: 'a YAML alias bomb in a plain folder bosun parses itself',
      files: { 'plain/app/bomb.yaml': aliasBomb(), '.bosun.yaml': 'version: 1\nenvironments:\n  - name: app\n    path: plain/app\n    render: plain\n' },
      expect: { file: 'plain/app/bomb.yaml', message: /alias/i },
    },
    {
      id: 'deep-nesting', title: 'a document nested 10,000 levels deep',
      files: { 'plain/app/deep.yaml': deeplyNested(10_000), '.bosun.yaml': 'version: 1\nenvironments:\n  - name: app\n    path: plain/app\n    render: plain\n' },
      expect: { file: 'plain/app/deep.yaml', message: /nest/ },
    },
    {
      // Evaluated in bosun's own process, not the sandbox: three short lists multiply into a million Applications.
      id: 'appset-matrix-bomb', title: 'an ApplicationSet matrix of three 100-element lists (a million Applications)',
      files: { 'argocd/bomb.yaml': appSetBomb(100) },
      expect: { file: 'argocd/bomb.yaml', message: /generates more than 10000 Applications/, note: true },
    },
    {
      id: 'appset-template-until-bomb', title: 'an ApplicationSet goTemplate building a 100-million-element list',
      files: { 'argocd/bomb.yaml': appSetBomb(1, "'x{{ len (until 100000000) }}'") },
      expect: { file: 'argocd/bomb.yaml', message: /until would make 100000000 elements/, note: true },
    },
    {
      id: 'many-objects', title: '60,000 small objects in one environment',
      files: { 'plain/app/many.yaml': manyObjects(60_000), '.bosun.yaml': 'version: 1\nenvironments:\n  - name: app\n    path: plain/app\n    render: plain\n' },
      expect: { file: '.bosun.yaml', message: /app renders 60,000 objects, over the limit of 20,000 per environment/ },
    },
    // ── Secret values in error messages ───────────────────────────────────────────────────────────
    {
      // kustomize prints the node it could not descend into ("node contents:"): here, the Secret's value.
      id: 'secret-in-kustomize-error', title: 'a Secret whose manifest makes kustomize fail and quote its value',
      files: {
        [k]: 'resources:\n  - cm.yaml\n  - secret.yaml\nreplacements:\n  - source: {kind: ConfigMap, name: app-settings, fieldPath: data.mode}\n    targets:\n      - select: {kind: Secret}\n        fieldPaths: [stringData.password.x]\n',
        'clusters/app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\nstringData:\n  password: ${c.secretValue}\n`,
      },
      expect: { file: 'clusters/app', message: /node contents:\n\*\*\*/ },
    },
    {
      id: 'secret-generator-literal-error', title: 'a secretGenerator literal kustomize cannot split, and quotes',
      files: kustomization(`resources: [cm.yaml]\nsecretGenerator:\n  - name: db\n    literals:\n      - ${c.secretValue}\n`),
      expect: { file: 'clusters/app', message: /invalid literal source \*\*\*, expected key=value/ },
    },
    {
      id: 'secret-in-data-error', title: 'a base64 Secret value kustomize quotes',
      files: {
        [k]: 'resources:\n  - cm.yaml\n  - secret.yaml\nreplacements:\n  - source: {kind: ConfigMap, name: app-settings, fieldPath: data.mode}\n    targets:\n      - select: {kind: Secret}\n        fieldPaths: [data.password.x]\n',
        'clusters/app/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: default\ndata:\n  password: ${Buffer.from(c.secretValue).toString('base64')}\n`,
      },
      expect: { file: 'clusters/app', message: /node contents:\n\*\*\*/ },
    },
    {
      id: 'secret-in-helm-fail', title: 'a chart whose template fails, repeating a Secret value of the chart',
      files: {
        ...helmConfig(''),
        'charts/web/templates/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\nstringData:\n  token: ${c.secretValue}\n`,
        'charts/web/templates/check.yaml': `{{ fail "token ${c.secretValue} is the default; set your own" }}\n`,
      },
      expect: { file: 'charts/web', message: /token \*\*\* is the default/ },
    },
  ];
}
