// Validation findings keep file and line through kustomize, as they do for a plain folder: a field written in
// a resource file is found there even though kustomize changed the object (namespace, labels, prefix); a
// field a patch set is found in that patch (a patch file, a JSON 6902 operation, an inline patch).
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidationFinding } from '../../src/model/validation.ts';
import { planChange } from '../../src/plan/plan.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const files: Record<string, string> = {
  'apps/base/kustomization.yaml': 'resources:\n  - deployment.yaml\n  - service.yaml\n',
  'apps/base/deployment.yaml': [
    'apiVersion: apps/v1', //             1
    'kind: Deployment', //                2
    'metadata:', //                       3
    '  name: api', //                     4
    'spec:', //                           5
    '  replicas: 1', //                   6
    '  selector:', //                     7
    '    matchLabels: {app: api}', //     8
    '  template:', //                     9
    '    metadata:', //                  10
    '      labels: {app: api}', //       11
    '    spec:', //                      12
    '      containers:', //              13
    '        - name: api', //            14
    '          image: nginx:1.27', //    15
    '          bogusInSource: 1', //     16
    '',
  ].join('\n'),
  'apps/base/service.yaml': [
    '# the api service', //               1
    'apiVersion: v1', //                  2
    'kind: Service', //                   3
    'metadata:', //                       4
    '  name: api', //                     5
    'spec:', //                           6
    '  selector: {app: api}', //          7
    '  ports:', //                        8
    '    - port: 80', //                  9
    '      protocool: TCP', //           10
    '',
  ].join('\n'),
  'clusters/prod/kustomization.yaml': [
    'namespace: shop', //                                 1
    'namePrefix: prod-', //                               2
    'commonLabels: {team: api}', //                       3
    'resources:', //                                      4
    '  - ../../apps/base', //                             5
    'patches:', //                                        6
    '  - path: sidecar.yaml', //                          7
    '  - path: ops.yaml', //                              8
    '    target: {kind: Deployment, name: api}', //       9
    '  - target: {kind: Service}', //                    10
    '    patch: |', //                                   11
    '      apiVersion: v1', //                           12
    '      kind: Service', //                            13
    '      metadata:', //                                14
    '        name: any', //                              15
    '      spec:', //                                    16
    '        bogusInline: yes', //                       17
    '',
  ].join('\n'),
  // A strategic merge patch listing a new container first: kustomize renders `proxy` as item 0 and `api` as
  // item 1, so the finding's path (`containers/1/…`) is followed by container name in the source file.
  'clusters/prod/sidecar.yaml': [
    'apiVersion: apps/v1', //             1
    'kind: Deployment', //                2
    'metadata:', //                       3
    '  name: api', //                     4
    'spec:', //                           5
    '  template:', //                     6
    '    spec:', //                       7
    '      containers:', //               8
    '        - name: proxy', //           9
    '          image: envoy:1.31', //    10
    '        - name: api', //            11
    '          bogusInPatch: 2', //      12
    '',
  ].join('\n'),
  'clusters/prod/ops.yaml': [
    '- op: replace', //                               1
    '  path: /spec/replicas', //                      2
    '  value: 3', //                                  3
    '- op: add', //                                   4
    '  path: /spec/template/spec/bogusInOperation', // 5
    '  value: {x: 1}', //                             6
    '',
  ].join('\n'),
};

let repo: GitRepoBuilder;
let findings: ValidationFinding[];

beforeAll(async () => {
  repo = await makeGitRepo();
  await repo.write('README.md', 'api\n');
  await repo.commit('empty');
  for (const [path, text] of Object.entries(files)) await repo.write(path, text);
  await repo.commit('prod overlay');
  const plan = await planChange({ repoDir: repo.dir, base: 'HEAD~1', head: 'HEAD' });
  const env = plan.environments.find((e) => e.name === 'prod')!;
  expect(env.render).toMatchObject({ objects: 2 });
  findings = [...env.validation.errors, ...env.validation.warnings];
}, 120_000);
afterAll(async () => {
  if (repo) await rm(repo.dir, { recursive: true, force: true });
});

const at = (field: string) => {
  const found = findings.filter((f) => f.path.endsWith(`/${field}`));
  expect(found, `one finding on ${field} in ${JSON.stringify(findings)}`).toHaveLength(1);
  return `${found[0].file}:${found[0].line}`;
};

describe('finding lines through kustomize', () => {
  it('points at the field in the resource file of an object kustomize re-namespaced, prefixed, labelled and patched', () => {
    expect(at('bogusInSource')).toBe('apps/base/deployment.yaml:16');
    expect(findings.find((f) => f.path.endsWith('/bogusInSource'))?.path).toBe('/spec/template/spec/containers/1/bogusInSource');
    expect(at('protocool')).toBe('apps/base/service.yaml:10');
  });

  it('points at the field in the strategic merge patch that set it', () => {
    expect(at('bogusInPatch')).toBe('clusters/prod/sidecar.yaml:12');
  });

  it('points at the JSON 6902 operation that added the field', () => {
    expect(at('bogusInOperation')).toBe('clusters/prod/ops.yaml:6');
  });

  it('points into an inline patch of the kustomization', () => {
    expect(at('bogusInline')).toBe('clusters/prod/kustomization.yaml:17');
  });
});
