import { describe, expect, it } from 'vitest';
import { formatCommand, helpText, isAllowed, parseComment, refusalMessage, requiredPermission } from '../../src/chatops/index.ts';
import { parseRepoConfig } from '../../src/config/load-repo-config.ts';

describe('/bosun drift', () => {
  it('parses one environment, slashes included, and formats back to the same text', () => {
    const commands = parseComment('Please check:\n/bosun drift staging/apps\n/bosun DRIFT prod');
    expect(commands).toMatchObject([
      { kind: 'drift', env: 'staging/apps', line: 2 },
      { kind: 'drift', env: 'prod', line: 3 },
    ]);
    expect(formatCommand(commands[0])).toBe('/bosun drift staging/apps');
  });

  it('refuses no environment, two environments and flags, saying how to write it', () => {
    const [none, two, flag] = parseComment('/bosun drift\n/bosun drift a b\n/bosun drift a --heal');
    expect(none).toMatchObject({ kind: 'invalid', reason: 'drift needs an environment: /bosun drift <env>' });
    expect(two).toMatchObject({ kind: 'invalid', reason: 'drift takes exactly one environment, got 2: a, b' });
    expect(flag).toMatchObject({ kind: 'invalid', reason: 'unknown flag "--heal"; drift takes no flags' });
  });

  it('needs write permission by default, like /bosun plan; .bosun.yaml may raise it', () => {
    const [drift] = parseComment('/bosun drift prod');
    expect(requiredPermission(drift)).toBe('write');
    expect(isAllowed('write', requiredPermission(drift))).toBe(true);
    expect(isAllowed('triage', requiredPermission(drift))).toBe(false);
    expect(refusalMessage('carol', drift, 'read', 'write')).toMatch(/^@carol needs write permission to run `\/bosun drift prod`; you have read\./);
    const { config } = parseRepoConfig('version: 1\ncommands:\n  permissions:\n    drift: maintain\n');
    expect(config.commands.permissions.drift).toBe('maintain');
    expect(requiredPermission(drift, config.commands.permissions)).toBe('maintain');
    expect(parseRepoConfig('version: 1\n').config.commands.permissions.drift).toBe('write');
  });

  it('is listed by /bosun help with the permission it needs', () => {
    expect(helpText('/bosun')).toMatch(/`\/bosun drift <env>` \| Check an environment for drift now[^|]+\| write \|/);
    expect(helpText('/bosun', { permissions: { drift: 'admin' } })).toMatch(/`\/bosun drift <env>` \| [^|]+ \| admin \|/);
  });
});
