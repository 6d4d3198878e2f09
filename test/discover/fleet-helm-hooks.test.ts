// What the Fleet agent's Helm makes of a bundle, rendered with real helm and kustomize: which objects are
// Helm hooks (only a chart's templates — Helm 3 sorts hooks out of the chart's rendered templates before
// the post-renderer runs, and Fleet adds raw YAML files and builds a kustomize bundle in that
// post-renderer: helm pkg/action/action.go renderResources, rancher/fleet internal/helmdeployer/postrender.go
// postRender.Run), which objects Fleet's post-render gives `namespace` (the release's resources, not its
// hooks), and which values a local chart is rendered with (the chart as the bundle holds it, its own
// values.yaml underneath helm.values and valuesFiles: rancher/fleet internal/helmdeployer/render/helm.go
// HelmChart builds the chart from the bundle's resources; Helm coalesces the chart's values under the
// release's).
import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import type { Environment } from '../../src/model/environment.ts';
import type { RenderedObject } from '../../src/model/object.ts';
import { syncPlanOf } from '../../src/plan/sync-plan.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { makeTree } from './temp-tree.ts';

const clusters = { clusters: [{ name: 'dev', labels: { env: 'dev' } }], groups: [] };
const hookJob = (name: string, hook: string, namespace?: string) =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}  annotations: {helm.sh/hook: ${hook}}\nspec: {template: {spec: {restartPolicy: Never, containers: [{name: c, image: "busybox:1.36"}]}}}\n`;
const chartYaml = 'apiVersion: v2\nname: web\nversion: 0.1.0\n';

async function rendered(files: Record<string, string>): Promise<Map<string, { env: Environment; objects: RenderedObject[] }>> {
  const root = await makeTree(files);
  const { environments } = await discoverEnvironments(root, { clusters });
  const out = new Map<string, { env: Environment; objects: RenderedObject[] }>();
  for (const env of environments) {
    const result = await renderEnvironment(root, env);
    if (!result.ok) throw new Error(`${env.name}: ${result.error.message}`);
    out.set(env.name, { env, objects: result.objects });
  }
  return out;
}

const hooksOf = ({ env, objects }: { env: Environment; objects: RenderedObject[] }) =>
  (syncPlanOf({ ...env, apply: { ...env.apply, helmRelease: 'install' } }, objects)?.hooks ?? []).map((h) => `${h.phase} ${h.kind}/${h.name}`);
const placed = (objects: RenderedObject[]) => objects.map((o) => `${o.object.kind}/${o.object.metadata?.namespace ?? ''}/${o.object.metadata?.name}`).sort();

describe('Fleet bundles: Helm hooks only where the agent\'s Helm reads them', () => {
  it('reads helm.sh/hook on chart templates only: a kustomize bundle\'s templates/ folder and a raw bundle\'s plain files are objects of the release', async () => {
    const envs = await rendered({
      // kustomize: Fleet's chart for it has no templates; the kustomize build is post-rendered.
      'kust/fleet.yaml': 'defaultNamespace: k\n',
      'kust/kustomization.yaml': 'resources: [templates/job.yaml]\n',
      'kust/templates/job.yaml': hookJob('kust-migrate', 'pre-install'),
      // raw YAML: templates/ is the chart Fleet writes; other files are post-rendered.
      'raw/fleet.yaml': 'defaultNamespace: r\n',
      'raw/templates/seed.yaml': hookJob('raw-seed', 'pre-install'),
      'raw/job.yaml': hookJob('raw-plain', 'pre-install'),
      // a chart: its templates (and unpacked subcharts'), not its crds/ (Helm 3 installs those apart, whatever they say).
      'chart/fleet.yaml': 'defaultNamespace: c\nhelm:\n  chart: ./web\n',
      'chart/web/Chart.yaml': chartYaml,
      'chart/web/templates/job.yaml': hookJob('chart-migrate', 'pre-install'),
      'chart/web/charts/db/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 0.1.0\n',
      'chart/web/charts/db/templates/job.yaml': hookJob('db-migrate', 'post-install'),
      'chart/web/crds/crd.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.acme.io\n  annotations: {helm.sh/hook: crd-install}\nspec:\n  group: acme.io\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n',
    });
    const kust = envs.get('kust@dev')!;
    expect(placed(kust.objects)).toEqual(['Job/k/kust-migrate']);
    expect(hooksOf(kust)).toEqual([]);
    expect(hooksOf(envs.get('raw@dev')!)).toEqual(['PreSync Job/raw-seed']);
    const chart = envs.get('chart@dev')!;
    expect(hooksOf(chart)).toEqual(['PreSync Job/chart-migrate', 'PostSync Job/db-migrate']);
    expect(syncPlanOf({ ...chart.env, apply: { helmRelease: 'install' } }, chart.objects)?.skipped).toEqual([]);
  });

  it('keeps hooks out of Fleet\'s post-render: `namespace` is forced on the release\'s objects only, a cluster-scoped hook is no error', async () => {
    const envs = await rendered({
      'raw/fleet.yaml': 'namespace: shop\n',
      'raw/templates/elsewhere.yaml': hookJob('elsewhere', 'pre-install', 'ops'),
      'raw/templates/here.yaml': hookJob('here', 'post-install'),
      'raw/templates/role.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: hook-role\n  annotations: {helm.sh/hook: pre-install}\nrules: []\n',
      'raw/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: templated, namespace: ops}\n',
      'raw/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain, namespace: ops}\n',
    });
    const raw = envs.get('raw@dev')!;
    // A hook keeps its own namespace, one without gets the release namespace (Helm's kube client), a
    // ClusterRole hook stays cluster-scoped; the release's objects, templated or not, are moved to `namespace`.
    expect(placed(raw.objects)).toEqual(['ClusterRole//hook-role', 'ConfigMap/shop/plain', 'ConfigMap/shop/templated', 'Job/ops/elsewhere', 'Job/shop/here']);
    expect(hooksOf(raw)).toEqual(['PreSync ClusterRole/hook-role', 'PreSync Job/elsewhere', 'PostSync Job/here']);
  });

  it('keeps a chart\'s crds/ out of Fleet\'s post-render too: a CRD there is no error under `namespace`', async () => {
    // Helm 3's install creates crds/ before the release and leaves them out of the post-rendered manifest
    // (pkg/action/action.go renderResources: CRDObjects only with IncludeCRDs, which the agent never sets).
    const envs = await rendered({
      'chart/fleet.yaml': 'namespace: shop\nhelm:\n  chart: ./web\n',
      'chart/web/Chart.yaml': chartYaml,
      'chart/web/crds/crd.yaml': 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.acme.io}\nspec:\n  group: acme.io\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]\n',
      'chart/web/templates/widget.yaml': 'apiVersion: acme.io/v1\nkind: Widget\nmetadata: {name: w, namespace: ops}\n',
    });
    expect(placed(envs.get('chart@dev')!.objects)).toEqual(['CustomResourceDefinition//widgets.acme.io', 'Widget/shop/w']);
  });
});

describe('Fleet bundles: a local chart with the values the agent gives it', () => {
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata:\n  greeting: {{ .Values.greeting | default "unset" | quote }}\n  replicas: {{ .Values.replicas | default "unset" | quote }}\n';
  const chartAt = (dir: string) => ({ [`${dir}/Chart.yaml`]: chartYaml, [`${dir}/values.yaml`]: 'greeting: default\nreplicas: "1"\n', [`${dir}/templates/cm.yaml`]: cm });
  const dataOf = (objects: RenderedObject[]) => objects.filter((o) => o.object.kind === 'ConfigMap').map((o) => o.object.data);

  it('coalesces the chart\'s values.yaml under helm.values and a values file at the chart root', async () => {
    const envs = await rendered({
      ...chartAt('inline'),
      'inline/fleet.yaml': 'helm:\n  values: {greeting: inline}\n',
      ...chartAt('root'),
      'root/fleet.yaml': 'helm:\n  chart: .\n  values: {greeting: inline}\n  valuesFiles: [values-prod.yaml]\n',
      'root/values-prod.yaml': 'greeting: prod\n',
      ...chartAt('sub/chart'),
      'sub/fleet.yaml': 'helm:\n  chart: chart\n  valuesFiles: [chart/values-prod.yaml]\n',
      'sub/chart/values-prod.yaml': 'greeting: prod\n',
    });
    expect(dataOf(envs.get('inline@dev')!.objects)).toEqual([{ greeting: 'inline', replicas: '1' }]);
    expect(dataOf(envs.get('root@dev')!.objects)).toEqual([{ greeting: 'prod', replicas: '1' }]);
    expect(dataOf(envs.get('sub@dev')!.objects)).toEqual([{ greeting: 'prod', replicas: '1' }]);
  });

  it('renders the chart as the bundle holds it: a file Fleet leaves out of the bundle is not in the chart', async () => {
    const envs = await rendered({
      // valuesFiles leave out their base name at the top of the bundle too (rancher/fleet#3956
      // ignoreApplyConfigs): the chart at the bundle root loses its own values.yaml.
      ...chartAt('shared'),
      'shared/fleet.yaml': 'helm:\n  chart: .\n  valuesFiles: [env/values.yaml]\n',
      'shared/env/values.yaml': 'greeting: prod\n',
      // .fleetignore leaves a template out.
      ...chartAt('ignored'),
      'ignored/fleet.yaml': 'helm:\n  chart: .\n',
      'ignored/.fleetignore': 'debug.yaml\n',
      'ignored/templates/debug.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: debug}\n',
    });
    expect(dataOf(envs.get('shared@dev')!.objects)).toEqual([{ greeting: 'prod', replicas: 'unset' }]);
    const ignored = envs.get('ignored@dev')!.objects;
    expect(placed(ignored)).toEqual(['ConfigMap/default/web']);
    expect(ignored[0].source?.file).toBe('ignored/templates/cm.yaml');
  });
});
