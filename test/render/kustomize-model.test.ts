import { describe, expect, it } from 'vitest';
import { collectInputs } from '../../src/discover/index.ts';
import { BosunError } from '../../src/model/errors.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import type { Files } from '../git/temp-repo.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

const repo = useTempRepos();
const env = environment({ name: 'x', path: 'apps/x' });
const k = 'apps/x/kustomization.yaml';
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`;

interface Case {
  name: string;
  files: Files;
  error: { file: string; line?: number; field?: string };
  message: RegExp;
}

/** Kustomizations the one model refuses: the renderer and affected detection say the same thing, at the same place. */
const cases: Case[] = [
  {
    name: 'a resource file that does not exist',
    files: { [k]: 'resources:\n  - app.yaml\n  - gone.yaml\n', 'apps/x/app.yaml': cm('app') },
    error: { file: k, line: 3, field: 'resources[1]' }, message: /"gone\.yaml" does not exist \(looked for apps\/x\/gone\.yaml\)/,
  },
  {
    name: 'a base folder without a kustomization',
    files: { [k]: 'resources:\n  - ../plain\n', 'apps/plain/cm.yaml': cm('plain') },
    error: { file: k, line: 2, field: 'resources[0]' }, message: /folder apps\/plain has no kustomization\.yaml/,
  },
  {
    name: 'two kustomizations that include each other',
    files: { [k]: 'resources:\n  - ../y\n', 'apps/y/kustomization.yaml': 'resources:\n  - ../x\n' },
    error: { file: 'apps/y/kustomization.yaml', line: 2, field: 'resources[0]' }, message: /kustomization cycle: apps\/x includes itself/,
  },
  {
    name: 'a folder with two kustomization files',
    files: { [k]: 'resources:\n  - ../y\n', 'apps/y/kustomization.yaml': 'resources: []\n', 'apps/y/Kustomization': 'resources: []\n' },
    error: { file: 'apps/y/kustomization.yaml' }, message: /more than one kustomization file \(kustomization\.yaml, Kustomization\)/,
  },
  {
    name: 'a chart that is neither vendored nor from a repository',
    files: { [k]: 'helmCharts:\n  - name: nope\n    releaseName: nope\n' },
    error: { file: k, line: 2, field: 'helmCharts[0].name' }, message: /chart folder "nope" does not exist \(looked for apps\/x\/charts\/nope\)/,
  },
  {
    name: 'a patch file given as a folder',
    files: { [k]: 'resources: [app.yaml]\npatches:\n  - path: patches\n', 'apps/x/app.yaml': cm('app'), 'apps/x/patches/p.yaml': cm('app') },
    error: { file: k, line: 3, field: 'patches[0].path' }, message: /"patches" is a folder; a file is expected here/,
  },
  {
    name: 'plugin configs in a folder that read outside the repository',
    files: {
      [k]: 'resources: [plugins]\ntransformers: [plugins]\n',
      'apps/x/plugins/kustomization.yaml': 'resources: [patch.yaml]\n',
      'apps/x/plugins/patch.yaml': 'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: ../../../../etc/passwd\n',
    },
    error: { file: 'apps/x/plugins/patch.yaml', line: 5, field: 'path' }, message: /escapes the repository/,
  },
];

describe('one kustomize model: the renderer and affected detection refuse the same kustomizations the same way', () => {
  for (const c of cases) {
    it(`${c.name}: one error naming file, line and field`, async () => {
      const root = await repo(c.files);
      const outcome = await renderEnvironment(root, env);
      expect(outcome).toMatchObject({ ok: false, error: { ...c.error, tool: 'kustomize' } });
      expect(!outcome.ok && outcome.error.message).toMatch(c.message);
      const walked = await collectInputs(root, env).then(() => undefined, (e: unknown) => e);
      expect(walked).toBeInstanceOf(BosunError);
      expect((walked as BosunError).toProblem()).toMatchObject({ ...c.error, kind: outcome.ok ? undefined : outcome.error.kind });
      expect((walked as BosunError).message).toBe(!outcome.ok && outcome.error.message);
    });
  }

  it('a kustomization that is not valid YAML (a key twice): the renderer refuses it at its line, affected detection is unsure for the same reason', async () => {
    const root = await repo({ [k]: 'resources:\n  - app.yaml\nresources: []\n', 'apps/x/app.yaml': cm('app') });
    const outcome = await renderEnvironment(root, env);
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'yaml', tool: 'kustomize', file: k, line: 3 } });
    const inputs = await collectInputs(root, env);
    expect(inputs.unsure).toMatch(/^apps\/x\/kustomization\.yaml cannot be parsed \(line 3: /);
    expect(inputs.dirs).toContain('apps/x');
  });

  it('a plugin folder\'s configs are inputs: a change to the patch they name affects the environment', async () => {
    const root = await repo({
      [k]: 'resources: [app.yaml]\ntransformers: [plugins]\n',
      'apps/x/app.yaml': cm('app'),
      'apps/x/plugins/kustomization.yaml': 'resources: [label.yaml]\n',
      'apps/x/plugins/label.yaml': 'apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: patch.yaml\ntarget:\n  kind: ConfigMap\n',
      'apps/x/patch.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels:\n    patched: "yes"\n',
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok && outcome.objects.map((o) => o.object.metadata?.labels)).toEqual([{ patched: 'yes' }]);
    const inputs = await collectInputs(root, env);
    expect(inputs.unsure).toBeUndefined();
    expect(inputs.files).toEqual(expect.arrayContaining(['apps/x/patch.yaml', 'apps/x/plugins/label.yaml', 'apps/x/plugins/kustomization.yaml']));
  });
});

describe('a kustomization reached through a symlinked folder', () => {
  // kustomize reads it at its real location (kyaml filesys CleanedAbs: EvalSymlinks), so `../shared` of a
  // base linked as bases/web -> ../apps/web is apps/shared, and the link is part of what the build reads.
  const files: Files = {
    'apps/web/kustomization.yaml': 'resources: [web.yaml, ../shared]\n',
    'apps/web/web.yaml': cm('web'),
    'apps/shared/kustomization.yaml': 'resources: [shared.yaml]\n',
    'apps/shared/shared.yaml': cm('shared'),
    'apps/other/kustomization.yaml': 'resources: [other.yaml]\n',
    'apps/other/other.yaml': cm('other'),
    'bases/web': { symlink: '../apps/web' },
    'envs/linked': { symlink: '../apps/web' },
    [k]: 'resources: [../../bases/web]\n',
  };

  it('as a base: its references resolve from where the link leads, as kustomize builds it, and the link is an input', async () => {
    const root = await repo(files);
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok && outcome.objects.map((o) => o.object.metadata?.name).sort()).toEqual(['shared', 'web']);
    const inputs = await collectInputs(root, env);
    expect(inputs.unsure).toBeUndefined();
    expect(inputs.files).toEqual(expect.arrayContaining(['bases/web', 'apps/shared/shared.yaml']));
  });

  it('as the environment\'s own folder: the same, and pointing the link elsewhere is a change of the environment', async () => {
    const root = await repo(files);
    const linked = environment({ name: 'linked', path: 'envs/linked' });
    const inputs = await collectInputs(root, linked);
    expect(inputs.unsure).toBeUndefined();
    expect(inputs.files).toEqual(expect.arrayContaining(['envs/linked', 'apps/shared/shared.yaml']));
    expect(inputs.files.concat(inputs.dirs).some((p) => p.startsWith('apps/other'))).toBe(false);
  });
});

describe('a kustomization file that is a symlink', () => {
  it('is read where it leads, and that file is an input: a change to it affects the environment', async () => {
    const root = await repo({
      'common/kustomization.yaml': 'resources: [cm.yaml]\nnamePrefix: a-\n',
      [k]: { symlink: '../../common/kustomization.yaml' },
      'apps/x/cm.yaml': cm('x'),
    });
    const outcome = await renderEnvironment(root, env);
    expect(outcome.ok && outcome.objects.map((o) => o.object.metadata?.name)).toEqual(['a-x']);
    const inputs = await collectInputs(root, env);
    expect(inputs.files).toEqual(expect.arrayContaining([k, 'common/kustomization.yaml']));
  });
});

describe('references an environment makes besides its kustomization', () => {
  it('a remote or absolute component, or Helm value file, is refused by the same check, naming the field', async () => {
    const root = await repo({ [k]: 'resources: []\n', 'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n' });
    const definedIn = { file: '.bosun.yaml', line: 4 };
    const refused = (e: Parameters<typeof collectInputs>[1]) => collectInputs(root, e).then(() => undefined, (error: unknown) => (error as BosunError).toProblem());
    expect(await refused({ ...env, definedIn, kustomize: { components: ['https://example.com/components/tls'] } })).toMatchObject({
      kind: 'render', file: '.bosun.yaml', line: 4, field: 'kustomize.components[0]', message: expect.stringMatching(/remote references are not followed/),
    });
    expect(await refused({ ...env, definedIn, kustomize: { components: ['/etc/components'] } })).toMatchObject({ kind: 'path', field: 'kustomize.components[0]', message: expect.stringMatching(/is an absolute path/) });
    expect(await refused(environment({ name: 'web', path: 'charts/web', definedIn, helm: { valueFiles: ['https://example.com/values.yaml'] } }))).toMatchObject({
      field: 'helm.valueFiles[0]', message: expect.stringMatching(/remote references are not followed/),
    });
  });
});
