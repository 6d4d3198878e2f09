import { afterEach, describe, expect, it } from 'vitest';
import { filesContaining } from '../../src/git/index.ts';
import { tempRepo, writeFiles } from './temp-repo.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

const crd = 'apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.org\n';

describe('filesContaining', () => {
  it('lists the YAML files of a commit that hold the text, with their sizes, from git objects alone', async () => {
    const r = await tempRepo({
      'crds/widgets.yaml': crd,
      'deep/down/Upper.YML': crd,
      'apps/web/deploy.yaml': 'kind: Deployment\n',
      'notes/readme.md': 'CustomResourceDefinition is mentioned here\n',
    });
    cleanups.push(r.cleanup);
    const first = await r.commit('first');
    // The working tree changes afterwards: only the commit counts.
    await writeFiles(r.dir, { 'apps/web/deploy.yaml': crd });
    expect(await filesContaining(r.dir, first, 'CustomResourceDefinition', ['yaml', 'yml'])).toEqual([
      { path: 'crds/widgets.yaml', size: Buffer.byteLength(crd) },
      { path: 'deep/down/Upper.YML', size: Buffer.byteLength(crd) },
    ]);
  });

  it('answers an empty list when nothing matches, and refuses a revision that is not a commit id', async () => {
    const r = await tempRepo({ 'a.yaml': 'kind: ConfigMap\n' });
    cleanups.push(r.cleanup);
    const sha = await r.commit('first');
    expect(await filesContaining(r.dir, sha, 'CustomResourceDefinition', ['yaml', 'yml'])).toEqual([]);
    await expect(filesContaining(r.dir, '--output=/tmp/x', 'CustomResourceDefinition', ['yaml'])).rejects.toThrow(/not a resolved commit id/);
  });
});
