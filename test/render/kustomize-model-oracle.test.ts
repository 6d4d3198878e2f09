import { execFile } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderEnvironment } from '../../src/render/index.ts';
import { KustomizeModel, kustomizationFileIn } from '../../src/render/kustomize-model/index.ts';
import { helmPath, kubectlPath, projectRoot } from '../../src/util/tools.ts';
import { environment } from './environment.ts';

/**
 * The oracle for the kustomize model: copy ONLY the files the model says a kustomization reads into an
 * empty folder and run the real kustomize there; the output must equal the build in the full
 * repository. A file the model misses makes the copy's build fail or differ.
 */

const run = promisify(execFile);
const fixtures = join(projectRoot, 'fixtures');
const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** Every folder below `root` holding a kustomization (not a Component: those build only inside one), repo-relative. */
function kustomizationDirs(root: string, rel = '.'): string[] {
  const abs = join(root, rel);
  const file = kustomizationFileIn(abs);
  const out = file && !/^kind:\s*Component\s*$/m.test(readFileSync(join(abs, file), 'utf8')) ? [rel] : [];
  for (const entry of readdirSync(abs, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== '.git') out.push(...kustomizationDirs(root, rel === '.' ? entry.name : `${rel}/${entry.name}`));
  }
  return out;
}

type Build = { ok: true; out: string } | { ok: false; err: string };

async function build(root: string, dir: string, helmHome: string): Promise<Build> {
  try {
    const { stdout } = await run(kubectlPath(), ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', '--enable-helm', '--helm-command', helmPath(), join(root, dir)], {
      env: { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ok: true, out: stdout };
  } catch (e) {
    return { ok: false, err: String((e as { stderr?: string }).stderr ?? e) };
  }
}

/** A copy of `paths` (files, folders, symlinks as they are) of `root` in a new empty folder. */
async function copyOnly(root: string, paths: Iterable<string>): Promise<string> {
  const copy = await temp('bosun-kmodel-copy-');
  for (const path of paths) {
    if (lstatSync(join(root, path), { throwIfNoEntry: false })) {
      await cp(join(root, path), join(copy, path), { recursive: true, verbatimSymlinks: true, force: false, errorOnExist: false });
    }
  }
  return copy;
}

interface Outcome {
  dir: string;
  result: 'same' | 'differs' | 'copy fails' | 'refused by the model' | 'fails in the full repository';
  detail?: string;
}

async function oracle(root: string): Promise<Outcome[]> {
  const helmHome = await temp('bosun-kmodel-helm-');
  const model = new KustomizeModel(root);
  const outcomes: Outcome[] = [];
  for (const dir of kustomizationDirs(root)) {
    let inputs;
    try {
      inputs = model.tree(dir).inputs;
    } catch (e) {
      outcomes.push({ dir, result: 'refused by the model', detail: (e as Error).message });
      continue;
    }
    const full = await build(root, dir, helmHome);
    if (!full.ok) {
      outcomes.push({ dir, result: 'fails in the full repository', detail: full.err });
      continue;
    }
    const copy = await copyOnly(root, [...inputs.dirs, ...inputs.files]);
    const copied = await build(copy, dir, helmHome);
    if (!copied.ok) outcomes.push({ dir, result: 'copy fails', detail: copied.err });
    else outcomes.push({ dir, result: copied.out === full.out ? 'same' : 'differs' });
  }
  return outcomes;
}

const roots = [
  'kustomize-model',
  'example-repo',
  ...readdirSync(join(fixtures, 'trust')).filter((c) => existsSync(join(fixtures, 'trust', c, 'tree'))).map((c) => `trust/${c}/tree`),
].filter((root) => kustomizationDirs(join(fixtures, root)).length > 0);

/**
 * Kustomizations of the corpus whose base is remote, as the repositories they mirror have it (argocd-autopilot's
 * bootstrap/argo-cd reads Argo CD's manifests from GitHub): the model refuses them as remote, which rendering
 * does too, and the oracle cannot build them offline. Nothing else may be refused.
 */
const remoteBases = new Map([['trust/argocd-autopilot/tree', ['bootstrap/argo-cd']]]);

describe('the kustomize model misses no input of a kustomize build', () => {
  for (const root of roots) {
    it(`fixtures/${root}: every kustomization builds the same from a copy of only the files the model lists`, async () => {
      const outcomes = await oracle(join(fixtures, root));
      expect(outcomes.length).toBeGreaterThan(0);
      const remote = remoteBases.get(root) ?? [];
      expect(outcomes.filter((o) => remote.includes(o.dir)).map((o) => [o.dir, o.result, /is a remote reference/.test(o.detail ?? '')])).toEqual(remote.map((dir) => [dir, 'refused by the model', true]));
      expect(outcomes.filter((o) => o.result !== 'same' && !remote.includes(o.dir))).toEqual([]);
    }, 300_000);
  }
  it('covers the trust corpus and the example repository', () => {
    expect(roots).toEqual(expect.arrayContaining(['kustomize-model', 'example-repo', 'trust/flux-kustomize-helm/tree', 'trust/fleet-multi-cluster/tree', 'trust/argocd-applicationset/tree']));
  });
});

/** Objects as sorted canonical JSON, so that two builds compare whatever their order. */
function canonical(objects: unknown[]): string[] {
  const sortKeys = (v: unknown): unknown => (Array.isArray(v) ? v.map(sortKeys)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v);
  return objects.map((o) => JSON.stringify(sortKeys(o))).sort();
}

describe('bosun renders what kustomize builds', () => {
  // bosun builds through an overlay of its own (render/kustomize.ts); what comes out must still be what
  // `kubectl kustomize <folder>` (Argo CD, Flux) gives: buildMetadata, origin paths, names and all.
  for (const root of roots) {
    it(`fixtures/${root}: the render of every kustomization equals kubectl kustomize of it`, async () => {
      const abs = join(fixtures, root);
      const helmHome = await temp('bosun-kmodel-helm-');
      const model = new KustomizeModel(abs);
      const differ: string[] = [];
      let compared = 0;
      for (const dir of kustomizationDirs(abs)) {
        try {
          model.tree(dir);
        } catch {
          continue; // refused by the model: the first describe covers it
        }
        const full = await build(abs, dir, helmHome);
        if (!full.ok) continue;
        const outcome = await renderEnvironment(abs, environment({ name: 'oracle', path: dir, render: 'kustomize' }));
        const rendered = outcome.ok ? canonical(outcome.objects.map((o) => o.object)) : [`render failed: ${outcome.error.message}`];
        const expected = canonical(parseAllDocuments(full.out).map((d) => d.toJS() as unknown).filter((o) => o !== null));
        compared++;
        if (JSON.stringify(rendered) !== JSON.stringify(expected)) differ.push(`${dir}: ${rendered.filter((o) => !expected.includes(o)).join('\n')}`);
      }
      expect(compared).toBeGreaterThan(0);
      expect(differ).toEqual([]);
    }, 300_000);
  }
});

describe('the every-field fixture (fixtures/kustomize-model)', () => {
  const root = join(fixtures, 'kustomize-model');
  const dir = 'apps/every-field';
  const names = (d: string) => [`${d}/Kustomization`, `${d}/kustomization.yaml`, `${d}/kustomization.yml`];

  it('the model lists the file of every field, the symlink and its target, the charts, and nothing unused', () => {
    const inputs = new KustomizeModel(root).tree(dir).inputs;
    expect(inputs.unsure).toBeUndefined();
    expect([...inputs.dirs].sort()).toEqual(['charts/common', 'charts/web']);
    expect([...inputs.files].sort()).toEqual([
      ...names('apps/every-field'),
      ...['config.properties', 'crds/widget.json', 'data/extra.txt', 'data/token.txt', 'deployment.yaml', 'generated.txt', 'generator.yaml', 'inline.txt',
        'kustomizeconfig.yaml', 'legacy.env', 'linked-config.yaml', 'openapi.json', 'patches/inline-transformer.yaml', 'patches/json6902.yaml',
        'patches/plugin.yaml', 'patches/replicas.yaml', 'patches/strategic.yaml', 'plugins/patch-transformer.yaml', 'replacements.yaml',
        'secret.env', 'values-extra.yaml', 'values.yaml', 'vars.env'].map((f) => `${dir}/${f}`),
      ...names('apps/every-field/plugins'),
      ...names('base'), 'base/service.yaml',
      ...names('components/tls'), 'components/tls/tls.yaml',
      ...names('legacy-base'), 'legacy-base/account.yaml',
      'shared/linked.yaml',
    ].sort());
  });

  it('needs every file it lists: a copy without any one of them builds differently or not at all', async () => {
    const helmHome = await temp('bosun-kmodel-helm-');
    const inputs = new KustomizeModel(root).tree(dir).inputs;
    const full = await build(root, dir, helmHome);
    expect(full.ok).toBe(true);
    const present = [...inputs.files].filter((f) => lstatSync(join(root, f), { throwIfNoEntry: false }) && !f.endsWith('/kustomization.yaml') && !f.endsWith('/kustomization.yml'));
    const unneeded: string[] = [];
    for (const left of [...present, ...inputs.dirs]) {
      const copy = await copyOnly(root, [...inputs.dirs, ...present].filter((p) => p !== left));
      const without = await build(copy, dir, helmHome);
      if (without.ok && full.ok && without.out === full.out) unneeded.push(left);
    }
    expect(unneeded).toEqual([]);
  }, 300_000);
});
