import { describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { makeTree, yaml } from './temp-tree.ts';

const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\n';

const config = yaml`
  version: 1
  defaults:
    kustomize: {commonLabels: {team: web}}
  environments:
    - name: plain
      path: apps/plain
      kustomize: {namePrefix: p-, namespace: forced}
    - name: kust
      path: apps/kust
      helm: {valueFiles: [values.yaml]}
      kustomize: {namePrefix: k-}
    - name: chart
      path: apps/chart
      helm: {valueFiles: [values-prod.yaml]}
`;

describe('.bosun.yaml options the environment\'s render cannot apply', () => {
  it('are said in a note naming the environment\'s line and the options, not dropped silently; options that fit, and those from defaults, are not', async () => {
    const root = await makeTree({
      '.bosun.yaml': config,
      'apps/plain/cm.yaml': cm,
      'apps/kust/kustomization.yaml': 'resources: [cm.yaml]\n',
      'apps/kust/cm.yaml': cm,
      'apps/chart/Chart.yaml': 'apiVersion: v2\nname: chart\nversion: 0.1.0\n',
      'apps/chart/values-prod.yaml': 'x: 1\n',
    });
    const { notes } = await discoverEnvironments(root);
    expect(notes.map((n) => ({ name: n.name, line: n.line, reason: n.reason }))).toEqual([
      { name: 'plain', line: 5, reason: expect.stringMatching(/^its `kustomize` options \(namespace, namePrefix\) are not applied: `apps\/plain` renders as a plain folder; .*add a kustomization\.yaml/) },
      { name: 'kust', line: 8, reason: expect.stringMatching(/^its `helm` options \(valueFiles\) are not applied: `apps\/kust` renders as a kustomization; /) },
    ]);
  });
});
