// A real git repository in a folder, driven through the `git` binary, for tests, the demo and benchmarks.
// Commits are deterministic: fixed author/committer and a clock that advances one minute per commit, so the
// same sequence of writes and commits gives the same SHAs on every machine.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

export interface GitRepoBuilder {
  /** Absolute path of the working tree. */
  readonly dir: string;
  /** Writes a file (creating parent folders); `path` is repo-relative with `/` separators. */
  write(path: string, content: string | Uint8Array): Promise<void>;
  read(path: string): Promise<string>;
  /** Removes a file or a whole folder from the working tree. */
  remove(path: string): Promise<void>;
  /** Stages everything (additions, changes, deletions) and commits; returns the new commit's SHA. */
  commit(message: string): Promise<string>;
  /** Creates a branch at the current HEAD without switching to it. */
  branch(name: string): Promise<void>;
  checkout(ref: string): Promise<void>;
  /** The full SHA a ref points at. */
  revParse(ref?: string): Promise<string>;
  /** Runs any other git command in the repository and returns its stdout. */
  git(...args: string[]): Promise<string>;
}

const EPOCH_SECONDS = Date.UTC(2024, 0, 15, 9, 0, 0) / 1000;

/** Environment that shields the repository from the machine's git configuration (signing, hooks, templates). */
function gitEnv(when: number): NodeJS.ProcessEnv {
  const date = `${when} +0000`;
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Example Developer',
    GIT_AUTHOR_EMAIL: 'dev@example.org',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Example Developer',
    GIT_COMMITTER_EMAIL: 'dev@example.org',
    GIT_COMMITTER_DATE: date,
  };
}

/** Runs `file` with `argv` in `cwd` and returns its stdout; a failure names `what` and its stderr. */
function run(file: string, argv: string[], what: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, argv, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${what} failed in ${cwd}: ${stderr.trim() || error.message}`));
        return;
      }
      resolvePromise(stdout);
    });
  });
}

function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return run('git', args, `git ${args.join(' ')}`, cwd, env);
}

/** Runs a `sh` script of git commands (`args` are its $1, $2…) and returns its stdout. */
function runGitScript(cwd: string, script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return run('sh', ['-c', script, 'sh', ...args], script, cwd, env);
}

/**
 * The commit HEAD names, read from `.git/HEAD` and the loose ref it points at (what `git commit` just
 * wrote) without a `git rev-parse` process; undefined when the files say otherwise (a packed ref, the
 * reftable format), for the caller to ask git.
 */
async function headFromFiles(root: string): Promise<string | undefined> {
  const sha = /^([0-9a-f]{40}|[0-9a-f]{64})$/;
  const head = (await readFile(join(root, '.git', 'HEAD'), 'utf8').catch(() => '')).trim();
  if (sha.test(head)) return head;
  const ref = /^ref: (refs\/heads\/[^\s]+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const target = (await readFile(join(root, '.git', ref), 'utf8').catch(() => '')).trim();
  return sha.test(target) ? target : undefined;
}

/**
 * Runs `git init -b main` in `root` and makes line endings, file modes and signing host-independent, or SHAs
 * would not be, and turns off automatic maintenance: every `git commit` would otherwise start `git
 * maintenance run --auto`, a process per commit with nothing to do in a repository of a few commits. A fresh
 * repository whose file system keeps modes (what `git init` wrote: core.filemode = true, no autocrlf, no
 * gpgsign) gets the other settings appended to its config file instead of set by `git config` processes;
 * any other config (a reused repository, a file system without modes) is set by `git config`.
 */
async function initRepo(root: string, git: (...args: string[]) => Promise<string>): Promise<void> {
  await git('init', '--quiet', '-b', 'main');
  const configFile = join(root, '.git', 'config');
  const config = await readFile(configFile, 'utf8').catch(() => '');
  if (/^\s*filemode = true$/m.test(config) && !/autocrlf|gpgsign|maintenance/i.test(config)) {
    await appendFile(configFile, '[core]\n\tautocrlf = false\n[commit]\n\tgpgsign = false\n[maintenance]\n\tauto = false\n');
  } else {
    await git('config', 'core.autocrlf', 'false');
    await git('config', 'core.fileMode', 'true');
    await git('config', 'commit.gpgsign', 'false');
    await git('config', 'maintenance.auto', 'false');
  }
}

/**
 * An empty repository's `.git` made once per process (by initRepo in a temp folder, removed when the
 * process exits), which a fresh test repository copies instead of starting `git init`: every spawn is a
 * fork of the test process, several milliseconds of CPU on a large one, and hundreds of repositories are
 * made per test run. What `git init` writes depends on neither the folder's name nor its path, so the copy
 * is the repository `git init` would have made there.
 */
let template: Promise<string> | undefined;
function initTemplate(): Promise<string> {
  template ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bosun-git-template-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    await initRepo(dir, (...args) => runGit(dir, args, gitEnv(EPOCH_SECONDS)));
    return join(dir, '.git');
  })();
  return template;
}

/**
 * Copies the template `.git` into `root` when it has none and sits on the template's file system (whose
 * file-mode behaviour the template's config records); false when it did not, for the caller to run `git init`.
 */
async function copyTemplate(root: string): Promise<boolean> {
  const target = join(root, '.git');
  if (await stat(target).then(() => true, () => false)) return false;
  const source = await initTemplate();
  try {
    const [from, to] = await Promise.all([stat(source), stat(root)]);
    if (from.dev !== to.dev) return false;
    await cp(source, target, { recursive: true, errorOnExist: true, force: false });
    return true;
  } catch {
    // The template is gone (a suite cleaned the temp folder): make the repository the slow way.
    template = undefined;
    await rm(target, { recursive: true, force: true });
    return false;
  }
}

/**
 * Creates (or reuses an empty) folder and makes it an empty repository on branch `main`, as `git init -b
 * main` does. Without `dir` a fresh temp folder is made; removing it is the caller's job.
 */
export async function makeGitRepo(dir?: string): Promise<GitRepoBuilder> {
  const root = dir ? resolve(dir) : await mkdtemp(join(tmpdir(), 'bosun-git-'));
  await mkdir(root, { recursive: true });
  let commits = 0;
  const git = (...args: string[]): Promise<string> => runGit(root, args, gitEnv(EPOCH_SECONDS + commits * 60));

  if (!(await copyTemplate(root))) await initRepo(root, git);

  const inRepo = (path: string): string => {
    const full = resolve(root, path);
    const rel = relative(root, full);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(/[\\/]/)[0] === '.git') {
      throw new Error(`${path}: not a path inside the repository's working tree`);
    }
    return full;
  };

  return {
    dir: root,
    async write(path, content) {
      const full = inRepo(path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, content);
    },
    read: (path) => readFile(inRepo(path), 'utf8'),
    async remove(path) {
      await rm(inRepo(path), { recursive: true, force: false });
    },
    async commit(message) {
      commits++;
      // `git add --all` and `git commit` started by one shell: one fork of the test process instead of two.
      await runGitScript(root, 'git add --all && exec git commit --quiet --allow-empty --no-verify -m "$1"', [message], gitEnv(EPOCH_SECONDS + commits * 60))
        .catch((e: unknown) => {
          commits--;
          throw e;
        });
      return (await headFromFiles(root)) ?? (await git('rev-parse', 'HEAD')).trim();
    },
    async branch(name) {
      await git('branch', name);
    },
    async checkout(ref) {
      await git('checkout', '--quiet', ref);
    },
    async revParse(ref = 'HEAD') {
      return (await git('rev-parse', '--verify', `${ref}^{commit}`)).trim();
    },
    git,
  };
}

/**
 * A fresh repository of two commits — `before` ('base'), then `after` written over it ('change'; repo path →
 * content) — the shape of most plan tests: plan `HEAD~1..HEAD`. Removing it is the caller's job.
 */
export async function makeTwoCommitRepo(before: Record<string, string>, after: Record<string, string>): Promise<GitRepoBuilder> {
  const repo = await makeGitRepo();
  for (const [path, content] of Object.entries(before)) await repo.write(path, content);
  await repo.commit('base');
  for (const [path, content] of Object.entries(after)) await repo.write(path, content);
  await repo.commit('change');
  return repo;
}
