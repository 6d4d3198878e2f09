// A new pull request head with only the base's input index stored (src/plan/partial-sides.ts
// `newHeadPaths`, `walkedWithin`): the head is written out only as far as the environments the change
// reaches read at base, their inputs are walked again there, and a walk that reads beyond what was
// written (a new input in another folder) completes the checkout and walks again — the report is always
// the full walk's.
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMonorepo, type GeneratedMonorepo } from '../../bench/generate-monorepo.ts';
import { git } from '../../src/git/git.ts';
import { partialCheckout } from '../../src/git/index.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import type { InputIndex, InputIndexStore } from '../../src/plan/input-index.ts';
import { planChange } from '../../src/plan/plan.ts';
import type { Progress } from '../../src/plan/progress.ts';

class MemoryStore implements InputIndexStore {
  readonly indexes: Map<string, string>;
  constructor(indexes = new Map<string, string>()) {
    this.indexes = indexes;
  }
  async get(key: string): Promise<InputIndex | undefined> {
    const raw = this.indexes.get(key);
    return raw ? (JSON.parse(raw) as InputIndex) : undefined;
  }
  async put(index: InputIndex): Promise<void> {
    this.indexes.set(index.key, JSON.stringify(index));
  }
}

const generator = (files: string[]) => `apiVersion: builtin
kind: ConfigMapGenerator
metadata:
  name: app-002-settings
files:
${files.map((f) => `  - ${f}`).join('\n')}
`;

let work: string;
let repo: GeneratedMonorepo;
let base: string;
/** The base's index alone (its discovery, verdicts and CRD files included), as after planning another change on it. */
let baseIndexes: Map<string, string>;
const heads: Record<string, string> = {};

async function commitOn(branch: string, files: Record<string, string | null>, message: string): Promise<string> {
  await git(['checkout', '-q', '-B', branch, base], { cwd: repo.dir });
  for (const [path, content] of Object.entries(files)) {
    if (content === null) await rm(join(repo.dir, path));
    else {
      await mkdir(dirname(join(repo.dir, path)), { recursive: true });
      await writeFile(join(repo.dir, path), content);
    }
  }
  await git(['add', '--all'], { cwd: repo.dir });
  await git(['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-m', message], { cwd: repo.dir });
  return (await git(['rev-parse', 'HEAD'], { cwd: repo.dir })).trim();
}

const baseKustomization = (extra: string) => `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - service.yaml
  - configmap.yaml
${extra}`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bosun-index-new-head-'));
  repo = await generateMonorepo(join(work, 'repo'), { apps: 4, envs: ['staging', 'production'] });
  // The base: app-002 generates a ConfigMap from a file beside its kustomization; another folder holds a
  // file no environment reads yet.
  base = repo.baseSha;
  base = await commitOn('main', {
    'apps/app-002/base/kustomization.yaml': baseKustomization('generators:\n  - settings-generator.yaml\n'),
    'apps/app-002/base/settings-generator.yaml': generator(['settings.properties']),
    'apps/app-002/base/settings.properties': 'mode=quiet\n',
    'apps/app-002/base/extra.properties': 'retries=3\n',
    'shared/settings/common.properties': 'region=eu\n',
  }, 'app-002: settings from a generator');
  const greeting = await git(['show', `${repo.headSha}:${repo.touchedPaths[0]}`], { cwd: repo.dir });
  heads.manifestEdit = await commitOn('manifest-edit', { [repo.touchedPaths[0]!]: greeting }, 'a manifest edited in place');
  heads.besideInput = await commitOn('beside', { 'apps/app-002/base/settings-generator.yaml': generator(['settings.properties', 'extra.properties']) }, 'generator reads a file beside it');
  heads.otherFolderInput = await commitOn('other-folder', { 'apps/app-002/base/settings-generator.yaml': generator(['settings.properties', '../../../shared/settings/common.properties']) }, 'generator reads a file of another folder');
  heads.newResourceFile = await commitOn('new-resource', {
    'apps/app-002/base/kustomization.yaml': baseKustomization('  - extra-config.yaml\ngenerators:\n  - settings-generator.yaml\n'),
    'apps/app-002/base/extra-config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-002-extra\ndata:\n  a: "1"\n',
  }, 'a new resource file beside the kustomization');
  heads.otherFolderResource = await commitOn('other-folder-resource', {
    'apps/app-002/base/kustomization.yaml': baseKustomization('  - ../../app-003/base/service.yaml\ngenerators:\n  - settings-generator.yaml\n'),
  }, 'a resource from another app\'s folder');

  const store = new MemoryStore();
  await planChange({ repoDir: repo.dir, base, head: base, baseBranch: 'main', inputIndex: { store, version: 't' } });
  baseIndexes = store.indexes;
}, 180_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function recording(): { progress: Progress; lines: string[] } {
  const lines: string[] = [];
  const progress = ((line: string) => { lines.push(line); }) as Progress;
  progress.done = () => undefined;
  return { progress, lines };
}

async function newHead(head: string): Promise<{ walked: PlanResult; indexed: PlanResult; lines: string[] }> {
  const common = { repoDir: repo.dir, base, head, baseBranch: 'main' };
  const walked = await planChange(common);
  const { progress, lines } = recording();
  const indexed = await planChange({ ...common, progress, inputIndex: { store: new MemoryStore(new Map(baseIndexes)), version: 't' } });
  return { walked, indexed, lines };
}

const affected = (plan: PlanResult) => plan.environments.filter((e) => e.affected).map((e) => e.name).sort();
const changedObjects = (plan: PlanResult, env: string) => plan.environments.find((e) => e.name === env)!.changes.map((c) => `${c.kind}/${c.name}`).sort();

describe('a new head planned from the base\'s index alone', () => {
  it('writes out only what the reached environments read, walks them there, and reports what the full walk reports', async () => {
    const { walked, indexed, lines } = await newHead(heads.manifestEdit!);
    expect(indexed).toEqual(walked);
    expect(affected(indexed)).toEqual([`production/${repo.touchedApp}-production`, `staging/${repo.touchedApp}-staging`]);
    expect(lines.some((l) => /^head: wrote \d+ of \d+ files$/.test(l))).toBe(true);
    expect(lines).not.toContain('head: writing out the rest of the commit');
  }, 120_000);

  it('a generator that now reads another file beside it: walked on the partial head, the new input found', async () => {
    const { walked, indexed, lines } = await newHead(heads.besideInput!);
    expect(indexed).toEqual(walked);
    expect(affected(indexed)).toEqual(['production/app-002-production', 'staging/app-002-staging']);
    expect(changedObjects(indexed, 'staging/app-002-staging').some((o) => o.startsWith('ConfigMap/app-002-settings'))).toBe(true);
    expect(lines).not.toContain('head: writing out the rest of the commit');
  }, 120_000);

  it('a generator that now reads a file of a folder not written out: the walk leaves the checkout, which is completed and walked again', async () => {
    const { walked, indexed, lines } = await newHead(heads.otherFolderInput!);
    expect(indexed).toEqual(walked);
    const staging = indexed.environments.find((e) => e.name === 'staging/app-002-staging')!;
    expect(staging.reason).not.toMatch(/could not be analysed/);
    expect(staging.render).toMatchObject({ objects: expect.any(Number) });
    expect(changedObjects(indexed, 'staging/app-002-staging').some((o) => o.startsWith('ConfigMap/app-002-settings'))).toBe(true);
    expect(lines).toContain('head: writing out the rest of the commit');
  }, 120_000);

  it('a kustomization that adds a new resource file, or one from another app\'s folder: the full walk\'s report', async () => {
    let last: PlanResult | undefined;
    for (const head of [heads.newResourceFile!, heads.otherFolderResource!]) {
      const { walked, indexed } = await newHead(head);
      expect(indexed).toEqual(walked);
      expect(affected(indexed)).toEqual(['production/app-002-production', 'staging/app-002-staging']);
      last = indexed;
    }
    // The last head planned takes a resource from another app's folder: that Service is in the report.
    expect(changedObjects(last!, 'staging/app-002-staging')).toContain('Service/app-003');
  }, 180_000);

  it('completing a partial checkout writes the missing files and leaves those written in place (a walk reading them meanwhile never sees one missing)', async () => {
    const written = 'apps/app-002/base/settings-generator.yaml';
    const co = await partialCheckout(repo.dir, base, [written]);
    try {
      const before = await stat(join(co.dir, written));
      expect(co.wrote(written) && !co.wrote('apps/app-001/base/configmap.yaml')).toBe(true);
      await co.complete();
      expect((await stat(join(co.dir, written))).ino).toBe(before.ino);
      expect((await stat(join(co.dir, 'apps/app-001/base/configmap.yaml'))).isFile()).toBe(true);
      expect(co.wrote('apps/app-001/base/configmap.yaml')).toBe(false);
    } finally {
      await co.dispose();
    }
  });
});

describe('a plan stopped while its checkouts are written (a newer head: the job\'s progress throws)', () => {
  it('leaves neither side\'s checkout behind', async () => {
    const root = await mkdtemp(join(tmpdir(), 'bosun-stopped-plan-'));
    const saved = process.env.BOSUN_WORK_DIR;
    process.env.BOSUN_WORK_DIR = root;
    try {
      const progress = ((line: string) => {
        if (line.startsWith('head: wrote')) throw new Error('stopped: a newer head');
      }) as Progress;
      progress.done = () => undefined;
      const stopped = planChange({ repoDir: repo.dir, base, head: heads.manifestEdit!, baseBranch: 'main', progress, inputIndex: { store: new MemoryStore(new Map(baseIndexes)), version: 't' } });
      await expect(stopped).rejects.toThrow('stopped: a newer head');
      expect(await readdir(root)).toEqual([]);
    } finally {
      if (saved === undefined) delete process.env.BOSUN_WORK_DIR;
      else process.env.BOSUN_WORK_DIR = saved;
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('CRDs of another folder, with the indexes a worker keeps (the base stored as a pull request\'s base)', () => {
  const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.org
spec:
  group: example.org
  scope: Namespaced
  names: { plural: widgets, singular: widget, kind: Widget }
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: { type: integer }
`;
  const widget = (size: string) => `apiVersion: example.org/v1\nkind: Widget\nmetadata:\n  name: app-001-widget\nspec:\n  size: ${size}\n`;

  it('a custom resource made invalid is found on a new head and on its re-plan, as by the full walk', async () => {
    const withCrd = await commitOn('crd-base', {
      'platform/crds/widgets.yaml': crd,
      'apps/app-001/base/kustomization.yaml': baseKustomization('  - widget.yaml\n'),
      'apps/app-001/base/widget.yaml': widget('3'),
      'platform/values/notes.yaml': 'just: data\n',
    }, 'a Widget CRD and a widget');
    const savedBase = base;
    base = withCrd;
    try {
      const otherHead = await commitOn('crd-other', { 'apps/app-003/base/service.yaml': (await git(['show', `${withCrd}:apps/app-003/base/service.yaml`], { cwd: repo.dir })) + '# edited\n' }, 'another pull request');
      const invalidHead = await commitOn('crd-invalid', { 'apps/app-001/base/widget.yaml': widget('"big"') }, 'widget size made a string');
      // The store as a worker leaves it: another pull request against the same base planned first.
      const store = new MemoryStore();
      await planChange({ repoDir: repo.dir, base: withCrd, head: otherHead, baseBranch: 'main', inputIndex: { store, version: 't' } });
      // The base gets the facts a head would have (CRD files, coverage verdicts) though it was only a base:
      // the same as when it is planned on its own.
      const baseTree = (await git(['rev-parse', `${withCrd}^{tree}`], { cwd: repo.dir })).trim();
      const indexOf = (s: MemoryStore) => [...s.indexes.values()].map((raw) => JSON.parse(raw) as InputIndex).find((i) => i.tree === baseTree)!;
      const alone = new MemoryStore();
      await planChange({ repoDir: repo.dir, base: withCrd, head: withCrd, baseBranch: 'main', inputIndex: { store: alone, version: 't' } });
      expect(indexOf(store).crdFiles).toEqual(['platform/crds/widgets.yaml']);
      expect(indexOf(store).crdFiles).toEqual(indexOf(alone).crdFiles);
      expect(indexOf(store).content?.text).toContain('platform/values/notes.yaml');
      expect(indexOf(store).content).toEqual(indexOf(alone).content);
      const common = { repoDir: repo.dir, base: withCrd, head: invalidHead, baseBranch: 'main' };
      const walked = await planChange(common);
      const errors = (plan: PlanResult) => plan.environments.filter((e) => e.affected).flatMap((e) => e.validation.errors.map((f) => `${e.name}: ${JSON.stringify(f)}`));
      expect(errors(walked).length).toBe(2);
      expect(errors(walked).every((m) => /size/.test(m))).toBe(true);
      const derived = await planChange({ ...common, inputIndex: { store, version: 't' } });
      expect(derived).toEqual(walked);
      const replanned = await planChange({ ...common, inputIndex: { store, version: 't' } });
      expect(replanned).toEqual(walked);
    } finally {
      base = savedBase;
    }
  }, 180_000);
});
