// A kustomize generator's hash-suffix rename is one change of the generated object; objects that only
// follow the new name say so. Real kustomize renders of the same cases: test/plan/kustomize-hash-renames.test.ts.
import { describe, expect, it } from 'vitest';
import { diffRenders } from '../../src/diff/change-diff.ts';
import { changedFields, hashSuffixPattern } from '../../src/diff/hash-renames.ts';
import type { KubeObject, RenderedObject } from '../../src/model/object.ts';
import { b64, deployment, secret, simple } from './objects.ts';

const generated = (object: KubeObject, generator = 'ConfigMapGenerator'): RenderedObject => ({
  object, source: { file: 'apps/kustomization.yaml', line: 4, generator },
});
const plain = (object: KubeObject): RenderedObject => ({ object, source: { file: 'apps/deploy.yaml', line: 1 } });
const config = (name: string, level: string, namespace = 'web') => simple('v1', 'ConfigMap', name, namespace, { data: { LOG_LEVEL: level, PORT: '80' } });
const usingConfig = (name: string, extra: { image?: string } = {}) => deployment({
  image: extra.image,
  extra: {
    spec: {
      replicas: 2,
      template: { spec: { containers: [{ name: 'app', image: extra.image ?? 'nginx:1.27', envFrom: [{ configMapRef: { name } }] }] } },
    },
  },
});

describe('kustomize hash-suffix renames', () => {
  it("knows kustomize's suffix: 10 characters of the hex alphabet with 0, 1, 3, a, e replaced by g, h, k, m, t", () => {
    expect(hashSuffixPattern.exec('api-config-hf678c7m2b')?.[1]).toBe('api-config');
    expect(hashSuffixPattern.exec('api-config-5t2m9b7k8h')?.[1]).toBe('api-config');
    for (const name of ['api-config-0f678c7m2b', 'api-config-af678c7m2b', 'api-config-hf678c7m2', 'api-config-hf678c7m2bb', 'api-config']) {
      expect(hashSuffixPattern.test(name), name).toBe(false);
    }
  });

  it('shows a generated ConfigMap whose content changed as one update with the content diff, not a deletion and a creation', () => {
    const changes = diffRenders(
      [generated(config('api-config-hf678c7m2b', 'info')), plain(usingConfig('api-config-hf678c7m2b'))],
      [generated(config('api-config-5t2m9b7k8h', 'debug')), plain(usingConfig('api-config-5t2m9b7k8h'))],
    );
    expect(changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update ConfigMap api-config-5t2m9b7k8h', 'update Deployment frontend']);
    const [cm, deploy] = changes;
    expect(cm).toMatchObject({
      risk: 'other',
      rename: { from: 'api-config-hf678c7m2b', generator: 'ConfigMapGenerator', changed: ['data.LOG_LEVEL'] },
      file: 'apps/kustomization.yaml',
      line: 4,
    });
    expect(cm.diff.split('\n').slice(0, 2)).toEqual(['--- base/core/ConfigMap/web/api-config-hf678c7m2b', '+++ head/core/ConfigMap/web/api-config-5t2m9b7k8h']);
    expect(cm.diff).toContain('-  LOG_LEVEL: info\n+  LOG_LEVEL: debug');
    expect(cm.diff).not.toContain('-  PORT');

    expect(deploy).toMatchObject({
      risk: 'other',
      referenceOnly: true,
      renamedReferences: [{ kind: 'ConfigMap', name: 'api-config', from: 'api-config-hf678c7m2b', to: 'api-config-5t2m9b7k8h' }],
    });
    expect(deploy.diff).toContain('+                name: api-config-5t2m9b7k8h');
  });

  it('ranks an object whose only change is the new name at the rename’s risk, and one with other changes at its own', () => {
    // A ServiceAccount update is `rbac` by kind; following a renamed Secret is not an RBAC change.
    const account = (name: string) => simple('v1', 'ServiceAccount', 'api', 'web', { imagePullSecrets: [{ name }] });
    const pull = (name: string, value: string) => generated(secret(name, { data: { '.dockerconfigjson': b64(value) } }), 'SecretGenerator');
    const changes = diffRenders(
      [pull('pull-g48ckb75m2', 'one'), plain(account('pull-g48ckb75m2')), plain(usingConfig('pull-g48ckb75m2'))],
      [pull('pull-27ktd225f8', 'two'), plain(account('pull-27ktd225f8')), plain(usingConfig('pull-27ktd225f8', { image: 'nginx:1.28' }))],
    );
    const byKind = Object.fromEntries(changes.map((c) => [c.kind, c]));
    expect(byKind.ServiceAccount).toMatchObject({ risk: 'other', referenceOnly: true });
    expect(byKind.Deployment).toMatchObject({ risk: 'image', referenceOnly: false, renamedReferences: [{ name: 'pull' }] });
    expect(byKind.Secret).toMatchObject({ risk: 'other', rename: { from: 'pull-g48ckb75m2', generator: 'SecretGenerator', changed: ['data[".dockerconfigjson"]'] }, secretKeys: { changed: ['.dockerconfigjson'] } });
    expect(byKind.Secret.diff).not.toContain(b64('one'));
    expect(byKind.Secret.diff).not.toContain(b64('two'));
  });

  it('keeps real deletions and creations: no generator origin, another stem, another namespace, or two candidates', () => {
    const ids = (changes: ReturnType<typeof diffRenders>) => changes.map((c) => `${c.action} ${c.namespace}/${c.name}${c.rename ? ' (rename)' : ''}`);
    // Written by hand in a plain folder: a name that looks hashed is still just a name.
    expect(ids(diffRenders([plain(config('api-config-hf678c7m2b', 'info'))], [plain(config('api-config-5t2m9b7k8h', 'debug'))])))
      .toEqual(['create web/api-config-5t2m9b7k8h', 'delete web/api-config-hf678c7m2b']);
    // The generator was removed: the ConfigMap is deleted.
    expect(ids(diffRenders([generated(config('api-config-hf678c7m2b', 'info'))], []))).toEqual(['delete web/api-config-hf678c7m2b']);
    expect(diffRenders([generated(config('api-config-hf678c7m2b', 'info'))], [])[0].risk).toBe('deletion');
    // Renamed generator: a different stem.
    expect(ids(diffRenders([generated(config('api-config-hf678c7m2b', 'info'))], [generated(config('app-config-5t2m9b7k8h', 'info'))])))
      .toEqual(['delete web/api-config-hf678c7m2b', 'create web/app-config-5t2m9b7k8h']);
    expect(ids(diffRenders([generated(config('api-config-hf678c7m2b', 'info', 'a'))], [generated(config('api-config-5t2m9b7k8h', 'info', 'b'))])))
      .toEqual(['delete a/api-config-hf678c7m2b', 'create b/api-config-5t2m9b7k8h']);
    expect(ids(diffRenders(
      [generated(config('api-config-hf678c7m2b', 'info'))],
      [generated(config('api-config-5t2m9b7k8h', 'debug')), generated(config('api-config-6t2m9b7k8h', 'warn'))],
    ))).toEqual(['create web/api-config-5t2m9b7k8h', 'create web/api-config-6t2m9b7k8h', 'delete web/api-config-hf678c7m2b']);
  });

  it('pairs per namespace when one environment generates the same ConfigMap in two namespaces', () => {
    const changes = diffRenders(
      [generated(config('api-config-hf678c7m2b', 'info', 'a')), generated(config('api-config-hf678c7m2b', 'info', 'b'))],
      [generated(config('api-config-5t2m9b7k8h', 'debug', 'a')), generated(config('api-config-7t2m9b7k8h', 'warn', 'b'))],
    );
    expect(changes.map((c) => [c.action, c.namespace, c.name, c.rename?.from])).toEqual([
      ['update', 'a', 'api-config-5t2m9b7k8h', 'api-config-hf678c7m2b'],
      ['update', 'b', 'api-config-7t2m9b7k8h', 'api-config-hf678c7m2b'],
    ]);
  });

  it('names changed fields down to map leaves, lists as a whole, never the name', () => {
    expect(changedFields(
      simple('v1', 'ConfigMap', 'a-hf678c7m2b', 'web', { data: { 'app.properties': 'x=1', SAME: '1' }, metadata: { name: 'a', labels: { tier: 'a' } } }),
      simple('v1', 'ConfigMap', 'a-5t2m9b7k8h', 'web', { data: { 'app.properties': 'x=2', SAME: '1', NEW: 'n' }, metadata: { name: 'b', labels: { tier: 'b' } } }),
    )).toEqual(['data.NEW', 'data["app.properties"]', 'metadata.labels.tier']);
  });
});
