// `npm run testenv -- up | down | status | list | build [--name NAME]`: a long-lived test cluster for
// working by hand (KUBECONFIG=… kubectl …; `npm test` in the same checkout finds it by itself).
// Each checkout has its own cluster (or each explicit name: --name / BOSUN_TESTENV_NAME); `down` stops only
// that one. The built binaries are shared by all.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BosunError, exitCodeFor, formatProblem } from '../../src/model/errors.ts';
import { ensureBinaries } from './build.ts';
import { startTestCluster } from './cluster.ts';
import { withLock } from './lock.ts';
import { cacheRoot, clusterSlot, checkoutRoot, nameFrom, runDir, type ClusterSlot } from './paths.ts';
import { allStates, clearState, clusterRunning, findState, legacyOwner, staleLegacyState, writeState, type FoundState, type RunState } from './state.ts';
import { ownedBy, stopCluster } from './stop.ts';

const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

const USAGE = 'usage: npm run testenv -- up | down | status | list | build [--name NAME]';

/** How a slot is named to a person: `checkout /path` or `name "review"`. */
function slotLabel(slot: ClusterSlot): string {
  return slot.name ? `name "${slot.name}"` : `checkout ${slot.checkout}`;
}

function describeSlot(slot: ClusterSlot): string {
  return `the test cluster for ${slotLabel(slot)}`;
}

function describeOwner(state: RunState, legacy: boolean): string {
  if (state.name) return `name "${state.name}"`;
  if (state.checkout) return `checkout ${state.checkout}`;
  const owner = legacy ? legacyOwner(state) : undefined;
  if (owner) return `checkout ${owner} (recorded by an older testenv)`;
  return legacy ? 'recorded by an older testenv' : 'owner unknown';
}

function downHint(slot: ClusterSlot): string {
  return `\`npm run testenv -- down${slot.name ? ` --name ${slot.name}` : ''}\``;
}

async function up(slot: ClusterSlot, root: string): Promise<void> {
  const existing = findState(slot, root);
  if (existing && clusterRunning(existing.state)) {
    say(`[testenv] ${describeSlot(slot)} is already running at ${existing.state.server} (started ${existing.state.startedAt}); ${downHint(slot)} stops it`);
    process.stdout.write(`KUBECONFIG=${existing.state.kubeconfigPath}\n`);
    return;
  }
  if (existing) await cleanUp(existing);
  const stale = slot.name ? undefined : staleLegacyState(root);
  if (stale) await cleanUp(stale);
  const binaries = await ensureBinaries({ log: say });
  const cluster = await startTestCluster({ log: say, binaries, persistent: true });
  writeState(runDir(slot, root), {
    dir: cluster.dir,
    kubeconfigPath: cluster.kubeconfigPath,
    limitedKubeconfigPath: cluster.limitedKubeconfigPath,
    server: cluster.server,
    pids: cluster.pids,
    startedAt: new Date().toISOString(),
    checkout: slot.checkout,
    ...(slot.name ? { name: slot.name } : {}),
  });
  say(`[testenv] started ${describeSlot(slot)}`);
  say(`[testenv] a user with no rights: KUBECONFIG=${cluster.limitedKubeconfigPath}`);
  say(`[testenv] stop it with ${downHint(slot)}`);
  process.stdout.write(`KUBECONFIG=${cluster.kubeconfigPath}\n`);
}

/** Removes the remains of a recorded cluster that no longer runs (signals only processes still ours). */
async function cleanUp(found: FoundState): Promise<void> {
  say(`[testenv] cleaning up the remains of a previous cluster (${found.state.dir})`);
  await stopCluster(found.state.pids, found.state.dir);
  clearState(found);
}

async function down(slot: ClusterSlot, root: string): Promise<void> {
  const found = findState(slot, root);
  if (!found) {
    const stale = slot.name ? undefined : staleLegacyState(root);
    if (stale) await cleanUp(stale);
    say(`[testenv] no test cluster recorded for ${slotLabel(slot)}; nothing to stop`);
    return;
  }
  const foreign = await stopCluster(found.state.pids, found.state.dir);
  clearState(found);
  if (foreign.length > 0) say(`[testenv] left pids ${foreign.join(', ')} alone: they no longer belong to the test cluster`);
  say(`[testenv] stopped ${describeSlot(slot)} at ${found.state.server}`);
}

function status(slot: ClusterSlot, root: string): number {
  const found = findState(slot, root);
  if (!found) {
    say(`[testenv] not running: no cluster recorded for ${slotLabel(slot)}`);
    return 1;
  }
  const { state } = found;
  const alive = clusterRunning(state);
  say(`[testenv] ${describeSlot(slot)} (state ${found.file})`);
  say(`[testenv] ${alive ? 'running' : `NOT running (run ${downHint(slot)} to clean up)`}: ${state.server}, started ${state.startedAt}`);
  for (const [name, pid] of Object.entries(state.pids)) say(`  ${name}: pid ${pid} ${pid !== undefined && ownedBy(pid, state.dir) ? 'alive' : 'gone'}`);
  if (alive) process.stdout.write(`KUBECONFIG=${state.kubeconfigPath}\n`);
  return alive ? 0 : 1;
}

function list(slot: ClusterSlot, root: string): number {
  const all = allStates(root);
  if (all.length === 0) say('[testenv] no test clusters recorded');
  const mine = findState(slot, root)?.file;
  for (const found of all) {
    const { state } = found;
    const marker = found.file === mine ? '*' : ' ';
    say(`${marker} ${clusterRunning(state) ? 'running' : 'stopped'}  ${state.server}  ${describeOwner(state, found.legacy)}  ${state.kubeconfigPath}`);
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { name, rest } = nameFrom(argv);
  const command = rest[0];
  if (rest.length > 1) throw new BosunError({ kind: 'usage', message: `${USAGE} (unexpected ${rest.slice(1).join(' ')})` });
  const root = cacheRoot();
  const slot = clusterSlot({ checkout: checkoutRoot(), name });
  const run = runDir(slot, root);
  // one `up`/`down` per slot at a time, so two terminals cannot start two clusters under one state file
  const locked = (fn: () => Promise<void>): Promise<void> => {
    mkdirSync(run, { recursive: true });
    return withLock(join(run, 'state.lock'), { log: say, what: 'testenv up/down' }, fn);
  };
  switch (command) {
    case 'up':
      await locked(() => up(slot, root));
      return 0;
    case 'down':
      await locked(() => down(slot, root));
      return 0;
    case 'status':
      return status(slot, root);
    case 'list':
      return list(slot, root);
    case 'build':
      await ensureBinaries({ log: say });
      say('[testenv] binaries ready');
      return 0;
    default:
      throw new BosunError({ kind: 'usage', message: `${USAGE} (got ${command ?? 'nothing'})` });
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
