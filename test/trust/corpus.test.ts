// The trust corpus (docs/contributing.md, "Trust corpus"): for every fixture repository under fixtures/trust/ and every
// commit in it, `bosun plan` (in-process, sandbox on) of parent → commit is judged against an oracle that
// renders what the GitOps controllers would deploy with the real tools. No false "no changes", no phantom
// changes; the tree's GitOps files are the plan's covered ∪ uncovered, and every changed GitOps file is an input of
// an environment the plan rendered or listed as uncovered (coverage-check.ts). A known bug of bosun's
// (repo.yaml `knownBugs`) is kept out of the commit's test case and asserted by an `it.fails` case of its
// own, which turns red once the bug is fixed.
//
// Run alone: BOSUN_TEST_NO_CLUSTER=1 npx vitest run test/trust
// Some repositories: BOSUN_TRUST_REPOS=flux-kustomize-helm,fleet-multi-cluster BOSUN_TEST_NO_CLUSTER=1 npx vitest run test/trust
// What each commit came to: test-output/trust-corpus.md after a run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { projectRoot } from '../../src/util/tools.ts';
import { runCli } from '../cli/run-cli.ts';
import { buildCorpusRepo, knownBugsAt, listCorpus, type BuiltCommit, type BuiltCorpusRepo, type CorpusRepo, type KnownBug } from './corpus.ts';
import { judge, type Expectation, type PlanJson, type Verdict } from './compare.ts';
import { coverageProblems } from './coverage-check.ts';
import { Oracle } from './oracle.ts';
import { git, oracleScratch } from './oracle-tools.ts';
import type { DeploymentState } from './oracle-types.ts';

type Judged = Verdict & { plan: PlanJson; expectations: Expectation[] };
interface RepoRun { baseStates: Promise<Array<{ env: string; state: DeploymentState }>>; verdicts: Map<string, Promise<Judged>> }

const repos = listCorpus(process.env.BOSUN_TRUST_REPOS?.split(',').filter(Boolean));
const runs = new Map<string, RepoRun>();
const summary: string[] = [];
let work: string;
let draining: Promise<unknown> | undefined;

/** Files the commit changed (both sides of a rename), as git reports them. */
async function changedFiles(dir: string, c: BuiltCommit): Promise<string[]> {
  const out = await git(dir, 'diff', '--name-status', '-M', c.parent, c.sha);
  return out.trim().split('\n').filter(Boolean).flatMap((line) => line.split('\t').slice(1));
}

/**
 * The Fleet clusters of oracle.yaml as a cluster registry of labels only (clusters bosun plans for and
 * never connects to), so that bosun's Fleet support (issue #13) sees the same targets as the oracle; and its
 * Argo CD cluster secrets (labels, annotations, server), which ApplicationSet clusters generators list.
 */
const clustersFiles = new Map<string, Promise<string[]>>();
function clustersFile(repo: CorpusRepo): Promise<string[]> {
  // Written once per repository: the commits are judged at the same time, and a file written again for
  // each could be read half written by another commit's plan (an invalid registry: exit 2).
  let written = clustersFiles.get(repo.spec.name);
  if (!written) {
    written = (async () => {
      if (!repo.oracle.fleetClusters && !repo.oracle.argocdClusters) return [];
      const file = join(work, `${repo.spec.name}.clusters.yaml`);
      const clusters = {
        ...Object.fromEntries(Object.entries(repo.oracle.fleetClusters ?? {}).map(([name, labels]) => [name, { labels }])),
        ...repo.oracle.argocdClusters,
      };
      await writeFile(file, stringify({ clusters }));
      return ['--clusters', file];
    })();
    clustersFiles.set(repo.spec.name, written);
  }
  return written;
}

async function judgeCommit(repo: CorpusRepo, built: BuiltCorpusRepo, oracle: Oracle, c: BuiltCommit): Promise<Judged> {
  const label = `${repo.spec.name} @ ${c.id}`;
  const [run, expectations, files] = await Promise.all([
    clustersFile(repo).then((clusters) => runCli(['plan', '--repo', built.dir, '--base', c.parent, '--head', c.sha, '--format', 'json', '--repo-url', repo.spec.repoUrl, ...clusters])),
    Promise.all(oracle.deployments.map(async (deployment): Promise<Expectation> => {
      const [change, defaultNamespaces] = await Promise.all([oracle.change(deployment.env, c.parent, c.sha), oracle.defaultNamespaces(deployment.env, c.parent, c.sha)]);
      return { deployment, change, defaultNamespaces };
    })),
    changedFiles(built.dir, c),
  ]);
  let plan: PlanJson;
  try {
    plan = JSON.parse(run.stdout) as PlanJson;
  } catch {
    throw new Error(`${label}: bosun plan exited ${run.code} without a JSON plan: ${run.stderr.slice(-2000)}`);
  }
  const verdict = judge({ label, plan, expectations, changedFiles: files, exitCode: run.code });
  const clusters = repo.oracle.fleetClusters || repo.oracle.argocdClusters
    ? {
      clusters: [
        ...Object.entries(repo.oracle.fleetClusters ?? {}).map(([name, labels]) => ({ name, labels })),
        ...Object.entries(repo.oracle.argocdClusters ?? {}).map(([name, c]) => ({ name, labels: c.labels ?? {}, ...(c.annotations ? { annotations: c.annotations } : {}), ...(c.server ? { server: c.server } : {}) })),
      ],
    }
    : undefined;
  verdict.problems.push(...await coverageProblems({ label, plan, repoDir: built.dir, base: c.parent, head: c.sha, changedFiles: files, repoUrl: repo.spec.repoUrl, ...(clusters ? { clusters } : {}) }));
  return { ...verdict, plan, expectations };
}

// Every repository's work is queued at once, two plans at a time over the whole corpus (each plan renders
// in parallel itself, and the oracle bounds its own tool runs), so no core idles between repositories.
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'bosun-trust-'));
  const queue: Array<() => Promise<void>> = [];
  for (const repo of repos) {
    const built = buildCorpusRepo(repo, join(work, repo.spec.name));
    const oracle = built.then((b) => new Oracle(repo, b));
    const verdicts = new Map<string, Promise<Judged>>();
    for (const commit of repo.spec.commits) {
      verdicts.set(commit.id, new Promise<Judged>((resolve, reject) => {
        // Never rejects, so that one repository's failure does not stop the queue.
        queue.push(() => (async () => {
          const b = await built;
          return judgeCommit(repo, b, await oracle, b.commits.find((c) => c.id === commit.id)!);
        })().then(resolve, reject));
      }));
    }
    const baseStates = Promise.all([built, oracle]).then(([b, o]) => Promise.all(o.deployments.filter((d) => !d.since)
      .map(async (d) => ({ env: d.env, state: await o.stateOf(d.env, await o.tree(b.base)) }))));
    baseStates.catch(() => undefined); // reported by the test case
    runs.set(repo.spec.name, { baseStates, verdicts });
  }
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) await next();
  };
  draining = Promise.all([worker(), worker()]);
});

afterAll(async () => {
  // Commits whose test case did not run (a -t filter) are judged all the same: removed only after.
  await draining;
  mkdirSync(join(projectRoot, 'test-output'), { recursive: true });
  writeFileSync(join(projectRoot, 'test-output', 'trust-corpus.md'), `${summary.join('\n')}\n`);
  await rm(work, { recursive: true, force: true });
  await rm(await oracleScratch(), { recursive: true, force: true });
}, 900_000);

for (const repo of repos) {
  describe(`trust corpus: ${repo.spec.name} (${repo.spec.models})`, () => {
    it('oracle.yaml declares only deployments the controllers have at the base commit (objects, pinned or opaque)', async () => {
      for (const { env, state } of await runs.get(repo.spec.name)!.baseStates) {
        expect(state.kind, env).not.toBe('absent');
        if (state.kind === 'objects') expect(state.objects.length, env).toBeGreaterThan(0);
      }
    }, 600_000);

    for (const commit of repo.spec.commits) {
      const bugs = knownBugsAt(repo.spec, commit);
      const label = `${repo.spec.name} @ ${commit.id}`;
      const about = (bug: KnownBug) => (p: string) => p.startsWith(`${label}: ${bug.about}: `) || p.startsWith(`${label}: ${bug.about} `);
      const verdict = () => runs.get(repo.spec.name)!.verdicts.get(commit.id)!;

      it(`${commit.id}: ${commit.what}`, async () => {
        const v = await verdict();
        const changed = v.expectations.filter((e) => e.change.status !== 'unchanged');
        summary.push(`## ${label} (${commit.what})`,
          ...(changed.length ? changed.map((e) => `- ${e.deployment.env}: ${v.outcomes.get(e.deployment.env) ?? 'problem'}`) : ['- the controllers deploy nothing new']),
          ...v.problems.map((p) => `- ${bugs.some((b) => about(b)(p)) ? '🐞 known bug:' : '❌'} ${p}`), '');
        expect(v.problems.filter((p) => !bugs.some((b) => about(b)(p)))).toEqual([]);
      }, 600_000);

      // A known bug of bosun's: passes while bosun still shows it, turns red once fixed (then remove the entry).
      for (const bug of bugs) {
        it.fails(`${commit.id}: known bug about ${bug.about}: ${bug.bug}`, async () => {
          expect((await verdict()).problems.filter(about(bug))).toEqual([]);
        }, 600_000);
      }
    }
  });
}

describe('trust corpus: the corpus itself', () => {
  it('has at least 8 repositories of 3+ commits', () => {
    const all = listCorpus();
    expect(all.length).toBeGreaterThanOrEqual(8);
    for (const repo of all) expect(repo.spec.commits.length, repo.spec.name).toBeGreaterThanOrEqual(3);
  });
});
