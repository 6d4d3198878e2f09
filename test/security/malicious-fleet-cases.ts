// Malicious pull requests against a Rancher Fleet layout (issue #10, issue #13): a bundle's fleet.yaml
// reaching outside the repository (helm.valuesFiles, helm.chart, kustomize.dir, fleet.yaml itself a
// symlink), chart sources on loopback and cloud-metadata addresses (SSRF), and diff.comparePatches that
// are not what Fleet reads. Declared like malicious-cases.ts; run by malicious-fleet-plan.test.ts.
//
// Fleet bundles need a cluster registry: without one no bundle has a target cluster, nothing is
// rendered, and every case would only say "no target cluster" (the render paths these cases attack would
// never run). `fleetClusters` is the registry the operator gives bosun (`--clusters`, BOSUN_CLUSTERS): one
// cluster with labels only — planned for, never connected to. The bundles set no targets, so they go to
// Fleet's `default` cluster group, which the registry does not define: bosun takes every registered cluster.
import type { Canaries } from './canaries.ts';
import { repoUrl, type MaliciousCase } from './malicious-cases.ts';

/** The cluster registry file the Fleet cases are planned with. */
export const fleetClusters = 'clusters:\n  downstream:\n    labels: {env: dev}\n';

const fy = 'fleet/web/fleet.yaml';
const chart: Record<string, string> = {
  'fleet/web/chart/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 0.1.0\n',
  'fleet/web/chart/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata:\n  greeting: {{ .Values.greeting | default "hi" | quote }}\n',
};
/** A bundle whose chart is in its folder, with more of fleet.yaml's `helm` (`helm`) and top level (`top`). */
const bundle = (helm: string, top = ''): Record<string, string> => ({ ...chart, [fy]: `defaultNamespace: web\nhelm:\n  releaseName: web\n${helm}${top}` });
/** A bundle whose chart comes from elsewhere (no chart in the folder). */
const remoteBundle = (helm: string): Record<string, string> => ({ [fy]: `defaultNamespace: web\nhelm:\n  releaseName: web\n${helm}` });
const climb = '../../../../../../../../..';

export function maliciousFleetCases(c: Canaries): MaliciousCase[] {
  return [
    // ── files outside the repository ───────────────────────────────────────────────────────────────
    {
      id: 'fleet-values-file-escape', title: 'fleet.yaml helm.valuesFiles climbing out of the repository',
      files: bundle(`  chart: ./chart\n  valuesFiles:\n    - ${climb}${c.dir}/cm.yaml\n`),
      expect: { file: fy, field: /helm\.valuesFiles\[0\]/, message: /leaves the repository/ },
    },
    {
      id: 'fleet-values-file-absolute', title: 'fleet.yaml helm.valuesFiles as an absolute path (Fleet reads it inside the bundle folder)',
      files: bundle(`  chart: ./chart\n  valuesFiles: ["${c.dir}/cm.yaml"]\n`),
      expect: { file: fy, field: /helm\.valuesFiles\[0\]/, message: /cannot be read \(ENOENT\)/ },
    },
    {
      id: 'fleet-values-file-symlink', title: 'a target customization\'s values file that is a symlink out of the repository',
      files: { ...bundle('  chart: ./chart\n', 'targetCustomizations:\n  - name: all\n    clusterSelector: {}\n    helm:\n      valuesFiles: [prod.yaml]\n'), 'fleet/web/prod.yaml': { symlink: `${c.dir}/cm.yaml` } } as MaliciousCase['files'],
      expect: { file: fy, field: /targetCustomizations\[0\]\.helm\.valuesFiles\[0\]/, message: /symlink that points outside the repository/ },
    },
    {
      id: 'fleet-chart-escape', title: 'fleet.yaml helm.chart as a local path out of the repository',
      files: remoteBundle(`  chart: ${climb}${c.dir}\n`),
      expect: { file: fy, field: /helm\.chart/, message: /leaves the repository/ },
    },
    {
      id: 'fleet-chart-symlink', title: 'fleet.yaml helm.chart a folder that is a symlink out of the repository',
      files: { ...remoteBundle('  chart: ./chart\n'), 'fleet/web/chart': { symlink: c.dir } } as MaliciousCase['files'],
      expect: { file: fy, field: /helm\.chart/, message: /symlink that points outside the repository/ },
    },
    {
      id: 'fleet-kustomize-dir-escape', title: 'fleet.yaml kustomize.dir out of the repository (a kustomization there)',
      files: { [fy]: `defaultNamespace: web\nkustomize:\n  dir: ${climb}${c.otherRepo}\n`, 'fleet/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: b}\n' },
      expect: { file: fy, field: /kustomize\.dir/, message: /leaves the repository/ },
    },
    {
      id: 'fleet-yaml-symlink', title: 'fleet.yaml itself a symlink to a file outside the repository',
      files: { 'fleet/web/fleet.yaml': { symlink: `${c.dir}/cm.yaml` }, 'fleet/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: b}\n' } as MaliciousCase['files'],
      expect: { file: fy, message: /symlink that points outside the repository/, note: true },
    },
    {
      id: 'fleet-gitrepo-yaml-symlink', title: 'a bundle under a GitRepo\'s paths whose fleet.yaml is a symlink out of the repository',
      files: {
        'fleet/gitrepo.yaml': `apiVersion: fleet.cattle.io/v1alpha1\nkind: GitRepo\nmetadata: {name: apps, namespace: fleet-local}\nspec:\n  repo: ${repoUrl}\n  branch: main\n  paths: [fleet]\n`,
        'fleet/web/fleet.yaml': { symlink: `${c.dir}/cm.yaml` },
        'fleet/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {a: b}\n',
      } as MaliciousCase['files'],
      expect: { file: fy, message: /symlink that points outside the repository/, note: true },
    },
    // ── the network: chart sources the pull request names ───────────────────────────────────────────
    {
      id: 'fleet-helm-repo-loopback', title: 'fleet.yaml helm.repo on the machine\'s loopback listener',
      files: remoteBundle(`  repo: ${c.url}/charts\n  chart: web\n  version: 0.1.0\n`),
      expect: { file: fy, message: /not fetched|not previewed/, note: true },
    },
    {
      id: 'fleet-helm-repo-metadata', title: 'fleet.yaml helm.repo at the cloud metadata address',
      files: remoteBundle('  repo: http://169.254.169.254/latest/meta-data\n  chart: web\n'),
      expect: { file: fy, message: /not fetched|not previewed/, note: true },
    },
    {
      id: 'fleet-chart-url-loopback', title: 'fleet.yaml helm.chart as a URL on the loopback listener',
      files: remoteBundle(`  chart: ${c.url}/web-0.1.0.tgz\n`),
      expect: { file: fy, message: /remote charts are not previewed/, note: true },
    },
    {
      id: 'fleet-chart-oci-metadata', title: 'fleet.yaml helm.chart as an OCI reference to the cloud metadata address',
      files: remoteBundle('  chart: oci://169.254.169.254/charts/web\n  version: 1.0.0\n'),
      expect: { file: fy, message: /not fetched|not previewed/, note: true },
    },
    // ── resource bombs ──────────────────────────────────────────────────────────────────────────────
    {
      // The templates/ of a raw bundle go through helm, read as they stream: stopped at the first object over the limit.
      id: 'fleet-templates-object-bomb', title: 'a raw bundle\'s templates/ printing more objects than an environment may have',
      files: { [fy]: 'defaultNamespace: web\nhelm:\n  releaseName: web\n', 'fleet/web/templates/cms.yaml': '{{- range until 30000 }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb-{{ . }}\n{{- end }}\n' },
      expect: { file: fy, message: /renders more than 20,000 objects \(the render was stopped at object 20,001\)/ },
    },
    // ── odd input ───────────────────────────────────────────────────────────────────────────────────
    {
      id: 'fleet-compare-patches-odd', title: 'diff.comparePatches with a file path for a pointer, an option for an op, and an entry that is no mapping',
      files: bundle('  chart: ./chart\n', `diff:\n  comparePatches:\n    - apiVersion: v1\n      kind: ConfigMap\n      name: web\n      jsonPointers: ["${c.dir}/secret.txt"]\n      operations:\n        - {op: "--post-renderer=${c.evil}", path: "${c.dir}/secret.txt"}\n    - "${c.dir}/secret.txt"\n`),
      expect: { file: fy, field: /diff\.comparePatches\[1\]/, message: /must be a mapping/ },
    },
  ];
}
