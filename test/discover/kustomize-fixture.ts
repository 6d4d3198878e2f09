import { yaml } from './temp-tree.ts';

export const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {app: web}}\nspec: {replicas: 1}\n';

/**
 * A kustomize monorepo using every kind of file reference kustomize has: bases, components, patches of
 * all three styles, generators, replacements, openapi, crds, configurations, transformers, helmCharts
 * with a chart home and a local chart dependency. Valid for the real kustomize (tested).
 */
export const kustomizeMonorepo: Record<string, string | { symlink: string }> = {
  'apps/base/kustomization.yaml': yaml`
    resources:
      - deployment.yaml
      - ../../shared/namespace
    components:
      - ../../components/tls
    configMapGenerator:
      - name: settings
        files:
          - config.properties
          - extra=extra.txt
        envs: [vars.env]
    secretGenerator:
      - name: creds
        env: secret.env
    patches:
      - path: patches/replicas.yaml
      - patch: |-
          - op: add
            path: /metadata/labels/inline
            value: "yes"
        target: {kind: Deployment}
    patchesStrategicMerge:
      - patches/strategic.yaml
      - |-
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
    patchesJson6902:
      - target: {group: apps, version: v1, kind: Deployment, name: web}
        path: patches/json.yaml
    replacements:
      - path: replacements.yaml
    openapi:
      path: openapi.json
    crds: [crds/widget.json]
    configurations: [kustomizeconfig.yaml]
    transformers: [labels-transformer.yaml]
  `,
  'apps/base/deployment.yaml': deployment,
  'apps/base/config.properties': 'a=b\n',
  'apps/base/extra.txt': 'x\n',
  'apps/base/vars.env': 'A=1\n',
  'apps/base/secret.env': 'PASSWORD=hunter2\n',
  'apps/base/patches/replicas.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n',
  'apps/base/patches/strategic.yaml': deployment,
  'apps/base/patches/json.yaml': '- op: replace\n  path: /spec/replicas\n  value: 3\n',
  'apps/base/replacements.yaml': 'source: {kind: Deployment}\ntargets: []\n',
  'apps/base/openapi.json': '{}\n',
  'apps/base/crds/widget.json': '{}\n',
  'apps/base/kustomizeconfig.yaml': 'nameReference: []\n',
  'apps/base/labels-transformer.yaml': 'apiVersion: builtin\nkind: LabelTransformer\nmetadata: {name: l}\nlabels: {a: b}\nfieldSpecs: []\n',
  'apps/base/unused.yaml': deployment,
  'shared/namespace/kustomization.yml': 'resources: [namespace.yaml]\n',
  'shared/namespace/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n',
  'components/tls/kustomization.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n  - path: tls.yaml\n',
  'components/tls/tls.yaml': deployment,
  'apps/overlays/staging/kustomization.yaml': yaml`
    resources:
      - ../../base
    helmGlobals:
      chartHome: ../../../charts
    helmCharts:
      - name: podinfo
        releaseName: podinfo
        valuesFile: values-staging.yaml
        additionalValuesFiles: [values-extra.yaml]
  `,
  'apps/overlays/staging/values-staging.yaml': 'replicaCount: 1\n',
  'apps/overlays/staging/values-extra.yaml': 'ui: {color: blue}\n',
  'apps/overlays/production/kustomization.yaml': 'resources:\n  - ../../base\npatches:\n  - path: replicas.yaml\n',
  'apps/overlays/production/replicas.yaml': deployment,
  'charts/podinfo/Chart.yaml': 'apiVersion: v2\nname: podinfo\nversion: 6.0.0\ndependencies:\n  - name: common\n    version: 1.0.0\n    repository: file://../common\n',
  'charts/podinfo/values.yaml': 'replicaCount: 1\n',
  'charts/podinfo/templates/deployment.yaml': '{{ .Values.replicaCount }}\n',
  'charts/common/Chart.yaml': 'apiVersion: v2\nname: common\nversion: 1.0.0\ntype: library\n',
  'charts/other/Chart.yaml': 'apiVersion: v2\nname: other\nversion: 1.0.0\n',
  'unrelated/README.md': 'nothing\n',
};

