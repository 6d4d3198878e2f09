// The one-way layers are enforced by `npm run lint` (eslint.layers.js): a forbidden import fails it, the
// same import one layer up passes; only test/ imports test/ (testkit/ is what the rest may share). Linted
// through ESLint's own API with the repository's configuration.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';

const eslint = new ESLint({ cwd: projectRoot });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('the import-boundary lint rule', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['the model imports an adapter', 'src/model/x.ts', "import type { ClusterClient } from '../cluster/client.ts';\nexport type X = ClusterClient;\n", /bottom layer/],
    ['the core imports the cluster adapter', 'src/report/x.ts', "import { connect } from '../cluster/index.ts';\nexport const x = connect;\n", /core .* does not import adapters/],
    ['the core imports job contracts', 'src/plan/x.ts', "import type { PlanJob } from '../jobs.ts';\nexport type X = PlanJob;\n", /job contracts/],
    ['an adapter imports the CLI', 'src/cluster/x.ts', "import { clusterNameOf } from '../cli/commands/clusters.ts';\nexport const x = clusterNameOf;\n", /nothing imports the CLI/],
    ['an adapter imports the webhook app', 'src/github/x.ts', "import { checkRunName } from '../app.ts';\nexport const x = checkRunName;\n", /webhook app is an entry point/],
    ['a worker imports the CLI', 'queue/workflows/commands/x.ts', "import { clusterNameOf } from '../../../src/cli/commands/clusters.ts';\nexport const x = clusterNameOf;\n", /workers do not import the CLI/],
    ['a worker imports the webhook app', 'queue/x.ts', "import { checkRunName } from '../src/app.ts';\nexport const x = checkRunName;\n", /workers do not import the webhook app/],
    ['a workflow imports the worker runtime', 'queue/workflows/plan/x.ts', "import { startWorkers } from '../../runtime.ts';\nexport const x = startWorkers;\n", /workflow imports from the worker runtime .* only its contract, queue\/contract\.ts/],
    ['the registry imports the worker runtime', 'queue/workflows/x.ts', "import { keepLease } from '../lease-keeper.ts';\nexport const x = keepLease;\n", /only its contract, queue\/contract\.ts/],
    ['a workflow imports the registry', 'queue/workflows/push/x.ts', "import { createBosunProcessors } from '../index.ts';\nexport const x = createBosunProcessors;\n", /workflow does not import the registry/],
    ['the runtime imports a workflow past the registry', 'queue/x.ts', "import { planProcessor } from './workflows/plan/plan.ts';\nexport const x = planProcessor;\n", /runtime reaches the workflows only through their registry/],
    ['the apply workflow imports a command', 'queue/workflows/apply/x.ts', "import { commandHandlers } from '../commands/command-table.ts';\nexport const x = commandHandlers;\n", /apply workflow imports no other workflow/],
    ['the plan workflow imports the apply workflow', 'queue/workflows/plan/x.ts', "import { applyRun } from '../apply/apply-run.ts';\nexport const x = applyRun;\n", /plan workflow imports no other workflow/],
    ['a command imports the push workflow', 'queue/workflows/commands/x.ts', "import { pushProcessor } from '../push/push.ts';\nexport const x = pushProcessor;\n", /the commands workflow imports only apply/],
    ['the reconcile workflow imports the push workflow', 'queue/workflows/reconcile/x.ts', "import { pushProcessor } from '../push/push.ts';\nexport const x = pushProcessor;\n", /the reconcile workflow imports only apply/],
    ['a new workflow imports another', 'queue/workflows/review/x.ts', "import { planProcessor } from '../plan/plan.ts';\nexport const x = planProcessor;\n", /workflow not listed in workflowDirections imports no other workflow/],
    ['a benchmark imports test/', 'bench/x.bench.ts', "import { makeGitRepo } from '../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
    ['a benchmark imports test/ at run time', 'bench/x.bench.ts', "export const load = () => import('../test/support/testenv/cluster.ts');\n", /only test\/ imports test\/.*testkit\//],
    ['a script imports test/', 'scripts/tour/x.ts', "import type { GitHubStandin } from '../../test/support/github-standin/index.ts';\nexport type X = GitHubStandin;\n", /only test\/ imports test\/.*testkit\//],
    ['testkit re-exports test/', 'testkit/x.ts', "export { uniquePrefix } from '../test/queue/support.ts';\n", /only test\/ imports test\/.*testkit\//],
    ['an adapter imports test/', 'src/cluster/x.ts', "import { makeGitRepo } from '../../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
    ['the CLI imports test/', 'src/cli/commands/x.ts', "import { makeGitRepo } from '../../../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
    ['a worker imports test/', 'queue/workflows/plan/x.ts', "import { makeGitRepo } from '../../../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
  ];
  for (const [what, file, code, message] of cases) {
    it(`fails when ${what}`, async () => {
      const messages = await restricted(file, code);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(message);
    });
  }

  it('passes imports that go down: the CLI and the workers use adapters, adapters use the core, the core uses the model', async () => {
    expect(await restricted('src/cli/commands/x.ts', "import { connect } from '../../cluster/index.ts';\nimport { startBot } from '../../../queue/start-bot.ts';\nexport const x = [connect, startBot];\n")).toEqual([]);
    expect(await restricted('queue/workflows/plan/x.ts', "import { clusterNameOf } from '../../../src/model/environment.ts';\nimport { checkRunName } from '../../../src/github/names.ts';\nexport const x = [clusterNameOf, checkRunName];\n")).toEqual([]);
    expect(await restricted('src/cluster/x.ts', "import { diffRenders } from '../diff/index.ts';\nexport const x = diffRenders;\n")).toEqual([]);
    expect(await restricted('src/report/x.ts', "import type { PlanResult } from '../model/plan.ts';\nexport type X = PlanResult;\n")).toEqual([]);
  });

  it('passes the workers\' own directions: runtime → registry → workflows → contract, and between workflows the documented ones', async () => {
    expect(await restricted('queue/x.ts', "import { createBosunProcessors } from './workflows/index.ts';\nimport { startWorkers } from './runtime.ts';\nexport const x = [createBosunProcessors, startWorkers];\n")).toEqual([]);
    expect(await restricted('queue/workflows/x.ts', "import { planProcessor } from './plan/plan.ts';\nimport type { Processors } from '../contract.ts';\nexport const x = planProcessor;\nexport type X = Processors;\n")).toEqual([]);
    expect(await restricted('queue/workflows/commands/x.ts', "import { applyRun } from '../apply/apply-run.ts';\nimport { runCommand } from './command-table.ts';\nimport { JobAborted } from '../../contract.ts';\nexport const x = [applyRun, runCommand, JobAborted];\n")).toEqual([]);
    expect(await restricted('queue/workflows/push/x.ts', "import { reportSuperseded } from '../apply/apply-job.ts';\nimport { scheduleReconciles } from '../reconcile/reconcile-schedule.ts';\nexport const x = [reportSuperseded, scheduleReconciles];\n")).toEqual([]);
    expect(await restricted('queue/workflows/reconcile/x.ts', "import { applyRun } from '../apply/apply-run.ts';\nexport const x = applyRun;\n")).toEqual([]);
  });

  it('passes testkit/ for benchmarks and scripts, and test/ for tests', async () => {
    expect(await restricted('bench/x.bench.ts', "import { makeGitRepo } from '../testkit/git-repo.ts';\nexport const load = () => import('../testkit/testenv/cluster.ts');\nexport const x = makeGitRepo;\n")).toEqual([]);
    expect(await restricted('scripts/tour/x.ts', "import type { GitHubStandin } from '../../testkit/github-standin/index.ts';\nexport type X = GitHubStandin;\n")).toEqual([]);
    expect(await restricted('test/e2e/x.test.ts', "import { uniquePrefix } from '../queue/support.ts';\nimport { makeGitRepo } from '../../testkit/git-repo.ts';\nexport const x = [uniquePrefix, makeGitRepo];\n")).toEqual([]);
  });

  it('holds for the whole repository as it is', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts', 'queue/**/*.ts', 'testkit/**/*.ts', 'bench/**/*.{ts,mjs}', 'scripts/**/*.{ts,mjs}', 'bin/*.mjs']);
    const broken = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => `${r.filePath.slice(projectRoot.length + 1)}:${m.line}: ${m.message}`));
    expect(broken).toEqual([]);
  }, 120_000);
});
