// Umbrella charts whose dependencies bosun puts under charts/ of a copy itself (render/helm-dependencies.ts,
// what `helm dependency build` does for Argo CD): that copy is made by bosun's own process, outside the
// render sandbox, so every name and path in Chart.yaml that reaches it is repository content to distrust.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { missingDependencies, withDependencies } from '../../src/render/helm-dependencies.ts';
import { makeTree } from '../discover/temp-tree.ts';

const sub = {
  'charts/sub/Chart.yaml': 'apiVersion: v2\nname: sub\nversion: 0.1.0\n',
  'charts/sub/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n',
};

function umbrella(dependencies: string): Record<string, string> {
  return {
    '.bosun.yaml': 'version: 1\nenvironments:\n  - name: app\n    path: charts/app\n    render: helm\n',
    'charts/app/Chart.yaml': `apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n${dependencies}`,
    'charts/app/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n',
    ...sub,
  };
}

async function render(files: Record<string, string>) {
  const root = await makeTree(files);
  const { environments } = await discoverEnvironments(root, {});
  const env = environments.find((e) => e.name === 'app');
  if (!env) throw new Error('no environment app');
  return renderEnvironment(root, env);
}

describe('umbrella chart dependencies copied by bosun', () => {
  let outside: string;
  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'bosun-outside-'));
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });

  it('a local dependency still renders (the control case)', async () => {
    const out = await render(umbrella('  - name: sub\n    version: 0.1.0\n    repository: file://../sub\n'));
    expect(out.ok ? out.objects.map((o) => o.object.metadata?.name).sort() : out.error.message).toEqual(['app', 'sub']);
  });

  it('101 dependencies to build are refused before any is copied (each copy is bosun\'s own disk)', async () => {
    const deps = Array.from({ length: 101 }, (_, i) => `  - name: sub${i}\n    version: 0.1.0\n    repository: file://../sub\n`).join('');
    const out = await render(umbrella(deps));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ file: 'charts/app/Chart.yaml', message: expect.stringMatching(/101 dependencies that are not vendored, more than the 100/) as unknown });
  });

  it('dependencies whose copies would pass the byte limit are refused before the copy', async () => {
    const root = await makeTree({ ...umbrella('  - name: a\n    repository: file://../sub\n  - name: b\n    repository: file://../sub\n'), 'charts/sub/big.txt': 'x'.repeat(4096) });
    const tmp = await mkdtemp(join(tmpdir(), 'bosun-deps-'));
    const missing = missingDependencies(root, 'charts/app', 'charts/app/Chart.yaml', { apiVersion: 'v2', dependencies: [{ name: 'a', repository: 'file://../sub' }, { name: 'b', repository: 'file://../sub' }] });
    const failed = await withDependencies({ root, chartRepo: 'charts/app', missing, charts: undefined, tmp, limits: { count: 100, bytes: 6000 } }).then(() => undefined, (e: unknown) => e);
    expect(failed).toMatchObject({ problem: { file: 'charts/app/Chart.yaml', message: expect.stringMatching(/more than .* MiB/) as unknown } });
    expect(existsSync(join(tmp, 'chart'))).toBe(false);
    await rm(tmp, { recursive: true, force: true });
  });

  it('a dependency name that climbs out of charts/ writes nothing outside, and is refused with the file and field', async () => {
    const target = join(outside, 'planted');
    const out = await render(umbrella(`  - name: "../../../../../../../../../../..${target}"\n    version: 0.1.0\n    repository: file://../sub\n`));
    expect(existsSync(target)).toBe(false);
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.error).toMatchObject({ file: 'charts/app/Chart.yaml', field: expect.stringMatching(/dependencies/) as unknown, message: expect.stringMatching(/name/) as unknown });
  });
});
