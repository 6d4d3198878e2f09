import { describe, expect, it } from 'vitest';
import { parseRepoConfig, configEnvironments } from '../../src/config/index.ts';
import { ConfigError } from '../../src/config/config-error.ts';
import { defaultKubernetesVersion, kubernetesTarget, normalizeKubernetesVersion } from '../../src/model/kubernetes-version.ts';
import { createValidator, loadBuiltinSchemas } from '../../src/validate/index.ts';
import type { KubeObject } from '../../src/model/object.ts';

const obj = (apiVersion: string, kind: string, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'default' }, spec });
const findingsFor = (o: KubeObject, version?: string, from = 'environment staging') =>
  createValidator(version ? { target: { version, from } } : {}).validate([{ object: o, source: { file: 'app.yaml', line: 1 } }]);

describe('target Kubernetes version', () => {
  it('the default is the version of the built-in schemas', () => {
    expect(defaultKubernetesVersion).toBe(loadBuiltinSchemas().kubernetesVersion);
    expect(kubernetesTarget({ name: 'dev' })).toEqual({ version: defaultKubernetesVersion, from: expect.stringContaining('default') });
  });

  it('an environment\'s own version wins over its cluster\'s; the registry\'s over the live one', () => {
    expect(kubernetesTarget({ name: 'staging', kubernetesVersion: '1.29' }, { name: 'c', configured: '1.27', live: 'v1.20.2' })).toEqual({ version: '1.29', from: 'environment staging' });
    expect(kubernetesTarget({ name: 'staging' }, { name: 'c', configured: 'v1.27.3', live: 'v1.20.2' })).toEqual({ version: '1.27', from: 'cluster c' });
    expect(kubernetesTarget({ name: 'staging' }, { name: 'c', live: 'v1.20.2-dirty' })).toEqual({ version: '1.20', from: 'cluster c, live' });
    expect(normalizeKubernetesVersion('1.3O')).toBeUndefined();
  });

  it('a removed API is an error that names the removal and the target', () => {
    const [f] = findingsFor(obj('apps/v1beta1', 'Deployment'), '1.29');
    expect(f).toMatchObject({ severity: 'error', path: '/apiVersion', message: 'apps/v1beta1 Deployment was removed in Kubernetes 1.16; the target is 1.29 (environment staging): use apps/v1' });
  });

  it('an API removed after the target is a warning: still served there', () => {
    const findings = findingsFor(obj('policy/v1beta1', 'PodDisruptionBudget', { minAvailable: 1 }), '1.24');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warning', path: '/apiVersion' });
    expect(findings[0].message).toMatch(/^policy\/v1beta1 PodDisruptionBudget is deprecated and removed in Kubernetes 1\.25; the target is 1\.24 \(environment staging\), which still serves it: move to policy\/v1 before upgrading/);
    // at the removal version it is an error
    expect(findingsFor(obj('policy/v1beta1', 'PodDisruptionBudget'), '1.25')[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('was removed in Kubernetes 1.25; the target is 1.25') });
  });

  it('an API newer than the target is an error naming the version that serves it', () => {
    const [f] = findingsFor(obj('policy/v1', 'PodDisruptionBudget', { minAvailable: 1 }), '1.20', 'cluster dev, live');
    expect(f).toMatchObject({ severity: 'error', message: 'policy/v1 PodDisruptionBudget is served from Kubernetes 1.21 on; the target is 1.20 (cluster dev, live): use policy/v1beta1 there' });
    expect(findingsFor(obj('policy/v1', 'PodDisruptionBudget', { minAvailable: 1 }), '1.21')).toEqual([]);
  });

  it('.bosun.yaml: kubernetesVersion per environment and in defaults, quoted', () => {
    const { config } = parseRepoConfig('version: 1\ndefaults:\n  kubernetesVersion: "1.28"\nenvironments:\n  - name: a\n    path: a\n  - name: b\n    path: b\n    kubernetesVersion: v1.30.2\n');
    expect(configEnvironments(config).map((e) => [e.name, e.kubernetesVersion])).toEqual([['a', '1.28'], ['b', '1.30']]);
    let error: unknown;
    try {
      parseRepoConfig('version: 1\nenvironments:\n  - name: a\n    path: a\n    kubernetesVersion: 1.30\n');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatchObject({ line: 5, field: 'environments[0].kubernetesVersion', message: expect.stringContaining('YAML reads an unquoted 1.30 as the number 1.3') });
  });
});
