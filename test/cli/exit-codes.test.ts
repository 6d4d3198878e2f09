// The CLI's exit-code contract, one row per situation and command, run through the real CLI in-process
// on real git repositories (and, for apply, the real test API server):
// 0 done and nothing wrong · 1 the content is wrong · 2 usage or configuration · 3 nothing to judge.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeConfig, CoreV1Api } from '@kubernetes/client-node';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { testKubeconfig, writeTestClusterRegistry } from '../../testkit/testenv/inject.ts';
import { inventoryName, inventoryNamespace } from '../../src/cluster/inventory.ts';
import { runCli } from './run-cli.ts';

type Command = 'plan' | 'validate' | 'render' | 'apply' | 'sync';
const commands: Command[] = ['plan', 'validate', 'render', 'apply', 'sync'];

const suffix = randomBytes(3).toString('hex');
const ns = `bosun-exit-${suffix}`;
const missingNs = `bosun-exit-missing-${suffix}`;

// The environment's name is this run's own: its inventory on the shared test cluster is no other suite's.
const env = `exit-${suffix}`;
const config = (extra = '') => `version: 1\nenvironments:\n  - name: ${env}\n    path: deploy/dev\n    cluster: dev\n${extra}`;
const namespace = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`;
const configMap = (value: string, where = ns, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${where}\ndata:\n  level: "${value}"\n${extra}`;
const deployment = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: ${ns}\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n`;
const good: Record<string, string> = { '.bosun.yaml': config(), 'deploy/dev/ns.yaml': namespace, 'deploy/dev/cm.yaml': configMap('info') };

/**
 * A repository whose `main` is `good` and whose `head` branch (also the working tree) is `good` with
 * `change` on top (null removes a file).
 */
async function situation(change: Record<string, string | null>, base: Record<string, string> = good): Promise<string> {
  const repo = await makeGitRepo(join(work, `repo-${Object.keys(repos).length}`));
  for (const [path, content] of Object.entries(base)) await repo.write(path, content);
  await repo.commit('base');
  await repo.git('checkout', '--quiet', '-b', 'head');
  for (const [path, content] of Object.entries(change)) {
    if (content === null) await repo.remove(path);
    else await repo.write(path, content);
  }
  await repo.commit('head');
  return repo.dir;
}

let work: string;
const repos: Record<string, string> = {};
let offlineRegistry: string;
let liveRegistry: string | undefined;

/** The test cluster's registry: only rows that reach the API server ask for it. */
async function live(): Promise<string> {
  liveRegistry ??= await writeTestClusterRegistry(join(work, 'live-clusters.yaml'), ['dev']);
  return liveRegistry;
}

interface Case {
  /** The repository folder, or a path that is not one. */
  repo: () => string;
  /** Arguments that replace the defaults below, per command. */
  args?: Partial<Record<Command, string[]>>;  // {success} and {offline} are filled in
  extra?: string[];
  /** validate and render read a commit (--ref main) instead of the folder as it is. */
  withRef?: boolean;
  cluster?: 'offline' | 'live';
}

async function argv(command: Command, c: Case): Promise<string[]> {
  const repo = c.repo();
  const clusters = c.cluster === 'live' ? await live() : offlineRegistry;
  const base: Record<Command, string[]> = {
    plan: ['--repo', repo, '--base', 'main', '--head', 'head', ...(c.cluster === 'live' ? ['--clusters', clusters] : [])],
    validate: ['--repo', repo, ...(c.withRef ? ['--ref', 'main'] : [])],
    render: ['--repo', repo, ...(c.withRef ? ['--ref', 'main'] : [])],
    apply: ['--repo', repo, '--ref', 'head', '--env', env, '--clusters', clusters],
    sync: ['--repo', repo, '--ref', 'head', '--env', env, '--clusters', clusters],
  };
  return [command, ...base[command], ...(c.extra ?? [])];
}

interface Row { situation: string; command: Command; code: number; says: RegExp[]; case: Case }

const rows: Row[] = [];
function table(name: string, c: Case, expected: Partial<Record<Command, { code: number; says?: RegExp[] }>>, says: RegExp[] = []): void {
  for (const command of commands) {
    const e = expected[command];
    if (e) rows.push({ situation: name, command, code: e.code, says: [...says, ...(e.says ?? [])], case: c });
  }
}
const all = (code: number, says: RegExp[] = []) => Object.fromEntries(commands.map((c) => [c, { code, says }])) as Record<Command, { code: number; says: RegExp[] }>;

// --- the table -------------------------------------------------------------------------------------

table('success', { repo: () => repos.success, cluster: 'live' }, all(0));
table('render failure', { repo: () => repos.renderFailure }, all(1), [/missing\.yaml/]);
table('validation error', { repo: () => repos.validationError }, {
  plan: { code: 1 }, validate: { code: 1 }, apply: { code: 1, says: [/validation error/] }, sync: { code: 1, says: [/validation error/] },
  // render prints the objects; judging them is validate's job
  render: { code: 0 },
}, [/spec|level/]);
table('apply failure (the API server refuses an object)', { repo: () => repos.applyFailure, cluster: 'live' }, {
  apply: { code: 1, says: [new RegExp(missingNs)] }, sync: { code: 1, says: [new RegExp(missingNs)] },
  // the plan's apply preview predicts it
  plan: { code: 1, says: [new RegExp(missingNs)] },
  // offline, the content is fine
  validate: { code: 0 }, render: { code: 0 },
});
table('health failed (a Deployment that never gets ready within healthTimeout: the test API server runs no kubelet or controllers)', { repo: () => repos.healthFailure, cluster: 'live' }, {
  apply: { code: 1, says: [/timeout|not healthy|unhealthy/i, /Deployment/] }, sync: { code: 1, says: [/timeout|not healthy|unhealthy/i, /Deployment/] },
  // health is known only once applied: offline, the content is fine
  validate: { code: 0 }, render: { code: 0 },
});
table('unknown flag', { repo: () => repos.success, extra: ['--bogus'] }, all(2, [/--bogus/, /--help/]));
table('--repo of a missing folder', { repo: () => join(work, 'no-such-folder') }, all(2, [/--repo .*no-such-folder: no such folder/]));
table('--repo of a folder that is not a git repository (validate and render with --ref)', { repo: () => repos.notGit, withRef: true }, all(2, [/is not a git repository/]));
table('unknown ref', { repo: () => repos.success, args: {
  plan: ['--repo', '{success}', '--base', 'main', '--head', 'no-such-branch'],
  validate: ['--repo', '{success}', '--ref', 'no-such-branch'],
  render: ['--repo', '{success}', '--ref', 'no-such-branch'],
  apply: ['--repo', '{success}', '--ref', 'no-such-branch', '--env', env, '--clusters', '{offline}'],
  sync: ['--repo', '{success}', '--ref', 'no-such-branch', '--env', env, '--clusters', '{offline}'],
} }, all(2, [/unknown git ref "no-such-branch"/]));
table('unknown --env', { repo: () => repos.success, args: {
  plan: ['--repo', '{success}', '--base', 'main', '--head', 'head', '--env', 'nope'],
  validate: ['--repo', '{success}', '--env', 'nope'],
  render: ['--repo', '{success}', '--env', 'nope'],
  apply: ['--repo', '{success}', '--ref', 'head', '--env', 'nope', '--clusters', '{offline}'],
  sync: ['--repo', '{success}', '--ref', 'head', '--env', 'nope', '--clusters', '{offline}'],
} }, all(2, [new RegExp(`unknown environment "nope"; known: ${env}`)]));
table('a required flag missing (validate and render require none)', { repo: () => repos.success, args: {
  plan: ['--repo', '{success}', '--base', 'main'],
  apply: ['--repo', '{success}', '--ref', 'head', '--clusters', '{offline}'],
  sync: ['--repo', '{success}', '--env', env, '--clusters', '{offline}'],
} }, { plan: { code: 2, says: [/plan: --head is required/] }, apply: { code: 2, says: [/apply: --env is required/] }, sync: { code: 2, says: [/sync: --ref is required/] } });
table('a flag value outside its choices (apply and sync have no --format)', { repo: () => repos.success, extra: ['--format', 'xml'] }, {
  plan: { code: 2, says: [/--format must be one of markdown, json \(got "xml"\)/] },
  validate: { code: 2, says: [/--format must be one of text, json \(got "xml"\)/] },
  render: { code: 2, says: [/--format must be one of yaml, json \(got "xml"\)/] },
});
// An environment whose cluster the registry lacks (plan/unregistered-clusters.ts, one rule for every command):
// plan, validate and render still do offline what they can, but it is never previewed nor applied — not all
// of it judged (exit 3, naming the environment, its .bosun.yaml line and the registered clusters); apply and
// sync refuse it as configuration (exit 2) before rendering anything. Without a registry, plan-only as before.
const withUnknownCluster = (repo: string): Case['args'] => ({
  plan: ['--repo', repo, '--base', 'main', '--head', 'head', '--clusters', '{offline}'],
  validate: ['--repo', repo, '--clusters', '{offline}'],
  render: ['--repo', repo, '--clusters', '{offline}'],
  apply: ['--repo', repo, '--ref', 'head', '--env', env, '--clusters', '{offline}'],
  sync: ['--repo', repo, '--ref', 'head', '--env', env, '--clusters', '{offline}'],
});
const notRegistered = /its cluster `nowhere` is not in the cluster registry, which defines `dev`/;
const refused = [/bosun: \.bosun\.yaml:3: environment "exit-[0-9a-f]+": its cluster `nowhere` is not in the cluster registry, which defines `dev`; nothing applied/];
const saysEnvironment = [/bosun: environment `exit-[0-9a-f]+` \(\.bosun\.yaml:3\): its cluster `nowhere` is not in the cluster registry, which defines `dev`; never previewed nor applied/];
table('unknown cluster (a cluster registry without it)', { repo: () => repos.unknownCluster, args: withUnknownCluster('{unknownCluster}') }, {
  plan: { code: 3, says: [/bosun: cannot judge 1 changed file\(s\): \.bosun\.yaml/, /environment `exit-[0-9a-f]+` \(`\.bosun\.yaml:3`\): its cluster `nowhere` is not in the cluster registry, which defines `dev`/] },
  validate: { code: 3, says: [...saysEnvironment, /✓ exit-[0-9a-f]+ \(deploy\/dev\): 2 objects/, /\.bosun\.yaml:3: not previewed: its cluster `nowhere`.*validated offline only/] },
  render: { code: 3, says: [...saysEnvironment, /# Source: deploy\/dev\/cm\.yaml/] },
  apply: { code: 2, says: refused }, sync: { code: 2, says: refused },
}, [notRegistered]);
// The content is wrong (1) comes before "not all of it judged" (3); apply and sync refuse the cluster first.
table('unknown cluster and a render failure', { repo: () => repos.unknownClusterBroken, args: withUnknownCluster('{unknownClusterBroken}') }, {
  plan: { code: 1 }, validate: { code: 1 }, render: { code: 1 },
  apply: { code: 2, says: refused }, sync: { code: 2, says: refused },
}, [notRegistered]);
table('unknown cluster and a validation error (render does not judge validation)', { repo: () => repos.unknownClusterInvalid, args: withUnknownCluster('{unknownClusterInvalid}') }, {
  plan: { code: 1 }, validate: { code: 1 }, render: { code: 3 },
  apply: { code: 2, says: refused }, sync: { code: 2, says: refused },
}, [notRegistered]);
table('unknown cluster, without a cluster registry (plan-only)', { repo: () => repos.unknownCluster }, { plan: { code: 0, says: [/0 changes/] }, validate: { code: 0 }, render: { code: 0 } });
table('invalid .bosun.yaml (schema)', { repo: () => repos.badSchema }, all(2), [/\.bosun\.yaml:6: environments\[0\]\.prune: expected a boolean, got a string/]);
table('invalid .bosun.yaml (YAML syntax)', { repo: () => repos.badYaml }, all(2), [/\.bosun\.yaml:\d+: not valid YAML: /]);
// The cluster registry is read by the commands that take --clusters (plan: for its apply preview).
const withRegistry = (registry: string): Case['args'] => ({
  plan: ['--repo', '{success}', '--base', 'main', '--head', 'head', '--clusters', registry],
  apply: ['--repo', '{success}', '--ref', 'head', '--env', env, '--clusters', registry],
  sync: ['--repo', '{success}', '--ref', 'head', '--env', env, '--clusters', registry],
});
const registryCommands = { plan: { code: 2 }, apply: { code: 2 }, sync: { code: 2 } };
table('invalid cluster registry (YAML syntax)', { repo: () => repos.success, args: withRegistry('{badYamlRegistry}') }, registryCommands, [/bad-yaml-clusters\.yaml:\d+: not valid YAML: .*fix the YAML syntax/]);
table('invalid cluster registry (schema)', { repo: () => repos.success, args: withRegistry('{badSchemaRegistry}') }, registryCommands, [/bad-schema-clusters\.yaml:3: clusters\.dev\.kubeconfigg: Unrecognized key: "kubeconfigg"/]);
table('no environment found', { repo: () => repos.nothing }, all(3), [
  /no environment found/, /\.bosun\.yaml/, /Flux Kustomizations/, /Argo CD Applications/, /Rancher Fleet bundles .*fleet\.yaml.*Fleet GitRepos/, /clusters\/<name>\//, /version: 1\n\s+environments:\n\s+- name: /,
]);

// ---------------------------------------------------------------------------------------------------

function fill(args: string[]): string[] {
  return args.map((a) => a.replace('{success}', repos.success).replace('{unknownClusterBroken}', repos.unknownClusterBroken).replace('{unknownClusterInvalid}', repos.unknownClusterInvalid)
    .replace('{unknownCluster}', repos.unknownCluster).replace('{offline}', offlineRegistry)
    .replace('{badYamlRegistry}', join(work, 'bad-yaml-clusters.yaml')).replace('{badSchemaRegistry}', join(work, 'bad-schema-clusters.yaml')));
}

describe('the exit-code contract: one row per situation and command', () => {
  let core: CoreV1Api | undefined;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-exit-codes-'));
    offlineRegistry = join(work, 'offline-clusters.yaml');
    // Rows that must not reach a cluster: a kubeconfig that does not exist would say so (exit 2, "kubeconfig").
    await writeFile(offlineRegistry, `clusters:\n  dev:\n    kubeconfig: ${join(work, 'no-kubeconfig')}\n`);
    await writeFile(join(work, 'bad-yaml-clusters.yaml'), 'clusters:\n  dev:\n    kubeconfig: [oops\n');
    await writeFile(join(work, 'bad-schema-clusters.yaml'), 'clusters:\n  dev:\n    kubeconfigg: /etc/kubeconfig\n');
    repos.success = await situation({ 'deploy/dev/cm.yaml': configMap('debug') });
    repos.renderFailure = await situation({ 'deploy/dev/kustomization.yaml': 'resources:\n  - ns.yaml\n  - cm.yaml\n  - missing.yaml\n' });
    repos.validationError = await situation({ 'deploy/dev/cm.yaml': configMap('debug', ns, 'spec:\n  level: debug\n') });
    repos.applyFailure = await situation({ 'deploy/dev/other.yaml': configMap('x', missingNs) });
    repos.healthFailure = await situation({ '.bosun.yaml': config('    healthTimeout: 1s\n'), 'deploy/dev/web.yaml': deployment });
    repos.unknownCluster = await situation({ '.bosun.yaml': config().replace('cluster: dev', 'cluster: nowhere') });
    repos.unknownClusterBroken = await situation({ '.bosun.yaml': config().replace('cluster: dev', 'cluster: nowhere'), 'deploy/dev/kustomization.yaml': 'resources:\n  - ns.yaml\n  - cm.yaml\n  - missing.yaml\n' });
    repos.unknownClusterInvalid = await situation({ '.bosun.yaml': config().replace('cluster: dev', 'cluster: nowhere'), 'deploy/dev/cm.yaml': configMap('debug', ns, 'spec:\n  level: debug\n') });
    repos.badSchema = await situation({ '.bosun.yaml': `${config()}    prune: maybe\n` });
    repos.badYaml = await situation({ '.bosun.yaml': 'version: 1\nenvironments:\n  - name: dev\n    path: [deploy/dev\n  - name: prod\n    path: deploy/prod\n    cluster: prod\n' });
    repos.nothing = await situation({ 'notes.md': 'nothing here\n' }, { 'README.md': '# docs only\n' });
    repos.notGit = join(work, 'not-git');
    await mkdir(join(repos.notGit, 'deploy/dev'), { recursive: true });
    await writeFile(join(repos.notGit, '.bosun.yaml'), config());
    await writeFile(join(repos.notGit, 'deploy/dev/cm.yaml'), configMap('info'));
  }, 120_000);

  afterAll(async () => {
    if (liveRegistry) {
      const kc = new KubeConfig();
      kc.loadFromFile(testKubeconfig());
      core = kc.makeApiClient(CoreV1Api);
      await core.deleteNamespace({ name: ns }).catch(() => undefined);
      await core.deleteNamespacedConfigMap({ name: inventoryName(env), namespace: inventoryNamespace }).catch(() => undefined);
    }
    await rm(work, { recursive: true, force: true });
  });

  it.each(rows.map((r) => [r.situation, r.command, r.code, r] as const))('%s · bosun %s → exit %i', async (_s, command, code, row) => {
    const args = row.case.args?.[command] ? [command, ...fill(row.case.args[command]!)] : await argv(command, row.case);
    const r = await runCli(args);
    const output = `${r.stdout}\n${r.stderr}`;
    expect(r.code, output).toBe(code);
    for (const re of row.says) expect(output).toMatch(re);
    if (code === 2 || code === 3) expect(r.stderr, 'the problem is said on stderr').toMatch(/^bosun: /m);
  });

  it('a YAML syntax error in .bosun.yaml is one problem, not the parser\'s cascade', async () => {
    const r = await runCli(['validate', '--repo', repos.badYaml]);
    expect(r.code).toBe(2);
    const problems = r.stderr.split('\n').filter((l) => /\.bosun\.yaml:\d+/.test(l));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^bosun: \.bosun\.yaml:[45]: not valid YAML: .*\]; fix the YAML syntax/);
  });

  it('--repo of a folder inside a repository names the repository\'s top', async () => {
    const r = await runCli(['plan', '--repo', join(repos.success, 'deploy'), '--base', 'main', '--head', 'head']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`is a folder inside the git repository ${repos.success}`);
  });

  it('plan --format json with nothing to judge still prints its JSON, and exits 3', async () => {
    const r = await runCli(['plan', '--repo', repos.nothing, '--base', 'main', '--head', 'head', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ environments: [] });
    expect(r.stderr).toMatch(/no environment found/);
  });

  it('bosun --version and -V print the package version', async () => {
    const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});
