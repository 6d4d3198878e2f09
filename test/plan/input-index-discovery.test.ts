// Discovery and coverage with the input index (src/plan/discovery-sides.ts, src/plan/content-verdicts.ts):
// a head whose change cannot alter discovery takes the base's result instead of discovering again, any
// other change is discovered, and a plan with the index reports exactly what the full walk reports —
// including discovery notes and coverage — whether its facts were stored, lent by the base or read.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMonorepo, type GeneratedMonorepo } from '../../bench/generate-monorepo.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { discoveryNeutralChange, discoveryReadsOnlyObjects } from '../../src/discover/reuse.ts';
import { existsSync } from 'node:fs';
import { checkout, changedFiles, git, listTree, partialCheckout } from '../../src/git/index.ts';
import { partialPaths } from '../../src/plan/partial-sides.ts';
import { TreeIndex } from '../../src/plan/render-key.ts';
import { discoverSides } from '../../src/plan/discovery-sides.ts';
import { openIndexes } from '../../src/plan/input-index-sides.ts';
import type { InputIndex, InputIndexStore } from '../../src/plan/input-index.ts';
import { planChange } from '../../src/plan/plan.ts';

class MemoryStore implements InputIndexStore {
  readonly indexes = new Map<string, string>();
  async get(key: string): Promise<InputIndex | undefined> {
    const raw = this.indexes.get(key);
    return raw ? (JSON.parse(raw) as InputIndex) : undefined;
  }
  async put(index: InputIndex): Promise<void> {
    this.indexes.set(index.key, JSON.stringify(index));
  }
}

let work: string;
let repo: GeneratedMonorepo;
/** A second head that edits a Flux Kustomization (what discovery reads). */
let kustomizationHead: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bosun-index-discovery-'));
  repo = await generateMonorepo(join(work, 'repo'), { apps: 4, envs: ['staging', 'production'] });
  await git(['checkout', '-q', '-b', 'edit-kustomization', repo.baseSha], { cwd: repo.dir });
  const file = join(repo.dir, 'clusters', 'staging', 'app-002.yaml');
  const text = await import('node:fs/promises').then((fs) => fs.readFile(file, 'utf8'));
  await writeFile(file, text.replace('prune: true', 'prune: false'));
  await git(['commit', '-q', '-am', 'staging app-2: no prune'], { cwd: repo.dir });
  kustomizationHead = (await git(['rev-parse', 'HEAD'], { cwd: repo.dir })).trim();
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function sidesOf(head: string, store: MemoryStore) {
  const changed = await changedFiles(repo.dir, repo.baseSha, head);
  const [b, h] = await Promise.all([checkout(repo.dir, repo.baseSha), checkout(repo.dir, head)]);
  try {
    const indexes = await openIndexes(repo.dir, repo.baseSha, head, changed, { store, version: 't' }, null);
    const found = await discoverSides({ baseDir: b.dir, headDir: h.dir, changed, options: { keepRefusedReleases: true }, indexes });
    const walked = await discoverEnvironments(h.dir, { keepRefusedReleases: true });
    return { found, walked, indexes };
  } finally {
    await Promise.all([b.dispose(), h.dispose()]);
  }
}

describe('discovery with the input index', () => {
  it('takes the base\'s discovery for a change to an app\'s manifest, and it is what discovering the head finds', async () => {
    const { found, walked, indexes } = await sidesOf(repo.headSha, new MemoryStore());
    expect(found.reused).toBe('derived');
    expect(found.head).toEqual(walked);
    expect(found.head.environments).toHaveLength(8);
    expect(indexes.head.index.discovery).toEqual(walked);
  });

  it('discovers the head again when the change edits a Flux Kustomization', async () => {
    const { found, walked } = await sidesOf(kustomizationHead, new MemoryStore());
    expect(found.reused).toBe('none');
    expect(found.head).toEqual(walked);
    expect(found.head.environments.find((e) => e.name.includes('app-002') && e.name.includes('staging'))?.prune).toBe(false);
  });

  it('a plan with the index (facts read, then lent by the base, then stored) reports what the full walk reports', async () => {
    const store = new MemoryStore();
    const common = { repoDir: repo.dir, base: repo.baseSha, baseBranch: 'main' };
    // The base's index with its discovery and coverage verdicts, as after planning another change on it.
    await planChange({ ...common, head: repo.baseSha, inputIndex: { store, version: 't' } });
    for (const head of [repo.headSha, kustomizationHead]) {
      const walked = await planChange({ ...common, head });
      const lent = await planChange({ ...common, head, inputIndex: { store, version: 't' } });
      const stored = await planChange({ ...common, head, inputIndex: { store, version: 't' } });
      expect(lent).toEqual(walked);
      expect(stored).toEqual(walked);
      expect(walked.coverage?.covered).toBeGreaterThan(0);
    }
    const kept = [...store.indexes.values()].map((raw) => JSON.parse(raw) as InputIndex);
    expect(kept.every((i) => i.discovery && i.content)).toBe(true);
  }, 120_000);
});

describe('which changes leave discovery as it was', () => {
  const file = (text: string) => ({ text, size: text.length });
  const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n';
  it('a manifest edited in place, with no GitOps API group on either side', () => {
    expect(discoveryNeutralChange({ path: 'apps/a/cm.yaml', before: file(configMap), after: file(`${configMap}data: {}\n`) })).toBe(true);
  });
  it('not a file added, deleted, or one whose text names a Flux, Argo CD or Fleet API, or that discovery reads by name', () => {
    expect(discoveryNeutralChange({ path: 'apps/a/cm.yaml', after: file(configMap) })).toBe(false);
    expect(discoveryNeutralChange({ path: 'apps/a/cm.yaml', before: file(configMap) })).toBe(false);
    expect(discoveryNeutralChange({ path: 'apps/a/app.yaml', before: file(configMap), after: file('apiVersion: argoproj.io/v1alpha1\nkind: Application\n') })).toBe(false);
    for (const name of ['.bosun.yaml', 'fleet.yaml', 'Chart.yaml', 'kustomization.yaml', 'values-prod.yaml', '.sourceignore']) {
      expect(discoveryNeutralChange({ path: `apps/a/${name}`, before: file('a: 1\n'), after: file('a: 2\n') }), name).toBe(false);
    }
  });
  it('only results of Flux Kustomizations, .bosun.yaml and clusters/ folders, whose discovery reads nothing else', () => {
    const flux = { name: 'a', source: 'flux', path: 'apps/a', render: 'kustomize' } as const;
    expect(discoveryReadsOnlyObjects({ environments: [flux as never], notes: [{ status: 'info', kind: 'GitRepository', apiVersion: 'source.toolkit.fluxcd.io/v1', reason: 'x' }] })).toBe(true);
    expect(discoveryReadsOnlyObjects({ environments: [{ ...flux, source: 'argocd' } as never], notes: [] })).toBe(false);
    expect(discoveryReadsOnlyObjects({ environments: [flux as never], notes: [{ status: 'not-an-environment', kind: 'ApplicationSet', apiVersion: 'argoproj.io/v1alpha1', reason: 'x' }] })).toBe(false);
  });
});

describe('partial checkouts', () => {
  it('write out the inputs of the environments the change reaches (and their folders), not the other apps; complete() writes the rest', async () => {
    const store = new MemoryStore();
    await planChange({ repoDir: repo.dir, base: repo.baseSha, head: repo.baseSha, baseBranch: 'main', inputIndex: { store, version: 't' } });
    const index = [...store.indexes.values()].map((raw) => JSON.parse(raw) as InputIndex)[0]!;
    const tree = new TreeIndex(await listTree(repo.dir, repo.baseSha));
    const paths = partialPaths({ tree, index, changed: repo.touchedPaths })!;
    expect(paths).toContain(repo.touchedPaths[0]);
    expect([...paths].filter((p) => p.startsWith(`apps/${repo.touchedApp}/`)).length).toBeGreaterThan(3);
    expect([...paths].filter((p) => p.startsWith('apps/') && !p.startsWith(`apps/${repo.touchedApp}/`))).toEqual([]);
    // The folder holding every environment's Flux Kustomization: only the reached environments' definitions.
    expect([...paths].filter((p) => p.startsWith('clusters/')).sort()).toEqual([`clusters/production/${repo.touchedApp}.yaml`, `clusters/staging/${repo.touchedApp}.yaml`]);
    const co = await partialCheckout(repo.dir, repo.baseSha, paths);
    try {
      expect(existsSync(join(co.dir, repo.touchedPaths[0]!))).toBe(true);
      expect(existsSync(join(co.dir, 'apps/app-001/base/configmap.yaml'))).toBe(false);
      await co.complete();
      expect(existsSync(join(co.dir, 'apps/app-001/base/configmap.yaml'))).toBe(true);
    } finally {
      await co.dispose();
    }
    expect(existsSync(co.dir)).toBe(false);
  }, 120_000);
});
