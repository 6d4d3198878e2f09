// A kustomize generator's hash-suffix rename through the whole plan, with real git and kubectl kustomize:
// one change of the generated object at the risk of its content change, the workloads that only follow the
// new name marked as such, real deletions still deletions, Secret values never shown.
import { rm } from 'node:fs/promises';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/model/change.ts';
import type { PlanResult } from '../../src/model/plan.ts';
import { planChange } from '../../src/plan/plan.ts';
import { renderJson, renderMarkdown } from '../../src/report/index.ts';
import { planJsonSchema } from '../../src/report/json-schema.ts';
import { makeGitRepo, type GitRepoBuilder } from '../../testkit/git-repo.ts';

const kustomization = (opts: { level: string; token: string; configMap?: boolean }) => [
  'namespace: shop',
  'resources:',
  '  - deployment.yaml',
  ...(opts.configMap === false ? [] : [
    'configMapGenerator:',
    '  - name: api-config',
    '    literals:',
    `      - LOG_LEVEL=${opts.level}`,
    '      - PORT=8080',
  ]),
  'secretGenerator:',
  '  - name: api-secret',
  '    literals:',
  `      - TOKEN=${opts.token}`,
  '',
].join('\n');

const deployment = [
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: api',
  'spec:',
  '  selector:',
  '    matchLabels: {app: api}',
  '  template:',
  '    metadata:',
  '      labels: {app: api}',
  '    spec:',
  '      containers:',
  '        - name: api',
  '          image: registry.example.com/api:1.0',
  '          envFrom:',
  '            - configMapRef:',
  '                name: api-config',
  '          env:',
  '            - name: TOKEN',
  '              valueFrom:',
  '                secretKeyRef: {name: api-secret, key: TOKEN}',
  '',
].join('\n');

const oldToken = 'tok-OLD-4711-value';
const newToken = 'tok-NEW-4712-value';
const hashed = (stem: string) => new RegExp(`^${stem}-[2456789bcdfghkmt]{10}$`);
const validate = new Ajv({ strict: true, allErrors: true }).compile(planJsonSchema);

let repo: GitRepoBuilder;
const commits: Record<string, string> = {};

beforeAll(async () => {
  repo = await makeGitRepo();
  await repo.write('clusters/prod/deployment.yaml', deployment);
  await repo.write('clusters/prod/kustomization.yaml', kustomization({ level: 'info', token: oldToken }));
  commits.initial = await repo.commit('api with generated config and secret');
  await repo.write('clusters/prod/kustomization.yaml', kustomization({ level: 'debug', token: oldToken }));
  commits.level = await repo.commit('LOG_LEVEL=debug');
  await repo.write('clusters/prod/kustomization.yaml', kustomization({ level: 'debug', token: newToken }));
  commits.token = await repo.commit('rotate TOKEN');
  await repo.write('clusters/prod/kustomization.yaml', kustomization({ level: 'debug', token: newToken, configMap: false }));
  commits.removed = await repo.commit('drop the config generator');
}, 60_000);
afterAll(async () => {
  if (repo) await rm(repo.dir, { recursive: true, force: true });
});

async function plan(base: string, head: string): Promise<{ result: PlanResult; changes: Change[]; markdown: string; json: string }> {
  const result = await planChange({ repoDir: repo.dir, base, head });
  const env = result.environments.find((e) => e.name === 'prod');
  if (!env) throw new Error('no prod environment');
  expect(env.render).toMatchObject({ objects: expect.any(Number) });
  const json = renderJson(result);
  expect(validate(JSON.parse(json)) ? [] : validate.errors).toEqual([]);
  return { result, changes: env.changes, markdown: renderMarkdown(result).join('\n'), json };
}

describe('kustomize hash-suffix renames in a plan', () => {
  it('shows a configMapGenerator literal change as one update with its content diff, and the Deployment as reference-only', async () => {
    const { changes, markdown } = await plan(commits.initial, commits.level);
    expect(changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['update ConfigMap', 'update Deployment']);

    const [cm, deploy] = changes;
    expect(cm.name).toMatch(hashed('api-config'));
    expect(cm.rename?.from).toMatch(hashed('api-config'));
    expect(cm.rename?.from).not.toBe(cm.name);
    expect(cm).toMatchObject({
      namespace: 'shop',
      risk: 'other',
      rename: { generator: 'ConfigMapGenerator', changed: ['data.LOG_LEVEL'] },
      // the generator entry in the kustomization
      file: 'clusters/prod/kustomization.yaml',
      line: 5,
    });
    expect(cm.diff).toContain('-  LOG_LEVEL: info\n+  LOG_LEVEL: debug');
    expect(cm.diff).toContain(`-  name: ${cm.rename?.from}\n+  name: ${cm.name}`);

    expect(deploy).toMatchObject({
      name: 'api',
      risk: 'other',
      referenceOnly: true,
      renamedReferences: [{ kind: 'ConfigMap', name: 'api-config', from: cm.rename?.from, to: cm.name }],
      file: 'clusters/prod/deployment.yaml',
      line: 1,
    });
    expect(deploy.diff).toContain(`+                name: ${cm.name}`);

    expect(markdown).toContain('**+0 ~2 −0**');
    expect(markdown).toContain('highest risk ⚪ other');
    expect(markdown).not.toMatch(/deletion/);
    expect(markdown).toContain(`<code>~</code> ConfigMap shop/${cm.name} · hash-suffix rename</summary>`);
    expect(markdown).toContain(`renamed from \`${cm.rename?.from}\` by kustomize's hash suffix (applied, the new ConfigMap is created and the old one pruned); content changed: \`data.LOG_LEVEL\``);
    expect(markdown).toContain('<code>~</code> Deployment shop/api · reference only</summary>');
    expect(markdown).toContain('only the reference to `api-config` changed (hash suffix)');
  }, 120_000);

  it('shows a secretGenerator change as one update that names the key, never a value', async () => {
    const { changes, markdown, json } = await plan(commits.level, commits.token);
    expect(changes.map((c) => `${c.action} ${c.kind}`)).toEqual(['update Secret', 'update Deployment']);
    const [secret, deploy] = changes;
    expect(secret.name).toMatch(hashed('api-secret'));
    expect(secret).toMatchObject({
      risk: 'other',
      rename: { generator: 'SecretGenerator', changed: ['data.TOKEN'] },
      secretKeys: { added: [], removed: [], changed: ['TOKEN'] },
      line: 10,
    });
    expect(deploy).toMatchObject({ referenceOnly: true, renamedReferences: [{ kind: 'Secret', name: 'api-secret' }] });
    for (const text of [json, markdown]) {
      for (const value of [oldToken, newToken, Buffer.from(oldToken).toString('base64'), Buffer.from(newToken).toString('base64')]) {
        expect(text).not.toContain(value);
      }
    }
    expect(markdown).toContain('🔒 Secret values masked; keys changed `TOKEN`');
    expect(markdown).toContain('content changed: `data.TOKEN`');
  }, 120_000);

  it('still reports a deletion when the generator is removed', async () => {
    const { changes, markdown } = await plan(commits.token, commits.removed);
    const deleted = changes.filter((c) => c.action === 'delete');
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toMatchObject({ kind: 'ConfigMap', risk: 'deletion', file: 'clusters/prod/kustomization.yaml' });
    expect(deleted[0].name).toMatch(hashed('api-config'));
    expect(deleted[0].rename).toBeUndefined();
    // Without its generator, kustomize leaves the reference as written: a real change, not a rename's.
    const deploy = changes.find((c) => c.kind === 'Deployment');
    expect(deploy?.referenceOnly).toBeUndefined();
    expect(deploy?.diff).toContain('+                name: api-config\n');
    expect(markdown).toContain('🟠 deletion');
  }, 120_000);
});
