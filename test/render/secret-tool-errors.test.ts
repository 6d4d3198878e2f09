import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planChange } from '../../src/plan/plan.ts';
import { renderEnvironment } from '../../src/render/index.ts';
import { collectSecretValues } from '../../src/render/secret-values.ts';
import { quoteToolOutput } from '../../src/render/tool-error.ts';
import { renderJson, renderMarkdown } from '../../src/report/index.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';
import { environment } from './environment.ts';
import { useTempRepos } from './fixtures.ts';

// A tool error quotes its input, and the input may be a Secret. These canaries must never come out.
const encodedCanary = 'c3VwZXJzZWNyZXQtY2FuYXJ5'; // base64 of the next one
const plainCanary = 'supersecret-canary';
const certLine = 'MIIBszCCAVmgAwIBAgIUcanaryLine0123';
const canaries = [encodedCanary, plainCanary, certLine];

const secretManifest = [
  'apiVersion: v1',
  'kind: Secret',
  'metadata:',
  '  name: db',
  'data:',
  `  password: ${encodedCanary}`,
  'stringData:',
  `  token: ${plainCanary}`,
  '  cert: |',
  '    -----BEGIN CERTIFICATE-----',
  `    ${certLine}`,
  '    -----END CERTIFICATE-----',
  '---',
  'apiVersion: v1',
  'kind: ConfigMap',
  'metadata:',
  '  name: settings',
  'data:',
  '  mode: fast',
  '',
].join('\n');

/**
 * A replacement whose target path goes *into* a Secret value: kustomize fails with "wrong node kind …
 * node contents:" followed by the value itself.
 */
const replacementInto = (fieldPath: string, resource = 'secret.yaml'): string => [
  'resources:',
  `  - ${resource}`,
  'replacements:',
  '  - source: {kind: ConfigMap, name: settings, fieldPath: data.mode}',
  '    targets:',
  '      - select: {kind: Secret}',
  `        fieldPaths: [${fieldPath}]`,
  '',
].join('\n');

function expectNoCanary(text: string): void {
  for (const canary of canaries) expect(text).not.toContain(canary);
}

describe('kustomize errors that quote a Secret', () => {
  const repo = useTempRepos();
  const render = async (files: Record<string, string>) => {
    const root = await repo(files);
    const outcome = await renderEnvironment(root, environment({ name: 'staging', path: 'clusters/staging' }));
    if (outcome.ok) throw new Error('expected the render to fail');
    return outcome.error;
  };

  it('mask a stringData value that kustomize prints as the node it could not descend into', async () => {
    const error = await render({
      'clusters/staging/kustomization.yaml': replacementInto('stringData.token.x'),
      'clusters/staging/secret.yaml': secretManifest,
    });
    expect(error.message).toContain('node contents:\n***');
    expectNoCanary(error.message);
  });

  it('mask a data value (base64) of a Secret in a base outside the environment folder', async () => {
    const error = await render({
      'clusters/staging/kustomization.yaml': replacementInto('data.password.x', '../../apps/base'),
      'apps/base/kustomization.yaml': 'resources:\n  - secret.yaml\n',
      'apps/base/secret.yaml': secretManifest,
    });
    expect(error.message).toContain('node contents:\n***');
    expectNoCanary(error.message);
  });

  it('mask a multi-line value line by line', async () => {
    const error = await render({
      'clusters/staging/kustomization.yaml': replacementInto('stringData.cert.x'),
      'clusters/staging/secret.yaml': secretManifest,
    });
    expect(error.message).toMatch(/node contents:\n\|\n {2}\*\*\*\n {2}\*\*\*/);
    expectNoCanary(error.message);
  });

  it('mask a secretGenerator literal kustomize cannot split', async () => {
    const error = await render({ 'clusters/staging/kustomization.yaml': `secretGenerator:\n  - name: db\n    literals:\n      - ${plainCanary}\n` });
    expect(error.message).toContain('invalid literal source ***, expected key=value');
    expectNoCanary(error.message);
  });
});

describe('helm errors that quote a Secret of the chart', () => {
  const repo = useTempRepos();

  it('mask the value wherever helm\'s message repeats it', async () => {
    const root = await repo({
      'charts/web/Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'charts/web/templates/secret.yaml': `apiVersion: v1\nkind: Secret\nmetadata:\n  name: web\nstringData:\n  token: ${plainCanary}\n`,
      'charts/web/templates/check.yaml': `{{ fail "token ${plainCanary} is the default; set your own" }}\n`,
    });
    const outcome = await renderEnvironment(root, environment({ name: 'staging', path: 'charts/web', render: 'helm' }));
    if (outcome.ok) throw new Error('expected the render to fail');
    expect(outcome.error.message).toContain('token *** is the default; set your own');
    expectNoCanary(outcome.error.message);
  });
});

describe('the plan of a pull request whose Secret breaks the kustomize build', () => {
  let git: GitRepoBuilder;

  beforeAll(async () => {
    git = await makeGitRepo();
    await git.write('clusters/staging/kustomization.yaml', 'resources:\n  - secret.yaml\n');
    await git.write('clusters/staging/secret.yaml', secretManifest);
    await git.commit('a Secret');
    await git.write('clusters/staging/kustomization.yaml', replacementInto('stringData.token.x'));
    await git.commit('a replacement into the Secret');
  });
  afterAll(async () => {
    if (git) await rm(git.dir, { recursive: true, force: true });
  });

  it('reports the failure in markdown and JSON without any of its values', async () => {
    const plan = await planChange({ repoDir: git.dir, base: 'HEAD~1', head: 'HEAD' });
    const render = plan.environments[0].render;
    expect('error' in render && render.error.message).toContain('unable to find field "stringData.token.x" in replacement target');
    const markdown = renderMarkdown(plan).join('\n');
    const json = renderJson(plan);
    expect(markdown).toContain('node contents:');
    for (const text of [markdown, json]) expectNoCanary(text);
  });
});

describe('secret values of a render\'s inputs', () => {
  const repo = useTempRepos();

  it('are found by structure, in documents that parse and in documents that do not', async () => {
    const root = await repo({
      'env/secret.yaml': secretManifest,
      // Duplicate stringData and a tab: no YAML parser takes it, the line scan still does.
      'env/broken.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: broken\nstringData:\n  "api-key": \'broken-canary-1\'  # comment\n  other: {a: b\n\tbad\ndata: {k: YnJva2VuLWNhbmFyeS0y}\n',
      'env/list.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'j' }, data: ['bGlzdC1jYW5hcnk='] }] }),
      // Not a Secret: its values are not secret, by structure, whatever the key says.
      'env/config.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  password: not-a-secret-value\n',
      'env/kustomization.yaml': [
        'secretGenerator:',
        '  - name: gen',
        '    literals: [user=generator-literal-canary]',
        '    files: [creds.txt, tls.key=keys/tls.pem]',
        '    envs: [app.env]',
        'patches:',
        '  - patch: |-',
        '      apiVersion: v1',
        '      kind: Secret',
        '      metadata: {name: inline}',
        '      stringData: {k: inline-patch-canary}',
        '',
      ].join('\n'),
      'env/creds.txt': 'file-canary-contents\n',
      'env/keys/tls.pem': '-----BEGIN PRIVATE KEY-----\nkeyfilecanaryline\n-----END PRIVATE KEY-----\n',
      'env/app.env': '# comment\nDB_PASSWORD="env-file-canary"\nEMPTY=\n',
    });
    const values = collectSecretValues(root, { dirs: ['env'] });
    for (const expected of [
      encodedCanary, plainCanary, certLine, Buffer.from(plainCanary).toString('base64'),
      'broken-canary-1', 'YnJva2VuLWNhbmFyeS0y', 'broken-canary-2',
      'bGlzdC1jYW5hcnk=', 'list-canary',
      'generator-literal-canary', 'file-canary-contents', 'keyfilecanaryline', 'env-file-canary', 'inline-patch-canary',
    ]) expect(values).toContain(expected);
    expect(values).not.toContain('not-a-secret-value');
    // Longest first, so a value is masked before a shorter one inside it.
    expect(values.every((value, i) => i === 0 || values[i - 1].length >= value.length)).toBe(true);
  });

  it('are masked in quoted tool output, before the quote is cut to size', async () => {
    const root = await repo({ 'env/secret.yaml': secretManifest });
    const quoted = `node contents:\n${encodedCanary}\n`;
    // scrub() alone knows secrets by look or key name; this value has neither.
    expect(quoteToolOutput(quoted, { root })).toContain(encodedCanary);
    expect(quoteToolOutput(quoted, { root }, { dirs: ['env'] })).toBe('node contents:\n***');

    // The quote is cut at 2,000 characters, inside where the value is: not even its first letters may remain.
    const long = `error: ${'x'.repeat(1982)} ${plainCanary}\n`;
    expect(quoteToolOutput(long, { root })).toContain('supersecre');
    expect(quoteToolOutput(long, { root }, { dirs: ['env'] })).not.toContain('supersec');
  });
});
