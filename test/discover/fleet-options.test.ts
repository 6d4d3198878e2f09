import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BosunError } from '../../src/model/errors.ts';
import { parseFleetYaml } from '../../src/discover/fleet-yaml.ts';
import { baseOptions, mergeOptions, valuesWithFiles } from '../../src/discover/fleet-options.ts';
import { valuesForCluster } from '../../src/discover/fleet-values.ts';

function thrown(fn: () => unknown): BosunError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(BosunError);
    return e as BosunError;
  }
  throw new Error('expected an error');
}

describe('fleet.yaml', () => {
  it('reads the options, targets and customizations Fleet reads, naming unnamed targets by position', () => {
    const fy = parseFleetYaml([
      'defaultNamespace: web',
      'helm:',
      '  releaseName: web',
      '  values: { replicas: 1 }',
      'paused: true',
      'dependsOn:',
      '  - name: one-infra',
      '  - selector: { matchLabels: { app: db } }',
      'targetCustomizations:',
      '  - clusterSelector: { matchLabels: { env: prod } }',
      '    helm: { values: { replicas: 3 } }',
      '  - name: dev',
      '    clusterName: dev',
      '    yaml: { overlays: [small] }',
      '    doNotDeploy: false',
      '',
    ].join('\n'), 'apps/web/fleet.yaml');
    expect(fy.options.defaultNamespace).toBe('web');
    expect(fy.options.helm).toMatchObject({ releaseName: 'web', values: { replicas: 1 }, valuesFiles: [] });
    expect(fy.paused).toBe(true);
    expect(fy.dependsOn).toEqual([{ name: 'one-infra', line: 7 }, { selector: { matchLabels: { app: 'db' } }, line: 8 }]);
    expect(fy.targetCustomizations.map((t) => t.name)).toEqual(['target000', 'dev']);
    expect(fy.targetCustomizations[0].clusterSelector).toEqual({ matchLabels: { env: 'prod' } });
    expect(fy.targetCustomizations[1].options.overlays).toEqual(['small']);
    expect(fy.unmodelled).toEqual([]);
  });

  it('lists what Fleet has and bosun does not model, and fields Fleet would silently ignore, with their lines', () => {
    const fy = parseFleetYaml('rolloutStrategy:\n  maxUnavailable: 10%\nhelm:\n  atomic: true\n  relaseName: typo\ntargetCustomisations: []\n', 'f/fleet.yaml');
    expect(fy.unmodelled).toEqual([
      { field: 'rolloutStrategy', line: 1, why: expect.stringContaining('rollout partitions') },
      { field: 'targetCustomisations', line: 6, why: expect.stringContaining('a typo?') },
      { field: 'helm.atomic', line: 4, why: expect.stringContaining('prunes nothing after it') },
      { field: 'helm.relaseName', line: 5, why: expect.stringContaining('a typo?') },
    ]);
  });

  it('refuses a value of the wrong type at its line, as Fleet cannot unmarshal it', () => {
    const error = thrown(() => parseFleetYaml('targetCustomizations:\n  - name: prod\n    clusterSelector:\n      matchLabels: [env]\n', 'a/fleet.yaml'));
    expect(error).toMatchObject({ kind: 'config', file: 'a/fleet.yaml', line: 3, field: 'targetCustomizations[0].clusterSelector', message: 'matchLabels must be a map of label names to values' });
    expect(thrown(() => parseFleetYaml('paused: "yes"\n', 'a/fleet.yaml'))).toMatchObject({ line: 1, field: 'paused', message: 'paused must be true or false' });
    expect(thrown(() => parseFleetYaml('dependsOn:\n  - {}\n', 'a/fleet.yaml')).message).toBe('a dependsOn entry needs a name or a selector');
  });
});

describe('Fleet options for one cluster', () => {
  it('merges a customization over the bundle as Fleet does: values key by key, overlays appended, strings replaced', () => {
    const fy = parseFleetYaml([
      'namespace: web',
      'helm: { values: { image: { repository: web, tag: "1" }, replicas: 1 } }',
      'yaml: { overlays: [base] }',
      'targetCustomizations:',
      '  - name: prod',
      '    clusterName: prod',
      '    namespace: web-prod',
      '    helm: { values: { image: { tag: "2" } }, releaseName: web-prod }',
      '    yaml: { overlays: [prod] }',
      '    keepResources: true',
      '',
    ].join('\n'), 'fleet.yaml');
    const noFiles = () => ({});
    const base = baseOptions(fy.options, (h) => h.values ?? {});
    const merged = mergeOptions(base, fy.targetCustomizations[0].options, (h) => h.values ?? noFiles());
    expect(merged).toMatchObject({
      namespace: 'web-prod',
      overlays: ['base', 'prod'],
      keepResources: true,
      helm: { releaseName: 'web-prod', values: { image: { repository: 'web', tag: '2' }, replicas: 1 } },
    });
    // The bundle's own options are not changed by merging.
    expect(base.helm?.values).toEqual({ image: { repository: 'web', tag: '1' }, replicas: 1 });
  });

  it('merges valuesFiles over values in order, relative to the bundle folder, and names a missing one', () => {
    const root = mkdtempSync(join(tmpdir(), 'bosun-fleet-values-'));
    mkdirSync(join(root, 'apps/web'), { recursive: true });
    writeFileSync(join(root, 'apps/web/a.yaml'), 'replicas: 2\nimage: { tag: a }\n');
    writeFileSync(join(root, 'apps/web/b.yaml'), 'image: { tag: b }\n');
    const fy = parseFleetYaml('helm:\n  values: { replicas: 1, image: { repository: web } }\n  valuesFiles: [a.yaml, b.yaml]\n', 'apps/web/fleet.yaml');
    expect(valuesWithFiles(root, 'apps/web', fy.options.helm!, fy.options, fy.file)).toEqual({ replicas: 2, image: { repository: 'web', tag: 'b' } });
    const missing = parseFleetYaml('helm:\n  valuesFiles:\n    - nope.yaml\n', 'apps/web/fleet.yaml');
    expect(thrown(() => valuesWithFiles(root, 'apps/web', missing.options.helm!, missing.options, missing.file))).toMatchObject({ file: 'apps/web/fleet.yaml', line: 3, field: 'helm.valuesFiles[0]', message: expect.stringContaining('values file "nope.yaml" (apps/web/nope.yaml) cannot be read (ENOENT)') });
  });
});

describe('Fleet helm values templating', () => {
  const cluster = { name: 'prod-eu', labels: { env: 'prod', region: 'eu', replicas: '3' } };

  it('fills global.fleet.clusterLabels references and ${ } templates from the cluster', () => {
    const out = valuesForCluster({
      region: 'global.fleet.clusterLabels.region',
      missing: 'global.fleet.clusterLabels.zone',
      name: '${ .ClusterName }',
      host: 'web.${ .ClusterLabels.region }.example.com',
      replicas: '${ .ClusterLabels.replicas }',
      quoted: '${ index .ClusterLabels "replicas" | quote }',
      upper: '${ .ClusterLabels.env | upper }',
      '${ .ClusterLabels.env }': { enabled: true },
      list: [{ region: 'global.fleet.clusterLabels.region' }],
    }, cluster);
    expect(out).toEqual({ ok: true, values: { region: 'eu', missing: '', name: 'prod-eu', host: 'web.eu.example.com', replicas: 3, quoted: '3', upper: 'PROD', prod: { enabled: true }, list: [{ region: 'eu' }] } });
  });

  it('leaves values alone for a cluster without labels, or with disablePreProcess, as Fleet does', () => {
    expect(valuesForCluster({ name: '${ .ClusterName }' }, { name: 'bare', labels: {} })).toEqual({ ok: true, values: { name: '${ .ClusterName }' } });
    expect(valuesForCluster({ name: '${ .ClusterName }' }, cluster, { disablePreProcess: true })).toEqual({ ok: true, values: { name: '${ .ClusterName }' } });
  });

  it('fails on a label the cluster lacks and says what it does not evaluate', () => {
    expect(valuesForCluster({ zone: '${ .ClusterLabels.zone }' }, cluster)).toMatchObject({ ok: false, kind: 'error', message: expect.stringContaining('cluster prod-eu has no label "zone"') });
    expect(valuesForCluster({ v: '${ .ClusterValues.size }' }, cluster)).toMatchObject({ ok: false, kind: 'unsupported', message: expect.stringContaining('.ClusterValues, which the cluster registry does not hold') });
    expect(valuesForCluster({ v: '${ .ClusterName | b64enc }' }, cluster)).toMatchObject({ ok: false, kind: 'unsupported', message: expect.stringContaining('`b64enc`') });
  });
});
