import { describe, expect, it } from 'vitest';
import { helpText, isAllowed, parseComment, refusalMessage, requiredPermission } from '../../src/chatops/index.ts';

describe('command authorization', () => {
  it('requires write for plan, maintain for apply/unlock/rollback/sync and read for help by default', () => {
    expect(requiredPermission('plan')).toBe('write');
    expect(requiredPermission('apply')).toBe('maintain');
    expect(requiredPermission('unlock')).toBe('maintain');
    expect(requiredPermission('rollback')).toBe('maintain');
    expect(requiredPermission('sync')).toBe('maintain');
    expect(requiredPermission('help')).toBe('read');
    expect(requiredPermission('invalid')).toBe('read');
  });

  it('uses the repository configuration where it sets a level', () => {
    const [apply] = parseComment('/bosun apply prod');
    expect(requiredPermission(apply, { apply: 'admin', plan: 'read' })).toBe('admin');
    expect(requiredPermission('plan', { apply: 'admin', plan: 'read' })).toBe('read');
    expect(requiredPermission('unlock', { apply: 'admin' })).toBe('maintain');
  });

  it('orders permissions none < read < triage < write < maintain < admin', () => {
    expect(isAllowed('admin', 'maintain')).toBe(true);
    expect(isAllowed('maintain', 'maintain')).toBe(true);
    expect(isAllowed('write', 'maintain')).toBe(false);
    expect(isAllowed('triage', 'write')).toBe(false);
    expect(isAllowed('triage', 'read')).toBe(true);
    expect(isAllowed('none', 'read')).toBe(false);
  });

  it('explains a refusal with who, what, the needed and the actual permission', () => {
    const [apply] = parseComment('/bosun apply   staging');
    expect(refusalMessage('alice', apply, 'write', 'maintain')).toMatch(/^@alice needs maintain permission to run `\/bosun apply staging`; you have write\. Ask /);
    expect(refusalMessage('bob', '/bosun plan', 'none', 'write')).toMatch(/^@bob needs write permission to run `\/bosun plan`; you have no permission on this repository\./);
  });
});

describe('helpText', () => {
  it('lists every command with its usage, description and the permission it needs', () => {
    const text = helpText('/bosun', { permissions: { apply: 'admin' } });
    for (const usage of ['/bosun help', '/bosun plan [env...]', '/bosun apply <env> [--force-conflicts]', '/bosun unlock <env>', '/bosun rollback <env> [--now]', '/bosun sync <env>']) {
      expect(text).toContain(`\`${usage}\``);
    }
    expect(text).toMatch(/`\/bosun apply <env> \[--force-conflicts\]` \| [^|]+ \| admin \|/);
    expect(text).toMatch(/`\/bosun plan \[env\.\.\.\]` \| [^|]+ \| write \|/);
  });

  it('never parses as a command itself, so the bot cannot answer its own help', () => {
    expect(parseComment(helpText())).toEqual([]);
    expect(parseComment(helpText('@bosun-bot'), { prefix: '@bosun-bot' })).toEqual([]);
  });
});
