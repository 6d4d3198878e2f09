import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { collectInputs, environmentForPath, isInput, type InputsCache } from '../../src/discover/index.ts';
import { environmentDefaults, type Environment } from '../../src/model/environment.ts';
import { BosunError } from '../../src/model/errors.ts';
import { helmPath, kubectlPath } from '../../src/util/tools.ts';
import { deployment, kustomizeMonorepo } from './kustomize-fixture.ts';
import { makeTree } from './temp-tree.ts';

const run = promisify(execFile);

function env(name: string, path: string, extra: Partial<Environment> = {}): Environment {
  return { ...environmentDefaults, name, source: 'config', path, dependsOn: [], requires: [], definedIn: { file: '.bosun.yaml', line: 3 }, ...extra };
}

const kustomizationNames = (dir: string) => [`${dir}/Kustomization`, `${dir}/kustomization.yaml`, `${dir}/kustomization.yml`];

describe('collectInputs', () => {
  it('walks nested bases, components, patches, generators and helmCharts transitively', async () => {
    const root = await makeTree(kustomizeMonorepo);
    const inputs = await collectInputs(root, env('staging', 'apps/overlays/staging'));
    expect(inputs.unsure).toBeUndefined();
    expect(inputs.dirs).toEqual(['charts/common', 'charts/podinfo']);
    expect(inputs.files).toEqual(
      [
        '.bosun.yaml', '.bosun.yml',
        ...kustomizationNames('apps/base'),
        'apps/base/config.properties', 'apps/base/crds/widget.json', 'apps/base/deployment.yaml', 'apps/base/extra.txt',
        'apps/base/kustomizeconfig.yaml', 'apps/base/labels-transformer.yaml', 'apps/base/openapi.json',
        'apps/base/patches/json.yaml', 'apps/base/patches/replicas.yaml', 'apps/base/patches/strategic.yaml',
        'apps/base/replacements.yaml', 'apps/base/secret.env', 'apps/base/vars.env',
        ...kustomizationNames('apps/overlays/staging'),
        'apps/overlays/staging/values-extra.yaml', 'apps/overlays/staging/values-staging.yaml',
        ...kustomizationNames('components/tls'), 'components/tls/tls.yaml',
        ...kustomizationNames('shared/namespace'), 'shared/namespace/namespace.yaml',
      ].sort(),
    );
    expect(inputs.files).not.toContain('apps/base/unused.yaml');
  });

  it('treats a plain folder and a Helm chart with value files as whole subtrees', async () => {
    const root = await makeTree({ ...kustomizeMonorepo, 'plain/a/cm.yaml': 'x: 1\n', 'charts/podinfo/values-prod.yaml': 'a: 1\n', 'envs/prod.yaml': 'b: 2\n' });
    expect(await collectInputs(root, env('plain', 'plain'))).toEqual({ files: ['.bosun.yaml', '.bosun.yml'], dirs: ['plain'] });
    const chart = await collectInputs(root, env('chart', 'charts/podinfo', { helm: { valueFiles: ['values-prod.yaml', '../../envs/prod.yaml'] } }));
    expect(chart).toEqual({ files: ['.bosun.yaml', '.bosun.yml', 'envs/prod.yaml'], dirs: ['charts/common', 'charts/podinfo'] });
  });

  it('follows nested kustomizations of a Flux path that has no kustomization file', async () => {
    const root = await makeTree({
      ...kustomizeMonorepo,
      'clusters/staging/apps.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      'clusters/staging/web/kustomization.yaml': 'resources: [../../../apps/overlays/production]\n',
    });
    const inputs = await collectInputs(root, { ...env('staging/flux-system', 'clusters/staging'), source: 'flux', definedIn: { file: 'clusters/staging/flux-system/gotk-sync.yaml', line: 9 } });
    expect(inputs.dirs).toEqual(['clusters/staging']);
    expect(inputs.files).toContain('apps/overlays/production/replicas.yaml');
    expect(inputs.files).toContain('apps/base/deployment.yaml');
    // The definition file is covered by the folder, so it is not listed twice.
    expect(isInput(inputs, 'clusters/staging/flux-system/gotk-sync.yaml')).toBe(true);
    expect(inputs.files).not.toContain('.bosun.yaml');
  });

  it('includes Flux/Argo CD components given outside the kustomization', async () => {
    const root = await makeTree(kustomizeMonorepo);
    const inputs = await collectInputs(root, env('prod', 'apps/overlays/production', { kustomize: { components: ['../../../components/tls'] } }));
    expect(inputs.files).toContain('components/tls/tls.yaml');
  });

  it('keeps remote bases out of the inputs and is unsure about unparsable kustomizations and fields it does not know', async () => {
    const root = await makeTree({
      'remote/kustomization.yaml': 'resources:\n  - https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.0.0\n',
      'broken/kustomization.yaml': 'resources: [a.yaml\n',
      'odd/kustomization.yaml': 'futureField:\n  - x\n',
    });
    // The reference is in the kustomization, which is an input; what it fetches is not in the repository.
    const remote = await collectInputs(root, env('r', 'remote'));
    expect(remote.unsure).toBeUndefined();
    expect(isInput(remote, 'remote/kustomization.yaml')).toBe(true);
    expect([...remote.files].some((f) => f.includes('github') || f.includes('helloWorld'))).toBe(false);
    expect((await collectInputs(root, env('b', 'broken'))).unsure).toMatch(/^broken\/kustomization\.yaml cannot be parsed/);
    expect((await collectInputs(root, env('o', 'odd'))).unsure).toContain('"futureField"');
  });

  it('refuses a reference that escapes by "..", naming the kustomization file, line and field', async () => {
    const root = await makeTree({ 'apps/x/kustomization.yaml': 'resources:\n  - deploy.yaml\n  - ../../../outside.yaml\n', 'apps/x/deploy.yaml': deployment });
    const error = await collectInputs(root, env('x', 'apps/x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BosunError);
    expect((error as BosunError).toProblem()).toMatchObject({ kind: 'path', file: 'apps/x/kustomization.yaml', line: 3, field: 'resources[1]' });
  });

  it('refuses a symlink that points out of the repository', async () => {
    const outside = await makeTree({ 'secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n' });
    const root = await makeTree({
      'apps/x/kustomization.yaml': 'configMapGenerator:\n  - name: c\n    files:\n      - ok.txt\n      - key=leak.yaml\n',
      'apps/x/ok.txt': 'fine\n',
      'apps/x/leak.yaml': { symlink: `${outside}/secret.yaml` },
      'plain/link.yaml': { symlink: `${outside}/secret.yaml` },
    });
    const error = await collectInputs(root, env('x', 'apps/x')).catch((e: unknown) => e);
    expect((error as BosunError).toProblem()).toMatchObject({
      kind: 'path', file: 'apps/x/kustomization.yaml', line: 5, field: 'configMapGenerator[0].files[1]', message: expect.stringContaining('symlink'),
    });
    const plain = await collectInputs(root, env('p', 'plain')).catch((e: unknown) => e);
    expect((plain as BosunError).toProblem()).toMatchObject({ kind: 'path', file: 'plain/link.yaml' });
  });

  it('counts the target of a symlink inside the repository as an input', async () => {
    const root = await makeTree({
      'shared/deploy.yaml': deployment,
      'apps/x/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'apps/x/deploy.yaml': { symlink: '../../shared/deploy.yaml' },
    });
    expect((await collectInputs(root, env('x', 'apps/x'))).files).toEqual(expect.arrayContaining(['apps/x/deploy.yaml', 'shared/deploy.yaml']));
  });

  it('counts the real location of files reached through a symlinked folder', async () => {
    const root = await makeTree({
      'shared/web/deploy.yaml': deployment,
      'shared/web/kustomization.yaml': 'resources: [deploy.yaml]\n',
      'apps/x/kustomization.yaml': 'resources:\n  - linked/deploy.yaml\n',
      'apps/x/linked': { symlink: '../../shared/web' },
      'apps/y/kustomization.yaml': 'resources:\n  - ../web\n',
      'apps/web': { symlink: '../shared/web' },
    });
    expect((await collectInputs(root, env('x', 'apps/x'))).files).toEqual(expect.arrayContaining(['apps/x/linked/deploy.yaml', 'shared/web/deploy.yaml']));
    expect((await collectInputs(root, env('y', 'apps/y'))).dirs).toContain('shared/web');
  });

  it('reports a missing referenced file as a render error at its line and field', async () => {
    const root = await makeTree({ 'apps/x/kustomization.yaml': 'resources: [deploy.yaml]\npatches:\n  - path: gone.yaml\n', 'apps/x/deploy.yaml': deployment });
    const error = await collectInputs(root, env('x', 'apps/x')).catch((e: unknown) => e);
    expect((error as BosunError).toProblem()).toMatchObject({ kind: 'render', file: 'apps/x/kustomization.yaml', line: 3, field: 'patches[0].path' });
    expect((error as BosunError).message).toContain('"gone.yaml" does not exist');
  });

  it('reports a missing environment path and an escaping env path against the definition', async () => {
    const root = await makeTree({ 'apps/x/kustomization.yaml': 'resources: []\n' });
    const missing = await collectInputs(root, env('x', 'apps/nope')).catch((e: unknown) => e);
    expect((missing as BosunError).toProblem()).toMatchObject({ kind: 'render', file: '.bosun.yaml', line: 3, field: 'path' });
    const escaping = await collectInputs(root, { ...env('y', '../up'), source: 'flux', definedIn: { file: 'clusters/a/apps.yaml', line: 1 } }).catch((e: unknown) => e);
    expect((escaping as BosunError).toProblem()).toMatchObject({ kind: 'path', file: 'clusters/a/apps.yaml', field: 'spec.path' });
  });

  it('reuses analysed bases across environments through the shared cache', async () => {
    const root = await makeTree(kustomizeMonorepo);
    const cache: InputsCache = new Map();
    await collectInputs(root, env('staging', 'apps/overlays/staging'), cache);
    // Within one plan the checkout does not change; the shared base is not read again.
    await rm(join(root, 'apps/base/kustomization.yaml'));
    const production = await collectInputs(root, env('production', 'apps/overlays/production'), cache);
    expect(production.files).toContain('apps/base/patches/replicas.yaml');
    await expect(collectInputs(root, env('production', 'apps/overlays/production'), new Map())).rejects.toThrow(/apps\/base has no kustomization\.yaml/);
  });

  it('works for an explicit path environment without a definition file', async () => {
    const root = await makeTree(kustomizeMonorepo);
    const inputs = await collectInputs(root, environmentForPath(root, 'apps/overlays/production'));
    expect(inputs.files).not.toContain('.bosun.yaml');
    expect(inputs.files).toContain('apps/overlays/production/replicas.yaml');
  });
});

describe('collectInputs against the real kustomize', () => {
  it('lists enough files to build the overlay: a copy holding only the inputs renders the same', async () => {
    const root = await makeTree(kustomizeMonorepo);
    const inputs = await collectInputs(root, env('production', 'apps/overlays/production'));
    const copy = await makeTree({});
    for (const dir of inputs.dirs) await cp(join(root, dir), join(copy, dir), { recursive: true });
    for (const file of inputs.files) {
      if (existsSync(join(root, file))) await cp(join(root, file), join(copy, file), { recursive: true });
    }
    const build = async (dir: string) =>
      (await run(kubectlPath(), ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', join(dir, 'apps/overlays/production')])).stdout;
    const full = await build(root);
    expect(full).toContain('kind: Deployment');
    expect(await build(copy)).toBe(full);
  });
});

describe('collectInputs against kustomize with Helm charts', () => {
  it('lists the chart folder and value files kustomize --enable-helm reads', async () => {
    const files = {
      ...kustomizeMonorepo,
      'charts/podinfo/Chart.yaml': 'apiVersion: v2\nname: podinfo\nversion: 6.0.0\n',
      'charts/podinfo/templates/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: podinfo\ndata:\n  replicas: "{{ .Values.replicaCount }}"\n  color: {{ .Values.ui.color | default "none" }}\n',
    };
    delete (files as Record<string, unknown>)['charts/podinfo/templates/deployment.yaml'];
    const root = await makeTree(files);
    const inputs = await collectInputs(root, env('staging', 'apps/overlays/staging'));
    const copy = await makeTree({});
    for (const path of [...inputs.dirs, ...inputs.files]) {
      if (existsSync(join(root, path))) await cp(join(root, path), join(copy, path), { recursive: true });
    }
    const helmHome = await makeTree({});
    const build = async (dir: string) =>
      (
        await run(kubectlPath(), ['kustomize', '--load-restrictor', 'LoadRestrictionsNone', '--enable-helm', '--helm-command', helmPath(), join(dir, 'apps/overlays/staging')], {
          env: { ...process.env, HELM_CACHE_HOME: join(helmHome, 'cache'), HELM_CONFIG_HOME: join(helmHome, 'config'), HELM_DATA_HOME: join(helmHome, 'data') },
        })
      ).stdout;
    const full = await build(root);
    expect(full).toContain('color: blue');
    expect(await build(copy)).toBe(full);
  });
});
