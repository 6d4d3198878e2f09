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
    ['a worker imports the CLI', 'queue/processors/x.ts', "import { clusterNameOf } from '../../src/cli/commands/clusters.ts';\nexport const x = clusterNameOf;\n", /workers do not import the CLI/],
    ['a worker imports the webhook app', 'queue/processors/x.ts', "import { checkRunName } from '../../src/app.ts';\nexport const x = checkRunName;\n", /workers do not import the webhook app/],
    ['a workflow imports a job processor', 'queue/workflows/apply/x.ts', "import { applyProcessor } from '../../processors/apply.ts';\nexport const x = applyProcessor;\n", /workflow .* does not import the job processors/],
    ['a benchmark imports test/', 'bench/x.bench.ts', "import { makeGitRepo } from '../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
    ['a benchmark imports test/ at run time', 'bench/x.bench.ts', "export const load = () => import('../test/support/testenv/cluster.ts');\n", /only test\/ imports test\/.*testkit\//],
    ['a script imports test/', 'scripts/tour/x.ts', "import type { GitHubStandin } from '../../test/support/github-standin/index.ts';\nexport type X = GitHubStandin;\n", /only test\/ imports test\/.*testkit\//],
    ['testkit re-exports test/', 'testkit/x.ts', "export { uniquePrefix } from '../test/queue/support.ts';\n", /only test\/ imports test\/.*testkit\//],
    ['an adapter imports test/', 'src/cluster/x.ts', "import { makeGitRepo } from '../../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
    ['the CLI imports test/', 'src/cli/commands/x.ts', "import { makeGitRepo } from '../../../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
    ['a worker imports test/', 'queue/processors/x.ts', "import { makeGitRepo } from '../../test/support/git-repo.ts';\nexport const x = makeGitRepo;\n", /only test\/ imports test\/.*testkit\//],
  ];
  for (const [what, file, code, message] of cases) {
    it(`fails when ${what}`, async () => {
      const messages = await restricted(file, code);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(message);
    });
  }

  it('passes imports that go down: the CLI and the workers use adapters, adapters use the core, the core uses the model', async () => {
    expect(await restricted('src/cli/commands/x.ts', "import { connect } from '../../cluster/index.ts';\nimport { startBot } from '../../../queue/processors/start-bot.ts';\nexport const x = [connect, startBot];\n")).toEqual([]);
    expect(await restricted('queue/processors/x.ts', "import { clusterNameOf } from '../../src/model/environment.ts';\nimport { checkRunName } from '../../src/github/names.ts';\nexport const x = [clusterNameOf, checkRunName];\n")).toEqual([]);
    expect(await restricted('src/cluster/x.ts', "import { diffRenders } from '../diff/index.ts';\nexport const x = diffRenders;\n")).toEqual([]);
    expect(await restricted('src/report/x.ts', "import type { PlanResult } from '../model/plan.ts';\nexport type X = PlanResult;\n")).toEqual([]);
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
