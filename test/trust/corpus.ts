// The trust corpus: small fixture repositories under fixtures/trust/<repo>/, each a base tree (tree/) plus a
// list of commits (repo.yaml) and a hand-written declaration of what the GitOps controllers deploy from it
// (oracle.yaml). This file reads and checks both, and builds a repository into a real git repository.
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { parse } from 'yaml';
import { projectRoot } from '../../src/util/tools.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';

export const trustFixturesDir = join(projectRoot, 'fixtures', 'trust');

/** One commit of a corpus repository, as repo.yaml writes it. */
export interface CorpusCommit {
  /** Short slug, unique in the repository: names the test case and `since`/`until` in oracle.yaml. */
  id: string;
  /** The kind of change this commit stands for (an image bump in an overlay, a pure rename…). */
  what: string;
  message: string;
  /** Replacements in existing files: each `[from, to]` must occur exactly once. */
  edit?: Record<string, Array<[string, string]>>;
  /** Whole files written (created or replaced). */
  write?: Record<string, string>;
  delete?: string[];
  /** git mv of files: from → to. */
  rename?: Record<string, string>;
  /** Bugs of bosun's this commit shows today (see KnownBug). */
  knownBugs?: KnownBug[];
}

/**
 * A bug of bosun's the corpus shows today. The problems about `about` (an environment, or a changed file)
 * are left out of the commit's main test case and asserted by a test case of their own marked `it.fails`:
 * it passes while the bug is there and turns red once it is fixed, so that the entry is removed.
 */
export interface KnownBug {
  /** The environment (oracle.yaml `env`) or the changed file the problems are about. */
  about: string;
  /** What bosun does wrong, and the issue that fixes it. */
  bug: string;
  /** For a repository-level entry: the commits (ids) that show it; every commit when absent. */
  commits?: string[];
}

export interface CorpusRepoSpec {
  name: string;
  /** Which public example layout this repository is a small, hand-written version of. */
  models: string;
  /** The URL the controllers' objects use for this repository (passed to bosun as --repo-url, as the App does). */
  repoUrl: string;
  commits: CorpusCommit[];
  /** Other branches, cut from the base commit with these files written: a tenant's branch, say. */
  branches?: Record<string, { write: Record<string, string> }>;
  /** Tags on commits, by commit id (`base` is the tree/ commit). */
  tags?: Record<string, string>;
  /** Bugs of bosun's that several commits show. */
  knownBugs?: KnownBug[];
}

/** The known bugs a commit shows: its own and the repository's that name it (or every commit). */
export function knownBugsAt(spec: CorpusRepoSpec, commit: CorpusCommit): KnownBug[] {
  return [...(commit.knownBugs ?? []), ...(spec.knownBugs ?? []).filter((b) => !b.commits || b.commits.includes(commit.id))];
}

/** Where a Flux Kustomization is defined. */
export interface FluxRef { file: string; name: string }

export interface OracleDeployment {
  /** The environment name bosun gives (or, once it understands the controller, will give) this deployment. */
  env: string;
  /** The cluster it goes to (Flux `clusters/<c>/`, a Fleet cluster); deployments of one cluster see each other's objects. */
  cluster?: string;
  /** A Flux Kustomization in a file of the repository. */
  flux?: FluxRef & {
    /**
     * The folder whose kustomize build applies this Kustomization, when that build edits it (a cluster
     * overlay patching a shared base's spec.path or postBuild): the oracle reads it from that build's output.
     */
    builtBy?: string;
    /** GitRepositories other than `flux-system` that point at this repository: name → the branch they follow. */
    gitRepositories?: Record<string, string>;
    /** The file holding this cluster's ArtifactGenerators, for Kustomizations whose source is an ExternalArtifact. */
    artifacts?: string;
  };
  /**
   * A Flux HelmRelease applied by another deployment (`in`). Its chart is in this repository (rendered by
   * the oracle), or comes from a Helm repository or registry: then `remoteChartInputs` are the repository
   * files that make up the release (its object and the patches on it); the oracle fetches no chart, so the
   * release changed, objects unknown, when one of them changed.
   */
  helmRelease?: { in: string; name: string; namespace: string; remoteChartInputs?: string[] };
  /** An Argo CD Application: in a file, rendered by another deployment (`in`), or generated (inline `application`). */
  argocd?: {
    file?: string;
    in?: string;
    name: string;
    /**
     * For Applications an ApplicationSet generates: the ApplicationSet, and the Application as it generates it.
     * `files`: its git files generators' patterns (git pathspec globs, `**` any folders); a matching file that does
     * not parse fails the whole ApplicationSet, which then keeps the Application as it last generated it.
     */
    generatedBy?: { kind: 'ApplicationSet'; name: string; files?: string[] };
    application?: Record<string, unknown>;
    /** A git files generator's file (JSON) whose keys fill `{{.key}}` in `application`, read at each commit. */
    params?: string;
  };
  /** A Rancher Fleet bundle (a folder with fleet.yaml) on one of `fleetClusters`. */
  fleet?: { bundle: string; cluster: string };
  /** An environment of the repository's own `.bosun.yaml`, read at each commit (oracle-config.ts). */
  config?: { name: string };
  /** First commit (id) at which the deployment exists, for deployments not read from a file (generated ones). */
  since?: string;
}

export interface OracleSpec {
  deployments: OracleDeployment[];
  /** Fleet clusters the repository's GitRepo targets: name → labels. */
  fleetClusters?: Record<string, Record<string, string>>;
  /**
   * Argo CD cluster secrets, for ApplicationSet clusters generators: name → labels, annotations and server
   * (in the cluster registry bosun is given, as labels-only entries are).
   */
  argocdClusters?: Record<string, ArgocdCluster>;
}

export interface ArgocdCluster {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  server?: string;
}

export interface CorpusRepo {
  spec: CorpusRepoSpec;
  oracle: OracleSpec;
  dir: string;
}

/** The corpus repositories, sorted by name; `only` (e.g. from BOSUN_TRUST_REPOS) picks some. */
export function listCorpus(only?: string[]): CorpusRepo[] {
  const names = readdirSync(trustFixturesDir).filter((n) => statSync(join(trustFixturesDir, n)).isDirectory()).sort();
  return names.filter((n) => !only?.length || only.includes(n)).map((name) => loadCorpusRepo(name));
}

export function loadCorpusRepo(name: string): CorpusRepo {
  const dir = join(trustFixturesDir, name);
  const spec = parse(readFileSync(join(dir, 'repo.yaml'), 'utf8')) as CorpusRepoSpec;
  const oracle = parse(readFileSync(join(dir, 'oracle.yaml'), 'utf8')) as OracleSpec;
  spec.name = name;
  checkSpec(dir, spec, oracle);
  return { spec, oracle, dir };
}

function checkSpec(dir: string, spec: CorpusRepoSpec, oracle: OracleSpec): void {
  const where = (what: string) => `${dir}: ${what}`;
  if (!existsSync(join(dir, 'tree'))) throw new Error(where('no tree/ folder (the base commit)'));
  if (typeof spec.repoUrl !== 'string') throw new Error(where('repo.yaml: repoUrl is required'));
  if (!Array.isArray(spec.commits) || spec.commits.length < 3) throw new Error(where('repo.yaml: at least 3 commits'));
  const ids = new Set<string>(['base']);
  for (const c of spec.commits) {
    if (!c.id || ids.has(c.id)) throw new Error(where(`repo.yaml: commit id "${c.id}" missing or not unique`));
    if (!c.what || !c.message) throw new Error(where(`repo.yaml: commit ${c.id} needs what and message`));
    ids.add(c.id);
  }
  for (const bug of spec.knownBugs ?? []) {
    for (const id of bug.commits ?? []) if (!ids.has(id)) throw new Error(where(`repo.yaml: known bug about ${bug.about}: commit ${id} does not exist`));
  }
  if (!Array.isArray(oracle.deployments) || oracle.deployments.length === 0) throw new Error(where('oracle.yaml: deployments required'));
  const envs = new Set<string>();
  for (const d of oracle.deployments) {
    const kinds = [d.flux, d.helmRelease, d.argocd, d.fleet, d.config].filter(Boolean).length;
    if (kinds !== 1) throw new Error(where(`oracle.yaml: ${d.env} must have exactly one of flux, helmRelease, argocd, fleet, config`));
    if (envs.has(d.env)) throw new Error(where(`oracle.yaml: env ${d.env} declared twice`));
    envs.add(d.env);
    if (d.since && !ids.has(d.since)) throw new Error(where(`oracle.yaml: ${d.env}: since ${d.since} is not a commit id`));
  }
  for (const d of oracle.deployments) {
    const parent = d.helmRelease?.in ?? d.argocd?.in;
    if (parent && !envs.has(parent)) throw new Error(where(`oracle.yaml: ${d.env}: in ${parent} is not a declared deployment`));
    if (d.fleet && !oracle.fleetClusters?.[d.fleet.cluster]) throw new Error(where(`oracle.yaml: ${d.env}: fleet cluster ${d.fleet.cluster} not in fleetClusters`));
  }
}

export interface BuiltCommit {
  id: string;
  sha: string;
  parent: string;
  commit: CorpusCommit;
}

export interface BuiltCorpusRepo {
  dir: string;
  base: string;
  /** Every commit after the base, oldest first, with its parent. */
  commits: BuiltCommit[];
  /** Commit id → sha, `base` included. */
  shaOf: Map<string, string>;
}

/** All files below `root`, as sorted POSIX paths relative to it. */
function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => posix.join(...join(e.parentPath, e.name).slice(root.length + 1).split(/[\\/]/)))
    .sort();
}

/** Builds the corpus repository into a fresh git repository in `dir` (empty or new): base, commits, branches, tags. */
export async function buildCorpusRepo(repo: CorpusRepo, dir: string): Promise<BuiltCorpusRepo> {
  const git = await makeGitRepo(dir);
  const tree = join(repo.dir, 'tree');
  for (const f of listFiles(tree)) await git.write(f, await readFile(join(tree, f)));
  const base = await git.commit(`${repo.spec.name}: base`);
  const shaOf = new Map<string, string>([['base', base]]);

  for (const [branch, { write }] of Object.entries(repo.spec.branches ?? {})) {
    await git.branch(branch);
    await git.checkout(branch);
    for (const [path, content] of Object.entries(write)) await git.write(path, content);
    await git.commit(`${branch}: its own content`);
    await git.checkout('main');
  }

  const commits: BuiltCommit[] = [];
  let parent = base;
  for (const commit of repo.spec.commits) {
    const where = `${repo.spec.name} commit ${commit.id}`;
    for (const [from, to] of Object.entries(commit.rename ?? {})) await git.git('mv', '--', from, to);
    for (const [path, edits] of Object.entries(commit.edit ?? {})) {
      let text = await git.read(path);
      for (const [from, to] of edits) {
        const at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${where}: edit of ${path}: "${from}" must occur exactly once`);
        text = text.slice(0, at) + to + text.slice(at + from.length);
      }
      await git.write(path, text);
    }
    for (const [path, content] of Object.entries(commit.write ?? {})) await git.write(path, content);
    for (const path of commit.delete ?? []) await git.remove(path);
    const sha = await git.commit(`${commit.message}\n\ntrust corpus: ${commit.what}`);
    if (sha === parent) throw new Error(`${where}: the commit changes nothing`);
    commits.push({ id: commit.id, sha, parent, commit });
    shaOf.set(commit.id, sha);
    parent = sha;
  }
  for (const [tag, id] of Object.entries(repo.spec.tags ?? {})) {
    const sha = shaOf.get(id);
    if (!sha) throw new Error(`${repo.spec.name}: tag ${tag} on unknown commit ${id}`);
    await git.git('tag', tag, sha);
  }
  return { dir: git.dir, base, commits, shaOf };
}
