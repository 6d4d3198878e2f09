import { defineConfig } from 'vitest/config';

// Three projects (`npm test` runs them all, in this order; `npm run test:unit` / `test:plan` / `test:cluster` one):
// - unit: everything that needs neither the test Kubernetes API server, nor a long end-to-end run, nor a whole
//   plan of a repository. It may use Redis, git, kustomize/helm and the render sandbox. Its global setup starts
//   no cluster, and the cluster helpers (testkit/testenv/inject.ts) throw "this suite needs the cluster
//   project" in it.
// - plan: test/plan/, whole plans of test repositories with the real tools; the unit project's setup.
// - cluster: the suites listed below (the test API server, the Redis-backed e2e harness, the packed
//   install), with the cluster global setup (test/support/global-setup.ts).

// Which test files run in the `cluster` project; every other test/**/*.test.ts is
// in `unit`. A file belongs here when it uses the test Kubernetes API server (testKubeconfig(),
// testCluster(), writeTestClusterRegistry(), test/cluster/helpers.ts), runs bosun end to end on the
// Redis-backed harness (test/e2e/), or is a long integration run (the packed install, the image-like
// chart install). A file that needs the cluster but is missing here fails in `unit` with "this suite needs
// the cluster project" (testkit/testenv/project.ts).
const clusterSuites: readonly string[] = [
  // bosun's server and workers end to end on Redis and the GitHub stand-in, most against the cluster
  'test/e2e/**/*.test.ts',
  // the cluster engine against the test API server
  'test/cluster/apply.test.ts',
  'test/cluster/connect.test.ts',
  'test/cluster/faults.test.ts',
  'test/cluster/fleet-helm.test.ts',
  'test/cluster/flux-apply.test.ts',
  'test/cluster/health.test.ts',
  'test/cluster/helmrelease-hooks.test.ts',
  'test/cluster/idempotent-apply.test.ts',
  'test/cluster/ignore-differences.test.ts',
  'test/cluster/preview.test.ts',
  'test/cluster/secrets.test.ts',
  'test/cluster/sops-apply.test.ts',
  'test/cluster/sync-hooks.test.ts',
  'test/cluster/sync.test.ts',
  // the CLI applying to or reading from the cluster
  'test/cli/apply-example.test.ts',
  'test/cli/cluster-schemas.test.ts',
  'test/cli/drift.test.ts',
  'test/cli/exit-codes.test.ts',
  'test/cli/sops-flux-apply.test.ts',
  // the local tour applies to the cluster; the chart install deploys bosun's chart into it
  'test/demo/tour.test.ts',
  'test/deploy/chart-install.test.ts',
  // the test cluster itself
  'test/testenv/cluster.test.ts',
  // long integration runs, measured at 24-370 s each in the unit project on a loaded 2-core machine:
  // npm pack + npm install of the package; the image's runtime stage replayed with
  // npm; the release workflow's steps; eslint over the tree with the layer rules; git mirrors of real
  // repositories; the GitHub Action end to end; the chart's plan-only install and Redis Cluster on the
  // e2e harness
  'test/package/packed-install.test.ts',
  'test/deploy/image-layout.test.ts',
  'test/deploy/release-workflow.test.ts',
  'test/lint/layers.test.ts',
  'test/git/mirror.test.ts',
  'test/action/action-entry.test.ts',
  'test/deploy/chart-plan-only.test.ts',
  // the render sandbox in a container confined like the chart's worker pod (runc)
  'test/deploy/worker-runtime.test.ts',
  'test/queue/redis-cluster.test.ts',
  // also long (25-135 s each in the unit project): the test cluster's own start/stop life cycle, the trust
  // corpus (bosun plan against an oracle on every commit), the large-plan and input-index-agreement runs,
  // and Redis Sentinel failover
  'test/testenv/lifecycle.test.ts',
  'test/trust/corpus.test.ts',
  'test/plan/large-plans.test.ts',
  'test/plan/input-index-agreement.test.ts',
  'test/queue/sentinel-failover.test.ts',
  // bosun's server and workers end to end on the Redis-backed harness (testkit/harness.ts), like test/e2e/:
  // every malicious pull request through the GitHub App, and a worker without the render sandbox
  'test/security/malicious-app.test.ts',
  'test/security/sandbox-unavailable.test.ts',
  // integration runs that each spawn the real tools dozens of times, measured on a quiet 2-core machine
  // (2026-12-06) at 5-15 s each, a third of the unit project's time: every malicious pull request through
  // `bosun plan` in the sandbox; the kustomize model against real kustomize on every case; the dashboard in
  // a real Chromium; bosun's processes killed by signals; Helm repositories refusing and failing; many
  // concurrent git checkouts of one mirror
  'test/security/malicious-plan.test.ts',
  'test/render/kustomize-model-oracle.test.ts',
  'test/dashboard/browser.test.ts',
  'test/cli/signals.test.ts',
  'test/plan/chart-fetch-failures.test.ts',
  'test/git/concurrent-checkouts.test.ts',
  // the Fleet twins of the malicious-plan and malicious-app suites above (every malicious Fleet bundle through
  // `bosun plan` in the sandbox, and through the App on the e2e harness), measured at 10-13 s each in the unit
  // project (2026-12-06, load 7-12), its two longest files but one
  'test/security/malicious-fleet-plan.test.ts',
  'test/security/malicious-fleet-app.test.ts',
  // output bombs through jsonnet, a Fleet bundle's templates and a HelmRelease's post-renderers (20-64 MB of
  // tool output each, stopped as it streams): 21 s on a quiet machine (2026-12-06), the unit project's longest file
  'test/render/streamed-output-others.test.ts',
  // whole-repository runs, measured with each file's own and its child processes' CPU (/proc/self/stat around
  // the file, 2026-12-07, load 13-19): the example repository built with `kubectl kustomize` and helm in every
  // kustomization folder on both sides of its pull request (15.5 CPU-s, three quarters in those processes;
  // test/fixtures/example-repo.test.ts still checks the repository in unit), and six `bosun plan/validate/
  // apply` runs of the CLI over it (11 CPU-s; the rule it checks, plan/unregistered-clusters.ts, is covered in
  // unit by test/plan/remote-cluster-notes and test/cli/unregistered-cluster-commands)
  'test/fixtures/example-repo-renders.test.ts',
  'test/cli/unregistered-flux-cluster.test.ts',
  // `npm run bosun` as a user runs it, three times: npm, then tsx compiling and loading bosun, then bosun
  // planning with git and kustomize, each a process of its own (5.2 CPU-s, all but 0.1 in those processes;
  // the unit project's costliest file, measured 2026-12-07 at load 12-16), like the packed install above.
  // bosun's own part stays covered in unit, in-process: cli/plan-example (plan --format json, its exit
  // codes, 2 for a usage error) and cli/bad-input
  'test/cli/npm-script.test.ts',
];

// Which test files run in the `plan` project: whole plans of git repositories the tests build (test/plan/),
// each through discovery, the real kustomize and helm in the render sandbox, validation and the diff — a few to
// dozens of tool processes per file, 46 % of the unit project's test time when they were in it (2026-12-07:
// 197 of 424 s). They need no cluster either and run with the unit project's settings, after it, so that
// `npm run test:unit` stays the quick run of everything else (issue #14: under a minute on 2 quiet cores).
const planSuites: readonly string[] = ['test/plan/**/*.test.ts'];

/** The unit project's settings, shared by the plan project. */
const sharedWorkers = {
  globalSetup: ['test/support/global-setup-unit.ts'],
  // Files share their worker process (and its loaded modules) instead of each paying for a fresh
  // process that imports bosun again: importing was most of a small file's time. No unit suite
  // mocks a module or leaves the environment changed (each restores what it sets), and every one
  // uses its own Redis key prefix and temporary folders, so a file sees nothing another one left.
  isolate: false,
  // Three files at a time: vitest's default on 2 cores is one, and much of a file's time is waiting
  // on git, kustomize, helm, Redis or a local server rather than computing (two at a time left the
  // cores a third idle). Measured on a quiet 2-core machine (2026-12-06): 65 s with two, 55-56 s
  // with three. At load 25+ (other jobs on the machine) three at a time once pushed a Redis-heavy
  // suite past its timeout; every unit suite's timeouts now leave a wide margin (fairness's burst of
  // 500 jobs takes ~1 s of its 60 s).
  maxWorkers: 3,
};

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // Transformed modules kept on disk between runs (node_modules/.experimental-vitest-cache), keyed by each
    // file's content, its id and the Vite configuration (vitest.dev/config/experimental: fsModuleCache; the
    // default from Vitest 5): a rerun after editing a few files transforms only those. Every worker still
    // imports and runs each module itself, so what a test sees is unchanged. Measured on the whole unit
    // project (2026-12-06, 2 cores at load 8-9, same tree): cold cache transform 23 s, import 55 s, 134 s user
    // CPU, 225 s wall; warm transform 6 s, import 38 s, 115 s user CPU, 187 s wall.
    experimental: { fsModuleCache: true },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...clusterSuites, ...planSuites],
          ...sharedWorkers,
          // Runs first in `npm test`, then plan, then cluster (projects with different maxWorkers need
          // their own group; one group at a time keeps three files at a time on the two cores).
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'plan',
          include: [...planSuites],
          exclude: [...clusterSuites],
          ...sharedWorkers,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: [...clusterSuites],
          globalSetup: ['test/support/global-setup.ts'],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
