// The input index agrees with a full walk: on every commit of the trust corpus and of the example repo,
// a plan whose head index was derived incrementally from its parent's (src/plan/input-index.ts) says the
// same as a plan that walks every environment — same affected set, same reasons, same report.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git } from '../../src/git/git.ts';
import { treeId } from '../../src/git/index.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { deriveIndex, inputIndexKey, readersOf, type InputIndex, type InputIndexStore } from '../../src/plan/input-index.ts';
import { planChange } from '../../src/plan/plan.ts';
import { RenderCache } from '../../src/render/index.ts';
import { buildExampleRepo } from '../../testkit/example-repo.ts';
import { buildCorpusRepo, listCorpus } from '../trust/corpus.ts';

/** An in-process store: what the CLI's folder and the workers' Redis keep, without either. */
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

const version = 'agreement-test';
const work: string[] = [];
let corpusCarried = 0;
afterAll(async () => {
  await Promise.all(work.map((d) => rm(d, { recursive: true, force: true })));
});

interface Step { id: string; parent: string; sha: string }

/** Plans every step of a chain twice — index on (derived from the parent's) and off — and compares. */
async function agreeAlongChain(repoDir: string, steps: Step[], opts: { repoUrls: string[]; substitutes?: boolean }): Promise<{ carried: number; looked: number }> {
  const store = new MemoryStore();
  const cache = new RenderCache();
  let carried = 0;
  let looked = 0;
  for (const step of steps) {
    const common = { repoDir, base: step.parent, head: step.sha, repoUrls: opts.repoUrls, baseBranch: 'main', cache };
    const [baseTree, headTree] = await Promise.all([treeId(repoDir, step.parent, '.'), treeId(repoDir, step.sha, '.')]);
    const baseIndex = await store.get(inputIndexKey(baseTree!, { version, scope: scopeOf(opts.repoUrls) }));
    const walked = await planChange(common);
    const indexed = await planChange({ ...common, inputIndex: { store, version } });
    expect(summary(indexed), `${step.id}: affected environments`).toEqual(summary(walked));
    expect(indexed, `${step.id}: the whole report`).toEqual(walked);

    // Along the chain the head's index was derived from the parent's (stored by the step before).
    if (baseIndex) {
      const changed = (await git(['diff', '--name-only', '--no-renames', step.parent, step.sha], { cwd: repoDir })).split('\n').filter(Boolean);
      const derived = deriveIndex(baseIndex, changed, 'k', headTree!);
      carried += Object.keys(derived.envs).length;
      // The lookup of the changed files names every environment the walk found affected by a file.
      const readers = readersOf(baseIndex, changed);
      const headIndex = await store.get(inputIndexKey(headTree!, { version, scope: scopeOf(opts.repoUrls) }));
      const headReaders = headIndex ? readersOf(headIndex, changed) : new Set<string>();
      // Flux substituteFrom values come from other environments' objects, resolved per plan and not indexed.
      for (const env of opts.substitutes ? [] : walked.environments) {
        if (!env.affected || !/ changed( \(\+\d+ more\))?$/.test(env.reason) || env.reason.startsWith('definition')) continue;
        looked++;
        expect(readers.has(env.name) || headReaders.has(env.name), `${step.id}: ${env.name} (${env.reason}) is found by looking up the changed files`).toBe(true);
      }
    }
  }
  return { carried, looked };
}

/** Whether a Flux Kustomization of the chain reads substituteFrom (flux-substitute-from, flux-home-ops…): its values are not indexed. */
async function usesSubstituteFrom(repoDir: string, steps: Step[]): Promise<boolean> {
  for (const rev of new Set(steps.flatMap((s) => [s.parent, s.sha]))) {
    const hits = await git(['grep', '-l', '-e', 'substituteFrom:', rev, '--'], { cwd: repoDir }).catch(() => '');
    if (hits.trim() !== '') return true;
  }
  return false;
}

function scopeOf(repoUrls: string[]): unknown {
  return { repoUrls, clusters: null, branch: 'main' };
}

function summary(plan: PlanResult): Array<{ name: string; affected: boolean; reason: string }> {
  return plan.environments.map((e) => ({ name: e.name, affected: e.affected, reason: e.reason }));
}

describe('input index agrees with the full walk', () => {
  for (const repo of listCorpus()) {
    it(`trust corpus ${repo.spec.name}: every commit`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'bosun-index-agree-'));
      work.push(dir);
      const built = await buildCorpusRepo(repo, dir);
      const steps = built.commits.map((c) => ({ id: c.id, parent: c.parent, sha: c.sha }));
      const { carried } = await agreeAlongChain(built.dir, steps, { repoUrls: [repo.spec.repoUrl], substitutes: await usesSubstituteFrom(built.dir, steps) });
      corpusCarried += carried;
    }, 300_000);
  }

  it('carried unchanged environments\' inputs over along the corpus chains (the agreement is not vacuous)', () => {
    expect(corpusCarried).toBeGreaterThan(0);
  });

  it('example repo: every commit of main and the sample pull request', async () => {
    const example = await buildExampleRepo({ dir: await mkdtemp(join(tmpdir(), 'bosun-index-agree-example-')) });
    work.push(example.dir);
    const shas = (await git(['rev-list', '--first-parent', '--reverse', example.headSha], { cwd: example.dir })).split('\n').filter(Boolean);
    const steps = shas.slice(1).map((sha, i) => ({ id: sha.slice(0, 7), parent: shas[i]!, sha }));
    expect(steps.length).toBeGreaterThan(1);
    const { carried, looked } = await agreeAlongChain(example.dir, steps, { repoUrls: [] });
    expect(carried).toBeGreaterThan(0);
    expect(looked).toBeGreaterThan(0);
  }, 300_000);
});
