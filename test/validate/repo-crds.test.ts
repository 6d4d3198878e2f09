import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectRepoCrds } from '../../src/validate/index.ts';

const crd = (plural: string, group = 'example.com') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, kind: ${plural[0].toUpperCase()}${plural.slice(1, -1)} }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object } }
`;

describe('CRDs committed in the repository', () => {
  let root: string;
  let outside: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'bosun-repo-crds-'));
    outside = await mkdtemp(join(tmpdir(), 'bosun-outside-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  async function write(path: string, text: string): Promise<void> {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }

  it('finds CRDs in any YAML file, including multi-document files and a chart crds/ folder', async () => {
    await write('infra/crds/widgets.yaml', crd('widgets'));
    await write('infra/bundle.yml', `apiVersion: v1\nkind: Namespace\nmetadata: { name: infra }\n---\n${crd('gadgets')}`);
    await write('charts/thing/Chart.yaml', 'apiVersion: v2\nname: thing\nversion: 1.0.0\n');
    await write('charts/thing/crds/things.yaml', crd('things', 'example.org'));
    const names = (await collectRepoCrds(root)).map((c) => c.metadata?.name);
    expect(names.sort()).toEqual(['gadgets.example.com', 'things.example.org', 'widgets.example.com']);
  });

  it('skips Helm templates, node_modules, .git and symlinks, and tolerates files that do not parse', async () => {
    await write('infra/crds/widgets.yaml', crd('widgets'));
    await write('charts/thing/Chart.yaml', 'apiVersion: v2\nname: thing\nversion: 1.0.0\n');
    await write('charts/thing/templates/crd.yaml', crd('templated'));
    await write('charts/thing/templates/conditional.yaml', `{{- if .Values.crds }}\n${crd('conditional')}{{- end }}\n`);
    await write('node_modules/pkg/crd.yaml', crd('vendored'));
    await write('.git/crd.yaml', crd('gitinternal'));
    await write('broken/crd.yaml', `kind: CustomResourceDefinition\n  bad: [indent\n`);
    await writeFile(join(outside, 'crd.yaml'), crd('outsiders'));
    await symlink(outside, join(root, 'linked'));
    const names = (await collectRepoCrds(root)).map((c) => c.metadata?.name);
    expect(names).toEqual(['widgets.example.com']);
    // Given the files an input index lists (every file that names the kind), the same rules apply.
    const listed = ['infra/crds/widgets.yaml', 'charts/thing/templates/crd.yaml', 'charts/thing/templates/conditional.yaml', 'node_modules/pkg/crd.yaml', '.git/crd.yaml', 'broken/crd.yaml', 'linked/crd.yaml', '../outside/crd.yaml', 'missing/crd.yaml'];
    expect((await collectRepoCrds(root, listed)).map((c) => c.metadata?.name)).toEqual(['widgets.example.com']);
    // Only the files listed are read.
    expect(await collectRepoCrds(root, ['broken/crd.yaml'])).toEqual([]);
  });

  it('reads every file of a large repository, and lets other work run while it does', async () => {
    for (let i = 0; i < 600; i++) await write(`apps/a${String(i).padStart(3, '0')}/${i % 100 === 0 ? 'crd' : 'cm'}.yaml`, i % 100 === 0 ? crd(`w${i}s`) : `kind: ConfigMap\nmetadata: { name: c${i} }\n`);
    // Turns of the event loop seen before the scan finished: none would mean the scan held it throughout.
    let turns = 0;
    let done = false;
    const spin = () => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    let turnsAtEnd = -1;
    const found = await collectRepoCrds(root).then((crds) => {
      turnsAtEnd = turns;
      done = true;
      return crds;
    });
    expect(found.map((c) => c.metadata?.name)).toEqual([0, 100, 200, 300, 400, 500].map((i) => `w${i}s.example.com`));
    expect(turnsAtEnd).toBeGreaterThan(0);
  });

  it('returns nothing for a missing folder', async () => {
    expect(await collectRepoCrds(join(root, 'nope'))).toEqual([]);
  });
});
