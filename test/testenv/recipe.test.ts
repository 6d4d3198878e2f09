import { describe, expect, it } from 'vitest';
import { mirrorFromSources } from '../../testkit/testenv/apt.ts';
import { toolchainPlan, versionLdflags } from '../../testkit/testenv/build.ts';
import { tokenAuthFile } from '../../testkit/testenv/credentials.ts';

describe('the build recipe', () => {
  it('reuses the machine\'s main Debian mirror from deb822 sources, skipping the security archive', () => {
    const sources = [
      'Types: deb',
      'URIs: http://security.example/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      '',
      'Types: deb',
      '# a comment',
      'URIs: http://mirror.example/debian',
      'Suites: bookworm bookworm-updates',
      'Components: main',
    ].join('\n');
    expect(mirrorFromSources(sources, undefined)).toBe('http://mirror.example/debian');
  });

  it('falls back to a one-line sources.list, ignoring comments and options', () => {
    const list = [
      '# deb http://old.example/debian bookworm main',
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://security.example/debian-security bookworm-security main',
      'deb [arch=amd64] http://mirror.example/debian bookworm main',
    ].join('\n');
    expect(mirrorFromSources(undefined, list)).toBe('http://mirror.example/debian');
    expect(mirrorFromSources('', '# nothing\n')).toBeUndefined();
  });

  it('builds with Debian 12\'s own Go; newer releases try their own Go, then bookworm\'s unpacked one', () => {
    expect(toolchainPlan('12.11', undefined)).toEqual(['system']);
    expect(toolchainPlan('13.1', undefined)).toEqual(['system', 'bookworm']);
    expect(toolchainPlan('trixie/sid', undefined)).toEqual(['system', 'bookworm']);
    expect(toolchainPlan('12.11', 'bookworm')).toEqual(['bookworm']);
    expect(toolchainPlan('13.1', 'system')).toEqual(['system']);
    expect(toolchainPlan('12.11', 'system,bookworm')).toEqual(['system', 'bookworm']);
    expect(() => toolchainPlan('12.11', 'latest')).toThrow(/BOSUN_TESTENV_GO=latest is not one of: system, bookworm/);
  });

  it('stamps the Kubernetes version into both version packages, as the upstream build does', () => {
    const flags = versionLdflags('1.20.2').join(' ');
    expect(flags).toContain('-X k8s.io/kubernetes/vendor/k8s.io/component-base/version.gitVersion=v1.20.2');
    expect(flags).toContain('-X k8s.io/kubernetes/vendor/k8s.io/client-go/pkg/version.gitVersion=v1.20.2');
    expect(flags).toContain('component-base/version.gitMinor=20');
  });

  it('writes the token file in the apiserver\'s CSV format with quoted groups', () => {
    expect(tokenAuthFile([{ token: 't1', user: 'admin', groups: ['system:masters', 'devs'] }, { token: 't2', user: 'nobody', groups: [] }])).toBe(
      't1,admin,admin,"system:masters,devs"\nt2,nobody,nobody,""\n',
    );
  });
});
