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

  it('asks the same permission for --prune as for the command without it', () => {
    const [apply, applyPrune, sync, syncPrune] = parseComment('/bosun apply prod\n/bosun apply prod --prune\n/bosun sync prod\n/bosun sync prod --prune');
    expect(requiredPermission(applyPrune)).toBe(requiredPermission(apply));
    expect(requiredPermission(syncPrune)).toBe('maintain');
    expect(requiredPermission(syncPrune, { sync: 'admin' })).toBe(requiredPermission(sync, { sync: 'admin' }));
    expect(refusalMessage('alice', syncPrune, 'write', 'maintain')).toMatch(/^@alice needs maintain permission to run `\/bosun sync prod --prune`; you have write\./);
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
    for (const usage of ['/bosun help', '/bosun plan [env...]', '/bosun apply <env> [--force-conflicts] [--prune]', '/bosun unlock <env>', '/bosun rollback <env> [--now]', '/bosun sync <env> [--prune]']) {
      expect(text).toContain(`\`${usage}\``);
    }
    expect(text).toMatch(/`\/bosun apply <env> \[--force-conflicts\] \[--prune\]` \| [^|]+ \| admin \|/);
    expect(text).toMatch(/`\/bosun sync <env> \[--prune\]` \| [^|]*`--prune` deletes what Git no longer has[^|]+ \| maintain \|/);
    expect(text).toMatch(/`\/bosun plan \[env\.\.\.\]` \| [^|]+ \| write \|/);
  });

  it('never parses as a command itself, so the bot cannot answer its own help', () => {
    expect(parseComment(helpText())).toEqual([]);
    expect(parseComment(helpText('@bosun-bot'), { prefix: '@bosun-bot' })).toEqual([]);
  });
});
