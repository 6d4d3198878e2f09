// `npm run demo`: builds the bundled example repo (fixtures/example-repo) into a real git repository with
// a sample pull request branch, runs the main job on it (`bosun plan` base..head) and prints the report
// that pull request would get. Everything happens in a temp folder that is removed afterwards.
// `npm run demo -- --full [--keep]`: the local end-to-end tour instead (scripts/tour/).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleRepo } from '../testkit/example-repo.ts';
import { main } from '../src/cli/main.ts';

async function planDemo(): Promise<number> {
  const work = await mkdtemp(join(tmpdir(), 'bosun-demo-'));
  try {
    const repo = await buildExampleRepo({ dir: join(work, 'example-repo') });
    process.stderr.write(`bosun demo: example repo at ${repo.dir}\n`);
    process.stderr.write(`bosun demo: sample pull request ${repo.branch} (${repo.headSha.slice(0, 7)}) into main (${repo.baseSha.slice(0, 7)})\n`);
    process.stderr.write(`bosun demo: $ bosun plan --repo ${repo.dir} --base main --head ${repo.branch}\n\n`);
    const format = process.argv.includes('--json') ? ['--format', 'json'] : [];
    const code = await main(['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch, ...format]);
    process.stderr.write(`\nbosun demo: plan exited with ${code} (0 = clean, 1 = a render or validation failed, 2 = usage/config, 3 = not all of it could be judged; bosun --help lists the exit codes)\n`);
    // The demo's job is to show the report; a validation finding in the sample PR is part of what it shows.
    return code === 2 ? 2 : 0;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv.includes('--full')) {
  const { tourCli } = await import('./tour/cli.ts');
  const code = await tourCli(process.argv.slice(2));
  // Everything the tour started is stopped by now; exit even if a library left a timer behind.
  process.exit(code);
} else {
  process.exitCode = await planDemo();
}
