// Builds fixtures/example-repo into a real git repository with a short history on `main`, then applies the
// sample pull request (fixtures/example-pr/changes.yaml) on the branch `feature/sample-pr`.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../src/util/tools.ts';
import { makeGitRepo } from './git-repo.ts';

export const exampleRepoFixtureDir = join(projectRoot, 'fixtures', 'example-repo');
export const examplePrFixtureDir = join(projectRoot, 'fixtures', 'example-pr');
export const examplePrBranch = 'feature/sample-pr';

/** One entry of fixtures/example-pr/changes.yaml. */
export interface ExampleChange {
  /** Repo-relative path the change applies to. */
  path: string;
  action: 'write' | 'delete';
  /** For `write`: the file under fixtures/example-pr/files/ whose content is written. */
  from?: string;
  /** Commit message; consecutive entries with the same message share one commit. */
  commit?: string;
}

export interface ExampleRepo {
  dir: string;
  /** Tip of `main`: the example repo as fixtures/example-repo has it. */
  baseSha: string;
  /** Tip of `feature/sample-pr`, which is checked out. */
  headSha: string;
  branch: string;
  /** The sample PR's changes, in the order they were applied. */
  changes: ExampleChange[];
}

const DEFAULT_PR_COMMIT = 'Sample pull request';

// Base history, oldest first: each step adds the top-level folders it names (anything unlisted goes in the
// first step), so every commit renders on its own: charts land before the apps that use them.
const HISTORY: Array<{ message: string; topLevel: string[] | 'rest' }> = [
  { message: 'Bootstrap Flux on staging and production with shared infrastructure', topLevel: 'rest' },
  { message: 'Add the podinfo-lite Helm chart', topLevel: ['charts'] },
  { message: 'Deploy the shop and guestbook apps', topLevel: ['apps'] },
];

function isSafeRepoPath(path: string): boolean {
  const normal = posix.normalize(path);
  return normal === path && !path.startsWith('/') && !path.startsWith('../') && path !== '..' && !path.split('/').includes('.git');
}

/** Reads and checks fixtures/example-pr/changes.yaml. */
export async function readExampleChanges(): Promise<ExampleChange[]> {
  const file = join(examplePrFixtureDir, 'changes.yaml');
  const raw: unknown = parse(await readFile(file, 'utf8'));
  if (!Array.isArray(raw)) throw new Error(`${file}: expected a list of { path, action, from?, commit? }`);
  return Promise.all(
    raw.map(async (entry: unknown, i): Promise<ExampleChange> => {
      const where = `${file}: entry ${i + 1}`;
      if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: expected a mapping`);
      const { path, action, from, commit } = entry as Record<string, unknown>;
      if (typeof path !== 'string' || !isSafeRepoPath(path)) throw new Error(`${where}: path must be a relative path inside the repo`);
      if (action !== 'write' && action !== 'delete') throw new Error(`${where}: action must be write or delete`);
      if (commit !== undefined && typeof commit !== 'string') throw new Error(`${where}: commit must be a string`);
      if (action === 'delete') {
        if (from !== undefined) throw new Error(`${where}: a delete takes no from`);
        return { path, action, ...(commit ? { commit } : {}) };
      }
      if (typeof from !== 'string' || !isSafeRepoPath(from)) throw new Error(`${where}: write needs from: a file under fixtures/example-pr/files/`);
      await stat(join(examplePrFixtureDir, 'files', from)).catch(() => {
        throw new Error(`${where}: fixtures/example-pr/files/${from} does not exist`);
      });
      return { path, action, from, ...(commit ? { commit } : {}) };
    }),
  );
}

/** All files below `root`, as sorted repo-relative POSIX paths. */
async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => posix.join(...join(e.parentPath, e.name).slice(root.length + 1).split(/[\\/]/)))
    .sort();
}

/**
 * Copies the example repo into a fresh git repository (`dir`, or a new temp folder; the caller removes it)
 * with three commits on `main`, then commits the sample PR on `feature/sample-pr` and leaves it checked out.
 */
export async function buildExampleRepo(opts: { dir?: string } = {}): Promise<ExampleRepo> {
  if (opts.dir) {
    const existing = await readdir(opts.dir).catch(() => []);
    if (existing.length > 0) throw new Error(`${opts.dir} is not empty; buildExampleRepo needs a new or empty folder`);
  }
  const [files, changes] = await Promise.all([listFiles(exampleRepoFixtureDir), readExampleChanges()]);
  const repo = await makeGitRepo(opts.dir);

  const named = new Set(HISTORY.flatMap((h) => (h.topLevel === 'rest' ? [] : h.topLevel)));
  let baseSha = '';
  for (const step of HISTORY) {
    const inStep = files.filter((f) => {
      const top = f.split('/')[0];
      return step.topLevel === 'rest' ? !named.has(top) : step.topLevel.includes(top);
    });
    await Promise.all(inStep.map(async (f) => repo.write(f, await readFile(join(exampleRepoFixtureDir, f)))));
    baseSha = await repo.commit(step.message);
  }

  await repo.branch(examplePrBranch);
  await repo.checkout(examplePrBranch);
  let headSha = baseSha;
  for (let i = 0; i < changes.length; ) {
    const message = changes[i].commit ?? DEFAULT_PR_COMMIT;
    for (; i < changes.length && (changes[i].commit ?? DEFAULT_PR_COMMIT) === message; i++) {
      const change = changes[i];
      if (change.action === 'delete') await repo.remove(change.path);
      else await repo.write(change.path, await readFile(join(examplePrFixtureDir, 'files', change.from ?? change.path)));
    }
    headSha = await repo.commit(message);
  }

  return { dir: repo.dir, baseSha, headSha, branch: examplePrBranch, changes };
}
