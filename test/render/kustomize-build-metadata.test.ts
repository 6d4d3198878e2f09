import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/model/object.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { kubectlPath } from '../../src/util/tools.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

/**
 * kustomize honours `buildMetadata` only in the kustomization it builds (krusty kustomizer.go Run; a base's
 * is replaced by the root's in target/kusttarget.go). bosun builds through an overlay of its own, so these
 * check its render against `kubectl kustomize` of the user's folder, the way Argo CD and Flux build it.
 */

const repo = useTempRepos();
const run = promisify(execFile);

const files = (rootMetadata: string, baseMetadata = '') => ({
  'base/kustomization.yaml': `resources: [cm.yaml]\nconfigMapGenerator:\n- name: gen\n  literals: [a=1]\n${baseMetadata}`,
  'base/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web}\ndata: {v: "1"}\n',
  'overlay/kustomization.yaml': `resources: [../base]\nnamePrefix: p-\n${rootMetadata}`,
});

async function kustomize(root: string, dir: string): Promise<KubeObject[]> {
  const { stdout } = await run(kubectlPath(), ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', join(root, dir)]);
  return parseAllDocuments(stdout).map((d) => d.toJS() as KubeObject);
}

async function bosun(root: string, dir: string): Promise<KubeObject[]> {
  const outcome = await renderEnvironment(root, environment({ name: 'dev', path: dir }));
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.objects.map((o) => o.object);
}

const byName = (objects: KubeObject[]) => Object.fromEntries(objects.map((o) => [o.metadata?.name, o.metadata]));

describe('kustomize buildMetadata', () => {
  it('the root kustomization\'s originAnnotations, managedByLabel and transformerAnnotations come out as kustomize writes them, paths relative to it', async () => {
    const root = await repo(files('buildMetadata: [originAnnotations, managedByLabel, transformerAnnotations]\n'));
    const expected = await kustomize(root, 'overlay');
    const metadata = byName(await bosun(root, 'overlay'));
    expect(metadata).toEqual(byName(expected));
    expect(metadata['p-web']?.annotations?.['config.kubernetes.io/origin']).toBe('path: ../base/cm.yaml\n');
    expect(metadata['p-web']?.labels?.['app.kubernetes.io/managed-by']).toMatch(/^kustomize-v/);
  });

  it('renders the same annotations from two checkouts of the same commit (no temporary folder in them)', async () => {
    const tree = files('buildMetadata: [originAnnotations, transformerAnnotations]\n');
    const [a, b] = [await repo(tree), await repo(tree)];
    expect(await bosun(a, 'overlay')).toEqual(await bosun(b, 'overlay'));
  });

  it('a base\'s buildMetadata adds nothing: kustomize honours only the built kustomization\'s', async () => {
    const root = await repo(files('', 'buildMetadata: [originAnnotations, managedByLabel]\n'));
    const objects = await bosun(root, 'overlay');
    expect(byName(objects)).toEqual(byName(await kustomize(root, 'overlay')));
    for (const o of objects) expect(o.metadata?.annotations).toBeUndefined();
  });
});
