import { describe, expect, it } from 'vitest';
import { collectInputs, isInput } from '../../src/discover/index.ts';
import { BosunError } from '../../src/model/errors.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import type { Files } from '../git/temp-repo.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();
const env = environment({ name: 'x', path: 'apps/x' });
const remote = /remote references are not followed; vendor it into the repository/;
const absolute = /is an absolute path/;

interface Case {
  name: string;
  kustomization: string;
  files?: Files;
  file?: string;
  line: number;
  field: string;
  message: RegExp;
  /**
   * Only the renderer refuses it. Affected detection keeps a remote chart or a remote base (Argo CD and Flux
   * fetch both): its input is the kustomization naming it, so the environment is analysed, not failed.
   */
  rendererOnly?: boolean;
}

const cases: Case[] = [
  { name: 'an http resource', kustomization: 'resources:\n  - https://raw.githubusercontent.com/acme/x/main/cm.yaml\n', line: 2, field: 'resources[0]', message: remote, rendererOnly: true },
  { name: 'a git:: base', kustomization: 'resources:\n  - git::https://github.com/acme/x//deploy?ref=v1\n', line: 2, field: 'resources[0]', message: remote, rendererOnly: true },
  { name: 'a github.com base under bases', kustomization: 'bases:\n  - github.com/acme/x/deploy?ref=v1\n', line: 2, field: 'bases[0]', message: remote, rendererOnly: true },
  { name: 'a git repository on disk', kustomization: 'resources:\n  - ok.yaml\n  - git::file:///srv/git/secrets.git\n', files: { 'apps/x/ok.yaml': 'a: 1\n' }, line: 3, field: 'resources[1]', message: remote, rendererOnly: true },
  { name: 'a file:// resource', kustomization: 'resources:\n  - file:///etc\n', line: 2, field: 'resources[0]', message: remote, rendererOnly: true },
  { name: 'an oci:// component', kustomization: 'components:\n  - oci://registry.example.com/components/tls\n', line: 2, field: 'components[0]', message: remote, rendererOnly: true },
  { name: 'a host/org/repo that is not in the repository', kustomization: 'resources:\n  - gitlab.example.com/org/repo/deploy\n', line: 2, field: 'resources[0]', message: remote, rendererOnly: true },
  { name: 'an absolute resource', kustomization: 'resources:\n  - /etc/kubernetes/manifests\n', line: 2, field: 'resources[0]', message: absolute },
  {
    name: 'generator files given as a URL (SSRF)',
    kustomization: 'configMapGenerator:\n  - name: c\n    files:\n      - meta=http://169.254.169.254/latest/meta-data/\n',
    line: 4, field: 'configMapGenerator[0].files[0]', message: remote,
  },
  { name: 'generator envs given as a URL', kustomization: 'secretGenerator:\n  - name: s\n    envs: [https://example.com/app.env]\n', line: 3, field: 'secretGenerator[0].envs[0]', message: remote },
  { name: 'an absolute generator file', kustomization: 'configMapGenerator:\n  - name: c\n    files: [/etc/passwd]\n', line: 3, field: 'configMapGenerator[0].files[0]', message: absolute },
  {
    name: 'an inline ConfigMapGenerator reading /etc/passwd',
    kustomization: [
      'generators:',
      '  - |-',
      '    apiVersion: builtin',
      '    kind: ConfigMapGenerator',
      '    metadata: {name: leak}',
      '    files: [/etc/passwd, e=/proc/1/environ]',
      '',
    ].join('\n'),
    line: 6, field: 'generators[0].files[0]', message: absolute,
  },
  {
    name: 'an inline generator written on one line',
    kustomization: 'generators:\n  - "{apiVersion: builtin, kind: ConfigMapGenerator, metadata: {name: l}, files: [h=/etc/hostname]}"\n',
    line: 2, field: 'generators[0].files[0]', message: absolute,
  },
  {
    name: 'an inline PatchTransformer with an absolute path',
    kustomization: 'resources: []\ntransformers:\n  - |\n    apiVersion: builtin\n    kind: PatchTransformer\n    metadata: {name: p}\n    path: /etc/kubernetes/admin.conf\n    target: {kind: Deployment}\n',
    line: 7, field: 'transformers[0].path', message: absolute,
  },
  {
    name: 'an inline HelmChartInflationGenerator pulling a remote chart',
    kustomization: 'generators:\n  - |\n    apiVersion: builtin\n    kind: HelmChartInflationGenerator\n    metadata: {name: h}\n    name: redis\n    repo: https://charts.example.com\n',
    // Affected detection keeps a remote chart (its input is the kustomization naming it): the renderer
    // fetches it through the chart fetcher, or refuses it without one (render/kustomize-charts.ts).
    line: 6, field: 'generators[0].name', message: /not vendored.*remote references are not followed/, rendererOnly: true,
  },
  {
    name: 'the deprecated helmChartInflationGenerator pulling a remote chart',
    kustomization: 'helmChartInflationGenerator:\n  - chartName: redis\n    chartRepoUrl: https://charts.example.com\n    releaseName: redis\n',
    line: 2, field: 'helmChartInflationGenerator[0].chartName', message: /not vendored/, rendererOnly: true,
  },
  {
    name: 'a helm configuration home from the repository',
    kustomization: 'helmGlobals:\n  configHome: helm-home\n',
    line: 2, field: 'helmGlobals.configHome', message: /bosun runs helm with its own configuration/,
  },
  { name: 'an openapi schema URL', kustomization: 'openapi:\n  path: https://example.com/openapi.json\n', line: 2, field: 'openapi.path', message: remote },
  { name: 'a configurations URL', kustomization: 'configurations:\n  - https://example.com/config.yaml\n', line: 2, field: 'configurations[0]', message: remote },
  { name: 'an absolute CRD file', kustomization: 'crds:\n  - /etc/crd.yaml\n', line: 2, field: 'crds[0]', message: absolute },
  { name: 'a strategic merge patch URL', kustomization: 'patchesStrategicMerge:\n  - https://example.com/patch.yaml\n', line: 2, field: 'patchesStrategicMerge[0]', message: remote },
  { name: 'a patch file URL', kustomization: 'patches:\n  - path: https://example.com/patch.yaml\n', line: 2, field: 'patches[0].path', message: remote },
  {
    name: 'a replacement source file outside the repository',
    kustomization: 'replacements:\n  - path: ../../../../../../etc/replacement.yaml\n',
    line: 2, field: 'replacements[0].path', message: /escapes the repository/,
  },
  {
    name: 'a generator config file that reads an absolute path',
    kustomization: 'generators:\n  - gen.yaml\n',
    files: { 'apps/x/gen.yaml': 'apiVersion: builtin\nkind: ConfigMapGenerator\nmetadata:\n  name: leak\nfiles:\n  - /etc/shadow\n' },
    file: 'apps/x/gen.yaml', line: 6, field: 'files[0]', message: absolute,
  },
  {
    name: 'plugin configs in a folder that read outside the repository',
    kustomization: 'resources: [plugins]\ntransformers: [plugins]\n',
    files: {
      'apps/x/plugins/kustomization.yaml': 'resources: [patch.yaml]\n',
      'apps/x/plugins/patch.yaml': 'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: /root/.kube/config\n',
    },
    file: 'apps/x/plugins/patch.yaml', line: 5, field: 'path', message: absolute,
  },
];

describe('references a kustomization makes outside the repository', () => {
  for (const c of cases) {
    it(`refuses ${c.name}, naming file, line and field, in the renderer${c.rendererOnly ? '' : ' and in affected detection'}`, async () => {
      const root = await repo({ 'apps/x/kustomization.yaml': c.kustomization, ...c.files });
      const expected = { file: c.file ?? 'apps/x/kustomization.yaml', line: c.line, field: c.field };
      const outcome = await renderEnvironment(root, env);
      expect(outcome).toMatchObject({ ok: false, error: expected });
      expect(!outcome.ok && outcome.error.message).toMatch(c.message);
      if (c.rendererOnly) {
        const inputs = await collectInputs(root, env);
        expect(isInput(inputs, 'apps/x/kustomization.yaml')).toBe(true);
        expect(inputs.unsure).toBeUndefined();
        return;
      }
      const walked = await collectInputs(root, env).then(() => undefined, (e: unknown) => e);
      expect(walked).toBeInstanceOf(BosunError);
      expect((walked as BosunError).toProblem()).toMatchObject(expected);
      expect((walked as BosunError).message).toMatch(c.message);
    });
  }

  it('still renders local references and inline generators reading local files', async () => {
    const root = await repo({
      'apps/x/kustomization.yaml': [
        'resources: [cm.yaml]',
        'generators:',
        '  - |-',
        '    apiVersion: builtin',
        '    kind: ConfigMapGenerator',
        '    metadata: {name: inline}',
        '    files: [settings.txt]',
        '',
      ].join('\n'),
      'apps/x/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n',
      'apps/x/settings.txt': 'mode=prod\n',
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok && outcome.objects.map((o) => o.object.metadata?.name).sort()).toEqual([expect.stringMatching(/^inline-/), 'plain']);
    const inputs = await collectInputs(root, env);
    expect(inputs.files).toEqual(expect.arrayContaining(['apps/x/cm.yaml', 'apps/x/settings.txt']));
  });
});
