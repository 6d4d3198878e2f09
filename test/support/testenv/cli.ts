// `npm run testenv -- up | down | status | build`: a long-lived test cluster for working by hand
// (KUBECONFIG=… kubectl …, or BOSUN_TEST_KUBECONFIG=… npm test to skip the per-run start).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BosunError, exitCodeFor, formatProblem } from '../../../src/model/errors.ts';
import { ensureBinaries } from './build.ts';
import { startTestCluster } from './cluster.ts';
import { withLock } from './lock.ts';
import { cacheRoot, runDir } from './paths.ts';
import { clearState, readState, writeState, type RunState } from './state.ts';
import { ownedBy, stopCluster } from './stop.ts';

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function running(state: RunState): boolean {
  return [state.pids.etcd, state.pids.apiserver, state.pids.controllerManager].every((pid) => pid !== undefined && ownedBy(pid, state.dir));
}

async function up(run: string): Promise<void> {
  const existing = readState(run);
  if (existing && running(existing)) {
    say(`[testenv] already running at ${existing.server} (started ${existing.startedAt}); \`npm run testenv -- down\` stops it`);
    process.stdout.write(`KUBECONFIG=${existing.kubeconfigPath}\n`);
    return;
  }
  if (existing) {
    say('[testenv] cleaning up the remains of a previous cluster');
    await stopCluster(existing.pids, existing.dir);
    clearState(run);
  }
  const binaries = await ensureBinaries({ log: say });
  const cluster = await startTestCluster({ log: say, binaries, persistent: true });
  writeState(run, {
    dir: cluster.dir,
    kubeconfigPath: cluster.kubeconfigPath,
    limitedKubeconfigPath: cluster.limitedKubeconfigPath,
    server: cluster.server,
    pids: cluster.pids,
    startedAt: new Date().toISOString(),
  });
  say(`[testenv] a user with no rights: KUBECONFIG=${cluster.limitedKubeconfigPath}`);
  say('[testenv] stop it with `npm run testenv -- down`');
  process.stdout.write(`KUBECONFIG=${cluster.kubeconfigPath}\n`);
}

async function down(run: string): Promise<void> {
  const state = readState(run);
  if (!state) {
    say('[testenv] no test cluster recorded; nothing to stop');
    return;
  }
  const foreign = await stopCluster(state.pids, state.dir);
  clearState(run);
  if (foreign.length > 0) say(`[testenv] left pids ${foreign.join(', ')} alone: they no longer belong to the test cluster`);
  say(`[testenv] stopped the test cluster at ${state.server}`);
}

function status(run: string): number {
  const state = readState(run);
  if (!state) {
    say('[testenv] not running');
    return 1;
  }
  const alive = running(state);
  say(`[testenv] ${alive ? 'running' : 'NOT running (run `npm run testenv -- down` to clean up)'}: ${state.server}, started ${state.startedAt}`);
  for (const [name, pid] of Object.entries(state.pids)) say(`  ${name}: pid ${pid} ${pid !== undefined && ownedBy(pid, state.dir) ? 'alive' : 'gone'}`);
  if (alive) process.stdout.write(`KUBECONFIG=${state.kubeconfigPath}\n`);
  return alive ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const command = args[0];
  const run = runDir(cacheRoot());
  mkdirSync(run, { recursive: true });
  // one `up`/`down` at a time, so two terminals cannot start two clusters under one state file
  const locked = (fn: () => Promise<void>): Promise<void> => withLock(join(run, 'state.lock'), { log: say, what: 'testenv up/down' }, fn);
  switch (command) {
    case 'up':
      await locked(() => up(run));
      return 0;
    case 'down':
      await locked(() => down(run));
      return 0;
    case 'status':
      return status(run);
    case 'build':
      await ensureBinaries({ log: say });
      say('[testenv] binaries ready');
      return 0;
    default:
      throw new BosunError({ kind: 'usage', message: `usage: npm run testenv -- up | down | status | build (got ${command ?? 'nothing'})` });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof BosunError) {
      say(formatProblem(err));
      process.exit(exitCodeFor(err.kind));
    }
    say(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
