import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderEnvironment } from '../../src/render/index.ts';
import { helmPath } from '../../src/util/tools.ts';
import { environment } from './environment.ts';
import { chartFiles, useTempRepos } from './fixtures.ts';

const repo = useTempRepos();
const run = promisify(execFile);
const helmEnv = environment({ name: 'web', source: 'argocd', path: 'charts/web', namespace: 'web', definedIn: { file: 'argocd/web.yaml', line: 3 } });
const remote = /remote references are not followed; vendor it into the repository/;

const schema = (ref: string, extra = '') => [
  '{',
  '  "$schema": "http://json-schema.org/draft-07/schema#",',
  `${extra}  "type": "object",`,
  '  "properties": {',
  '    "image": {',
  `      "$ref": ${JSON.stringify(ref)}`,
  '    }',
  '  },',
  '  "definitions": {"image": {"type": "string"}}',
  '}',
  '',
].join('\n');

describe('what a chart would make helm read outside the repository', () => {
  for (const [what, ref] of [
    ['a URL', 'https://schemas.example.com/image.json'],
    ['a file of the machine', 'file:///etc/passwd'],
    ['a file next to the schema', 'image.json#/definitions/image'],
  ]) {
    it(`refuses a values.schema.json $ref to ${what}, with file, line and field`, async () => {
      const root = await repo({ ...chartFiles('charts/web'), 'charts/web/values.schema.json': schema(ref) });
      const outcome = await renderEnvironment(root, helmEnv);
      expect(outcome).toMatchObject({ ok: false, error: { tool: 'helm', file: 'charts/web/values.schema.json', line: 6, field: 'properties.image.$ref' } });
      expect(!outcome.ok && outcome.error.message).toMatch(remote);
    });
  }

  it('renders a chart whose schema refers only inside itself, and refuses a meta-schema from elsewhere', async () => {
    const root = await repo({ ...chartFiles('charts/web'), 'charts/web/values.schema.json': schema('#/definitions/image') });
    expect((await renderEnvironment(root, helmEnv)).ok).toBe(true);

    const custom = await repo({
      ...chartFiles('charts/web'),
      'charts/web/values.schema.json': schema('#/definitions/image').replace('http://json-schema.org/draft-07/schema#', 'https://schemas.example.com/meta'),
    });
    expect(await renderEnvironment(custom, helmEnv)).toMatchObject({ ok: false, error: { file: 'charts/web/values.schema.json', line: 2, field: '$schema' } });
  });

  it('refuses a remote $ref in a vendored subchart folder and in a packed subchart', async () => {
    const deps = 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n';
    const sub = {
      'sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
      'sub/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n',
      'sub/values.schema.json': schema('https://schemas.example.com/image.json'),
    };
    const unpacked = await repo({
      ...chartFiles('charts/web'),
      'charts/web/Chart.yaml': deps,
      ...Object.fromEntries(Object.entries(sub).map(([k, v]) => [`charts/web/charts/${k}`, v])),
    });
    expect(await renderEnvironment(unpacked, helmEnv)).toMatchObject({ ok: false, error: { file: 'charts/web/charts/sub/values.schema.json', line: 6 } });

    // `helm package` writes the .tgz a `helm dependency build` would have vendored.
    const source = await repo(sub);
    const packed = await repo({ ...chartFiles('charts/web'), 'charts/web/Chart.yaml': deps });
    await run(helmPath(), ['package', join(source, 'sub'), `--destination=${join(packed, 'charts/web/charts')}`]);
    const outcome = await renderEnvironment(packed, helmEnv);
    expect(outcome).toMatchObject({ ok: false, error: { file: 'charts/web/charts/sub-0.1.0.tgz', field: 'sub/values.schema.json properties.image.$ref' } });
    expect(!outcome.ok && outcome.error.message).toMatch(remote);
  });

  it('refuses a symlink anywhere in the chart that points outside the repository (helm would follow it)', async () => {
    const outside = await repo({ kubeconfig: 'apiVersion: v1\nkind: Config\n' });
    const root = await repo({ ...chartFiles('charts/web'), 'charts/web/files/config': { symlink: join(outside, 'kubeconfig') } });
    const outcome = await renderEnvironment(root, helmEnv);
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'path', tool: 'helm', file: 'charts/web/files/config' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/symlink that points outside the repository/);

    const inside = await repo({ ...chartFiles('charts/web'), 'shared/extra.txt': 'x\n', 'charts/web/files/extra.txt': { symlink: '../../../shared/extra.txt' } });
    expect((await renderEnvironment(inside, helmEnv)).ok).toBe(true);
  });

  it('refuses a file:// dependency outside the repository, naming the Chart.yaml line', async () => {
    const root = await repo({
      ...chartFiles('charts/web'),
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n    repository: file://../../../../outside/sub\n',
      'charts/web/charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
    });
    const outcome = await renderEnvironment(root, helmEnv);
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'path', file: 'charts/web/Chart.yaml', line: 7, field: 'dependencies[0].repository' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/escapes the repository/);
  });

  it('checks a chart kustomize inflates the same way', async () => {
    const root = await repo({
      ...chartFiles('apps/x/charts/web'),
      'apps/x/charts/web/values.schema.json': schema('https://schemas.example.com/image.json'),
      'apps/x/kustomization.yaml': 'helmCharts:\n  - name: web\n    releaseName: web\n',
    });
    const outcome = await renderEnvironment(root, environment({ name: 'x', path: 'apps/x' }));
    expect(outcome).toMatchObject({ ok: false, error: { tool: 'kustomize', file: 'apps/x/charts/web/values.schema.json', line: 6, field: 'properties.image.$ref' } });
  });

  it('refuses a value file whose name helm would split at a comma into a file outside the repository', async () => {
    const root = await repo({ ...chartFiles('charts/web'), 'charts/web/v.yaml,/etc/passwd': 'a: 1\n' });
    const outcome = await renderEnvironment(root, environment({ ...helmEnv, helm: { valueFiles: ['v.yaml,/etc/passwd'] } }));
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'config', file: 'argocd/web.yaml', field: 'helm.valueFiles[0]' } });
    expect(!outcome.ok && outcome.error.message).toMatch(/comma/);
  });
});
