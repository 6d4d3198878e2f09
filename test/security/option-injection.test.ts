import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, parseRepoConfig } from '../../src/config/index.ts';
import { discoverEnvironments } from '../../src/discover/index.ts';
import { changedFiles, checkout, commitTime, createMirrorCache, fetchCommits, listTree, mergeBase, readBlob, resolveRef, rootTreeIds, treeId } from '../../src/git/index.ts';
import { commitFacts, isAncestor, mainlineFacts, pushNewBranch, rangeFacts, revertInScratchRepo, showPatch } from '../../src/git/revert.ts';
import { scratchRepo } from '../../src/git/scratch-repo.ts';
import { ensureCommits } from '../../src/cli/action/commits.ts';
import { BosunError } from '../../src/model/errors.ts';
import { renderEnvironment, toolRunCount } from '../../src/render/index.ts';
import { sandboxPolicy, setSandboxPolicy } from '../../src/render/sandbox.ts';
import { helmPath, projectRoot } from '../../src/util/tools.ts';
import { makeTree, yaml } from '../discover/temp-tree.ts';
import { environment } from '../render/environment.ts';
import { chartFiles, useTempRepos } from '../render/fixtures.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { callsIn, childProcessImporters, spawnSites } from './spawn-sites.ts';

/**
 * Everything in a pull request's head is written by whoever opened it, and so are the branch names of
 * fork pull requests. This suite enumerates every place bosun starts a process and, through the real
 * entry points (config loading, discovery, rendering with the real helm and kubectl, git against a real
 * repository), feeds each value that comes from outside something that would be an option: helm's
 * `--post-renderer=<script>` and git's `--output=<file>` leave a canary file behind when they are obeyed.
 */

/**
 * Every process start in src/ and queue/, with how the values it passes are kept from being read as
 * options. A new site (or a changed count) fails the first test: guard its arguments, test them below,
 * then list it here.
 */
const knownSites: Record<string, { count: number; guard: string }> = {
  'src/git/git.ts spawn': { count: 1, guard: 'git() itself: an argument list, never a shell' },
  'src/git/mirror-remote.ts spawn': { count: 1, guard: 'runRemoteGit() itself' },
  'src/git/mirror-remote.ts runRemoteGit': { count: 1, guard: 'remoteGit() → runRemoteGit()' },
  'src/git/changes.ts git': { count: 1, guard: '--end-of-options before both revisions' },
  'src/git/refs.ts git': { count: 1, guard: '--end-of-options before the ref' },
  'src/git/branch-tip.ts git': { count: 1, guard: 'the branch only after refs/heads/ and --end-of-options' },
  'src/git/commit-time.ts git': { count: 1, guard: '--end-of-options before the commit' },
  'src/git/blob.ts git': { count: 1, guard: 'git cat-file blob <id>: the id is checked as a full 40/64-hex object id first (the plan passes blob ids from git\'s own ls-tree)' },
  'src/git/tree.ts git': { count: 4, guard: '--end-of-options before the revision, -- before the path; rootTreeIds passes only full 40/64-hex ids (anything else goes through treeId)' },
  'src/git/revert.ts git': { count: 11, guard: 'commit ids checked as full 40/64-hex ids and put after --end-of-options; the rest take no outside value' },
  'src/git/revert.ts runRemoteGit': { count: 1, guard: 'branch name and commit id checked, --end-of-options before the remote' },
  'src/git/mirror.ts git': { count: 6, guard: 'wanted shas checked by checkShas (full ids) and sent on stdin; the clone URL checked by checkCloneUrl, passed as a config value' },
  'src/git/mirror.ts remoteGit': { count: 3, guard: 'fixed arguments; the by-id fetch takes checked shas after --end-of-options' },
  'src/git/scratch-repo.ts git': { count: 3, guard: 'the commit is resolved by resolveRef to a full id first; keep() gets the id git printed' },
  'src/git/worktree.ts execFile': { count: 1, guard: 'rm -rf -- <folder>: a checkout folder bosun made itself, after --' },
  'src/git/worktree.ts git': { count: 2, guard: 'the tree is a full id resolved by resolveRef first; a partial checkout\'s paths go to checkout-index on stdin (-z), never as arguments' },
  'src/render/process.ts spawn': { count: 1, guard: 'runTool() itself (in the sandbox when asked)' },
  'src/git/repository.ts git': { count: 7, guard: 'fixed arguments, the folder as the cwd; a commit to test after --end-of-options; commits to fetch checked as full ids, after --' },
  'src/git/history.ts git': { count: 1, guard: '--end-of-options before the commit' },
  'src/git/merge-base.ts git': { count: 1, guard: 'each side a full commit id or refs/heads/<checked branch name>, after --end-of-options' },
  'src/render/sandbox-probe.ts spawn': { count: 1, guard: 'fixed arguments (kubectl version), no repository content' },
  'src/render/helm.ts runTool': { count: 1, guard: 'options only as --name=value, release name and chart after --; release name, namespace and value files checked' },
  'src/render/helmrelease.ts runTool': { count: 1, guard: 'options only as --name=value, release name and chart after --; the HelmRelease\'s release name (after helm-controller\'s shortening) and namespace checked by helm\'s rules; values go through a JSON file bosun writes; the chart is a checked repository folder or the fetcher\'s cache' },
  'src/render/kustomize-post-build.ts runTool': { count: 1, guard: 'fixed arguments (kustomize <temp folder>); a HelmRelease post-renderer\'s patches and images are data in a kustomization bosun writes, a Fleet bundle\'s kustomization is checked by the kustomize model first' },
  'src/render/jsonnet.ts runTool': { count: 1, guard: '-J folders are absolute paths; ext/tla names checked as jsonnet identifiers and passed as name=value after the option; the file after --; imports leaving the repository refused first' },
  'src/git/grep.ts git': { count: 2, guard: 'the revision must be a full object id (checked: git grep knows no --end-of-options); the text after -e, the pathspecs after --; the cat-file names go on stdin' },
  'src/git/default-branch.ts git': { count: 1, guard: 'fixed arguments (symbolic-ref / rev-parse of refs/heads/main|master), no outside value' },
  'src/render/kustomize.ts runTool': { count: 1, guard: 'fixed arguments and temp paths; what kustomize hands to helm (helmCharts) is checked in the kustomization walk' },
  'src/render/fleet-patch.ts runTool': { count: 1, guard: 'fixed arguments (kubectl patch --local) naming files bosun writes; the object and the patch are data in them' },
  'src/render/fleet-templates.ts runTool': { count: 1, guard: 'options only as --name=value, release name and chart after --; fleet.yaml\'s release name and namespace checked by helm\'s rules first; values in a JSON file bosun writes' },
};

/** Only the runners above may import child_process; anything else would be a spawn site the grep cannot see by name. */
const childProcessFiles = ['src/git/git.ts', 'src/git/mirror-remote.ts', 'src/git/worktree.ts', 'src/render/process.ts', 'src/render/sandbox-probe.ts'];

describe('process starts', () => {
  it('are all known, each with the way it keeps outside values from being options', () => {
    const expected = Object.fromEntries(Object.entries(knownSites).map(([site, { count }]) => [site, count]));
    expect(spawnSites(projectRoot), 'a process is started somewhere new, or a known site changed: guard its arguments, test them here, then update knownSites').toEqual(expected);
    expect(childProcessImporters(projectRoot)).toEqual(childProcessFiles);
  });
});

const run = promisify(execFile);
const repo = useTempRepos();
let canaryDir: string;
let canary: string;
let inject: string;
let modeBefore: 'on' | 'off';

beforeAll(async () => {
  canaryDir = await makeTree({});
  canary = join(canaryDir, 'CANARY');
  const hook = join(canaryDir, 'hook.sh');
  await writeFile(hook, `#!/bin/sh\ntouch '${canary}'\ncat\n`);
  await chmod(hook, 0o755);
  inject = `--post-renderer=${hook}`;
  // Outside the sandbox, so that an option that got through would run the hook: bosun's own checks are
  // what is tested here, and they must hold without the sandbox too.
  modeBefore = sandboxPolicy().mode;
  setSandboxPolicy({ mode: 'off' });
});

afterAll(() => {
  setSandboxPolicy({ mode: modeBefore });
});

beforeEach(async () => {
  await rm(canary, { force: true });
});

describe('the canary', () => {
  it('fires when helm takes a release name as an option, as it did before these checks', async () => {
    const root = await repo(chartFiles('charts/web'));
    await run(helmPath(), ['template', inject, join(root, 'charts/web')]);
    expect(existsSync(canary)).toBe(true);
  });
});

describe('.bosun.yaml values that reach helm', () => {
  it('are refused with file, line and field when they could be options', () => {
    let error: unknown;
    try {
      parseRepoConfig(yaml`
        version: 1
        environments:
          - name: web
            path: charts/web
            namespace: "${inject}"
            helm:
              releaseName: "${inject}"
            kustomize:
              namespace: "${inject}"
      `);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => [p.line, p.field])).toEqual([
      [5, 'environments[0].namespace'],
      [7, 'environments[0].helm.releaseName'],
      [9, 'environments[0].kustomize.namespace'],
    ]);
  });
});

describe('Argo CD and Flux values that reach helm', () => {
  const app = (metadataName: string, helm: string, namespace = 'web') => yaml`
    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata:
      name: "${metadataName}"
    spec:
      source:
        path: charts/web
        helm:
          ${helm}
      destination:
        namespace: "${namespace}"
  `;
  const cases: Array<[string, () => string, number, string]> = [
    ['helm.releaseName', () => app('web', `releaseName: "${inject}"`), 9, 'spec.source.helm.releaseName'],
    ['the Application name used as release name', () => app(inject, 'valueFiles: [values.yaml]'), 4, 'metadata.name'],
    ['destination.namespace', () => app('web', 'valueFiles: [values.yaml]', inject), 11, 'spec.destination.namespace'],
  ];
  for (const [what, text, line, field] of cases) {
    it(`refuses ${what} that could be an option, naming file, line and field`, async () => {
      const root = await makeTree({ ...chartFiles('charts/web'), 'argocd/web.yaml': text() });
      const error = await discoverEnvironments(root).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BosunError);
      expect((error as BosunError).toProblem()).toMatchObject({ file: 'argocd/web.yaml', line, field });
    });
  }

  it('refuses a Flux targetNamespace that could be an option', async () => {
    const root = await makeTree({
      'apps/web/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n',
      'clusters/prod/apps.yaml': yaml`
        apiVersion: kustomize.toolkit.fluxcd.io/v1
        kind: Kustomization
        metadata:
          name: apps
          namespace: flux-system
        spec:
          path: ./apps/web
          sourceRef: {kind: GitRepository, name: flux-system}
          targetNamespace: "${inject}"
      `,
    });
    const error = await discoverEnvironments(root).catch((e: unknown) => e);
    expect((error as BosunError).toProblem()).toMatchObject({ file: 'clusters/prod/apps.yaml', line: 9, field: 'spec.targetNamespace' });
  });
});

describe('Fleet values that reach helm', () => {
  const bundle = (fleetYaml: string) => ({
    'web/fleet.yaml': fleetYaml,
    'web/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: {{ .Release.Name }} }\n',
  });
  const cases: Array<[string, string, string]> = [
    ['helm.releaseName', 'helm:\n  releaseName: "INJECT"\n', 'helm.releaseName'],
    ['defaultNamespace', 'defaultNamespace: "INJECT"\n', 'defaultNamespace'],
  ];
  for (const [what, fleetYaml, field] of cases) {
    it(`refuses a fleet.yaml ${what} that could be an option before helm renders the bundle's templates/`, async () => {
      const root = await makeTree(bundle(fleetYaml.replace('INJECT', inject)));
      const { environments } = await discoverEnvironments(root, { clusters: { clusters: [{ name: 'dev', labels: {} }], groups: [] } });
      const env = environments.find((e) => e.name.startsWith('web'));
      expect(env?.render).toBe('fleet');
      const runs = toolRunCount();
      const out = await renderEnvironment(root, env!);
      expect(out).toMatchObject({ ok: false, error: { file: 'web/fleet.yaml', field } });
      expect(toolRunCount()).toBe(runs);
      expect(existsSync(canary)).toBe(false);
    });
  }
});

describe('rendering with the real helm and kubectl', () => {
  const helmEnv = (extra: Partial<Parameters<typeof environment>[0]> = {}) =>
    environment({ name: 'web', source: 'argocd', path: 'charts/web', namespace: 'web', definedIn: { file: 'argocd/web.yaml', line: 3 }, ...extra });

  it('refuses a release name or namespace that could be an option before helm runs, whoever built the environment', async () => {
    const root = await repo(chartFiles('charts/web'));
    const runs = toolRunCount();
    const byName = await renderEnvironment(root, helmEnv({ helm: { releaseName: inject, valueFiles: [] } }));
    expect(byName).toMatchObject({ ok: false, error: { file: 'argocd/web.yaml', line: 3, field: 'helm.releaseName', message: expect.stringContaining('not a valid Helm release name') } });
    const byNamespace = await renderEnvironment(root, helmEnv({ namespace: inject }));
    expect(byNamespace).toMatchObject({ ok: false, error: { file: 'argocd/web.yaml', field: 'namespace' } });
    expect(toolRunCount()).toBe(runs);
    expect(existsSync(canary)).toBe(false);
  });

  it('passes value file names and environment names to helm as data', async () => {
    const valueFile = '--post-renderer=values-as-data.yaml';
    const root = await repo({ ...chartFiles('charts/web'), [`charts/web/${valueFile}`]: 'greeting: read-as-data\n' });
    const outcome = await renderEnvironment(root, helmEnv({ name: inject, helm: { valueFiles: [valueFile] } }));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const config = outcome.objects.find((o) => o.object.kind === 'ConfigMap' && o.object.data)?.object;
    expect(config?.data).toEqual({ greeting: 'read-as-data' });
    // the environment name became a release name by losing everything helm does not allow
    expect(config?.metadata?.name).toMatch(/^post-renderer-.*-config$/);
    expect(existsSync(canary)).toBe(false);
  });

  const helmChartFields: Array<[string, (v: string) => string, number, string]> = [
    ['releaseName', (v) => `    releaseName: "${v}"\n`, 3, 'helmCharts[0].releaseName'],
    ['namespace', (v) => `    namespace: "${v}"\n`, 3, 'helmCharts[0].namespace'],
    ['version', (v) => `    version: "${v}"\n`, 3, 'helmCharts[0].version'],
    ['kubeVersion', (v) => `    kubeVersion: "${v}"\n`, 3, 'helmCharts[0].kubeVersion'],
    ['apiVersions', (v) => `    apiVersions:\n      - v1\n      - "${v}"\n`, 5, 'helmCharts[0].apiVersions[1]'],
  ];
  for (const [key, line, at, field] of helmChartFields) {
    it(`refuses kustomize helmCharts ${key} that could be an option (kustomize hands it to helm), before any tool runs`, async () => {
      const root = await repo({ ...chartFiles('apps/x/charts/web'), 'apps/x/kustomization.yaml': `helmCharts:\n  - name: web\n${line(inject)}` });
      const runs = toolRunCount();
      const outcome = await renderEnvironment(root, environment({ name: 'x', path: 'apps/x' }));
      expect(outcome).toMatchObject({ ok: false, error: { tool: 'kustomize', file: 'apps/x/kustomization.yaml', line: at, field } });
      expect(!outcome.ok && outcome.error.message).toContain('kustomize passes it to helm on the command line');
      expect(toolRunCount()).toBe(runs);
      expect(existsSync(canary)).toBe(false);
    });
  }

  it('leaves what kustomize passes to helm as a flag value (values files, name templates) as data', async () => {
    const root = await repo({
      ...chartFiles('apps/x/charts/web'),
      'apps/x/--post-renderer=values.yaml': 'greeting: read-as-data\n',
      'apps/x/kustomization.yaml': `helmCharts:\n  - name: web\n    releaseName: web\n    valuesFile: "--post-renderer=values.yaml"\n    additionalValuesFiles: ["--post-renderer=values.yaml"]\n`,
    });
    const outcome = await renderEnvironment(root, environment({ name: 'x', path: 'apps/x' }));
    expect(outcome.ok && outcome.objects.find((o) => o.object.metadata?.name === 'web-config')?.object.data).toEqual({ greeting: 'read-as-data' });

    const templated = await repo({ ...chartFiles('apps/x/charts/web'), 'apps/x/kustomization.yaml': `helmCharts:\n  - name: web\n    nameTemplate: "${inject}"\n` });
    await renderEnvironment(templated, environment({ name: 'x', path: 'apps/x' }));
    expect(existsSync(canary)).toBe(false);
  });
});

describe('Argo CD jsonnet values that reach jsonnet', () => {
  // jsonnet's own `-o <path>` (`--output-file <path>`, two arguments: this jsonnet has no `--opt=value`)
  // writes the result to a file: obeyed, it leaves a file behind.
  const jsonnetFiles = {
    'apps/web/main.jsonnet': 'function(greeting="hi") { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace: "web" }, data: { greeting: greeting, ext: std.extVar("who") } }\n',
  };
  const jsonnetEnv = (jsonnet: NonNullable<NonNullable<Parameters<typeof environment>[0]['directory']>['jsonnet']>) =>
    environment({ name: 'web', source: 'argocd', path: 'apps/web', namespace: 'web', definedIn: { file: 'argocd/web.yaml', line: 3 }, directory: { recurse: false, jsonnet } });

  it('(control) jsonnet obeys --output-file when it is given as an option', async () => {
    const root = await repo(jsonnetFiles);
    const out = join(canaryDir, 'JSONNET-OUT');
    await run('jsonnet', ['-o', out, '--ext-str', 'who=x', join(root, 'apps/web/main.jsonnet')]);
    expect(existsSync(out)).toBe(true);
    await rm(out);
  });

  for (const kind of ['extVars', 'tlas'] as const) {
    it(`refuses a directory.jsonnet.${kind} name that could be an option before jsonnet runs, naming file, line and field`, async () => {
      const root = await repo(jsonnetFiles);
      const out = join(canaryDir, 'JSONNET-OUT');
      const runs = toolRunCount();
      const outcome = await renderEnvironment(root, jsonnetEnv({
        extVars: [{ name: kind === 'extVars' ? '-o' : 'who', value: out, code: false }],
        ...(kind === 'tlas' ? { tlas: [{ name: '-o', value: out, code: false }] } : {}),
      }));
      expect(outcome).toMatchObject({ ok: false, error: { file: 'argocd/web.yaml', line: 3, field: `directory.jsonnet.${kind}[0].name`, message: expect.stringContaining('not a jsonnet identifier') } });
      expect(toolRunCount()).toBe(runs);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('passes extVar and TLA values, and file names, to jsonnet as data', async () => {
    const out = join(canaryDir, 'JSONNET-OUT');
    const root = await repo({ 'apps/web/-o.jsonnet': jsonnetFiles['apps/web/main.jsonnet'] });
    const outcome = await renderEnvironment(root, jsonnetEnv({
      extVars: [{ name: 'who', value: `-o ${out}`, code: false }],
      tlas: [{ name: 'greeting', value: `--output-file=${out}`, code: false }],
    }));
    expect(outcome.ok, JSON.stringify(outcome)).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => o.object.data)).toEqual([{ greeting: `--output-file=${out}`, ext: `-o ${out}` }]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('git with values from payloads and pull requests', () => {
  let git: GitRepoBuilder;
  let base: string;
  let head: string;
  let gitCanary: string;
  let bad: string;

  beforeAll(async () => {
    git = await makeGitRepo();
    await git.write('a.txt', 'one\n');
    base = await git.commit('one');
    await git.write('a.txt', 'two\n');
    head = await git.commit('two');
    gitCanary = join(canaryDir, 'GIT-CANARY');
    // git diff, log and show write their output to this file when they take it as an option
    bad = `--output=${gitCanary}`;
  });

  afterAll(async () => {
    await rm(git.dir, { recursive: true, force: true });
  });

  it('(control) git obeys --output when it is given as an option', async () => {
    await git.git('show', '--format=%H', '-s', bad, head);
    expect(existsSync(gitCanary)).toBe(true);
    await rm(gitCanary);
  });

  const refused: Array<[string, () => Promise<unknown>]> = [
    ['resolveRef', () => resolveRef(git.dir, bad)],
    ['changedFiles (base)', () => changedFiles(git.dir, bad, head)],
    ['changedFiles (head)', () => changedFiles(git.dir, base, bad)],
    ['listTree', () => listTree(git.dir, bad)],
    ['treeId', () => treeId(git.dir, bad, 'a.txt')],
    ['rootTreeIds', () => rootTreeIds(git.dir, [head, bad])],
    ['readBlob', () => readBlob(git.dir, bad)],
    ['commitTime', () => commitTime(git.dir, bad)],
    ['checkout', () => checkout(git.dir, bad)],
    ['commitFacts', () => commitFacts(git.dir, bad)],
    ['rangeFacts (base)', () => rangeFacts(git.dir, bad, head)],
    ['rangeFacts (head)', () => rangeFacts(git.dir, base, bad)],
    ['mainlineFacts', () => mainlineFacts(git.dir, bad, 2)],
    ['isAncestor', () => isAncestor(git.dir, bad, head)],
    ['showPatch', () => showPatch(git.dir, bad)],
    ['pushNewBranch (sha)', () => pushNewBranch({ cwd: git.dir, sha: bad, branch: 'bosun/revert-1-x', token: 't', repoName: 'acme/fleet' })],
    ['pushNewBranch (branch)', () => pushNewBranch({ cwd: git.dir, sha: head, branch: `--receive-pack=touch ${gitCanary}`, token: 't', repoName: 'acme/fleet' })],
    ['mirror ensure (wanted sha)', () => createMirrorCache({ root: canaryDir }).ensure({ fullName: 'acme/fleet', cloneUrl: `file://${git.dir}` }, async () => 't', [bad])],
    ['bosun action ensureCommits', () => ensureCommits(git.dir, [head, bad], () => undefined)],
    ['fetchCommits', () => fetchCommits(git.dir, [bad])],
    ['mergeBase (commit)', () => mergeBase(git.dir, bad, head)],
    ['mergeBase (branch)', () => mergeBase(git.dir, `refs/heads/${bad}`, head)],
    ['revertInScratchRepo', async () => {
      const scratch = await scratchRepo(git.dir, head);
      try {
        return await revertInScratchRepo(scratch, { mode: 'squash', commits: [bad] }, { name: 'bosun', email: 'bosun@example.com' }, 'revert');
      } finally {
        await scratch.dispose();
      }
    }],
  ];
  for (const [what, call] of refused) {
    it(`${what} refuses an option-like revision and never lets git obey it`, async () => {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(BosunError);
      expect(existsSync(gitCanary)).toBe(false);
    });
  }

  it('treeId takes a path as data, after --', async () => {
    expect(await treeId(git.dir, head, bad)).toBeUndefined();
    expect(existsSync(gitCanary)).toBe(false);
  });
});

describe('the spawn-site grep', () => {
  it('counts calls in code, not methods, definitions or comments, and keeps strings with URLs', () => {
    const source = [
      '// git(["comment"]) and /* spawn("no") */',
      'const m = /x/.exec(text); this.git(1);',
      'export function git(args) {}',
      "await git(['show']); const url = 'https://example.com'; spawn('helm', []);",
      'runTool({ command });',
    ].join('\n');
    expect(callsIn(source)).toEqual(['git', 'spawn', 'runTool']);
  });
});
