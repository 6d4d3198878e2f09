import { describe, expect, it } from 'vitest';
import { formatCommand, parseComment, tokenize } from '../../src/chatops/index.ts';

describe('parseComment', () => {
  it('finds one command per prefixed line, in order, with the line it was on', () => {
    const body = ['Looks good to me.', '/bosun plan', '  /bosun apply staging', 'thanks!', '/bosun unlock production'].join('\n');
    expect(parseComment(body)).toEqual([
      { kind: 'plan', line: 2, text: '/bosun plan', envs: [] },
      { kind: 'apply', line: 3, text: '/bosun apply staging', env: 'staging', forceConflicts: false, prune: false },
      { kind: 'unlock', line: 5, text: '/bosun unlock production', env: 'production' },
    ]);
  });

  it('ignores text that merely mentions the prefix mid-line or a longer word starting with it', () => {
    expect(parseComment('please run /bosun plan later\n/bosunx plan\n/bosun-bot plan')).toEqual([]);
  });

  it('ignores commands inside code fences (backticks and tildes), block quotes and HTML comments', () => {
    const body = [
      '> /bosun apply production',
      '````md',
      '/bosun apply production',
      '```',
      '/bosun apply still-inside',
      '````',
      '~~~yaml',
      '/bosun apply production',
      '~~~',
      '<!-- /bosun apply production -->',
      '<!--',
      '/bosun apply production',
      '-->',
      '/bosun plan staging',
    ].join('\n');
    expect(parseComment(body)).toEqual([{ kind: 'plan', line: 14, text: '/bosun plan staging', envs: ['staging'] }]);
  });

  it('treats a backtick line with a backtick in its info string as inline code, not a fence', () => {
    expect(parseComment('``` `x` ```\n/bosun help').map((c) => c.kind)).toEqual(['help']);
  });

  it('accepts CRLF line endings and verbs in any case', () => {
    expect(parseComment('/bosun PLAN dev\r\n/Bosun Apply dev\r\n')).toMatchObject([
      { kind: 'plan', envs: ['dev'] },
      { kind: 'apply', env: 'dev' },
    ]);
  });

  it('parses plan with several environments, names with slashes, and drops repeats', () => {
    expect(parseComment('/bosun plan staging/apps prod-eu.1 staging/apps')).toMatchObject([{ kind: 'plan', envs: ['staging/apps', 'prod-eu.1'] }]);
  });

  it('parses apply --force-conflicts in either position', () => {
    expect(parseComment('/bosun apply --force-conflicts staging\n/bosun apply staging --force-conflicts')).toMatchObject([
      { kind: 'apply', env: 'staging', forceConflicts: true },
      { kind: 'apply', env: 'staging', forceConflicts: true },
    ]);
  });

  it('parses --prune on apply and sync, alone or with --force-conflicts, in any position', () => {
    expect(parseComment('/bosun sync prod --prune\n/bosun sync --prune prod\n/bosun apply prod --prune --force-conflicts\n/bosun apply prod')).toMatchObject([
      { kind: 'sync', env: 'prod', prune: true },
      { kind: 'sync', env: 'prod', prune: true },
      { kind: 'apply', env: 'prod', prune: true, forceConflicts: true },
      { kind: 'apply', env: 'prod', prune: false, forceConflicts: false },
    ]);
  });

  it('parses rollback with --now and sync', () => {
    expect(parseComment('/bosun rollback prod --now\n/bosun rollback prod\n/bosun sync prod')).toMatchObject([
      { kind: 'rollback', env: 'prod', now: true },
      { kind: 'rollback', env: 'prod', now: false },
      { kind: 'sync', env: 'prod', prune: false },
    ]);
  });

  it('answers a bare prefix and "help" with help', () => {
    expect(parseComment('/bosun\n/bosun help').map((c) => c.kind)).toEqual(['help', 'help']);
  });

  it('accepts quoted environment names', () => {
    expect(parseComment(`/bosun apply "staging/apps"\n/bosun unlock 'prod'`)).toMatchObject([
      { kind: 'apply', env: 'staging/apps' },
      { kind: 'unlock', env: 'prod' },
    ]);
  });

  it.each([
    ['/bosun deploy staging', /unknown command "deploy"/],
    ['/bosun aply staging', /did you mean "apply"/],
    ['/bosun apply', /apply needs an environment: \/bosun apply <env>/],
    ['/bosun apply staging production', /exactly one environment, got 2/],
    ['/bosun apply staging --force', /unknown flag "--force"; apply accepts --force-conflicts, --prune/],
    ['/bosun sync staging -p', /unknown flag "-p"; sync accepts --prune/],
    ['/bosun sync staging --prune=true', /unknown flag "--prune=true"; sync accepts --prune/],
    ['/bosun rollback staging --prune', /unknown flag "--prune"; rollback accepts --now/],
    ['/bosun plan --now', /unknown flag "--now"; plan takes no flags/],
    ['/bosun unlock -x prod', /unknown flag "-x"/],
    ['/bosun help me', /help takes no arguments/],
    ['/bosun apply "staging', /unterminated double quote/],
    ['/bosun apply "two words"', /"two words" is not an environment name/],
    ['/bosun apply ../etc', /is not an environment name/],
    ['/bosun sync `prod`', /is not an environment name/],
  ])('reports %s as invalid with a reason', (line, reason) => {
    const [command] = parseComment(`hi\n${line}`);
    expect(command).toMatchObject({ kind: 'invalid', line: 2, text: line });
    expect(command.kind === 'invalid' && command.reason).toMatch(reason);
  });

  it('honours a custom prefix, case-insensitively', () => {
    expect(parseComment('@Bosun-Bot plan dev\n/bosun plan dev', { prefix: '@bosun-bot' })).toMatchObject([{ kind: 'plan', envs: ['dev'], line: 1 }]);
  });

  it('runs at most maxCommands commands and says how many were ignored', () => {
    const body = Array.from({ length: 13 }, (_, i) => `/bosun plan env${i}`).join('\n');
    const commands = parseComment(body, { maxCommands: 10 });
    expect(commands).toHaveLength(11);
    expect(commands.slice(0, 10).every((c) => c.kind === 'plan')).toBe(true);
    expect(commands[10]).toMatchObject({ kind: 'invalid', line: 11 });
    expect(commands[10].kind === 'invalid' && commands[10].reason).toMatch(/first 10 commands.*3 more were ignored/);
  });

  it('formats commands canonically for replies', () => {
    const [apply, plan] = parseComment('/bosun   APPLY  staging --force-conflicts\n/bosun plan a b');
    expect(formatCommand(apply)).toBe('/bosun apply staging --force-conflicts');
    expect(formatCommand(plan, '@bot')).toBe('@bot plan a b');
    const [sync, pruned] = parseComment('/bosun SYNC  prod  --prune\n/bosun apply --prune prod --force-conflicts');
    expect(formatCommand(sync)).toBe('/bosun sync prod --prune');
    expect(formatCommand(pruned)).toBe('/bosun apply prod --force-conflicts --prune');
  });
});

describe('tokenize', () => {
  it('splits on whitespace and groups quotes with escapes', () => {
    expect(tokenize(` a  "b c" 'd "e"' f\\ g "h\\"i" ""`)).toEqual({ ok: true, tokens: ['a', 'b c', 'd "e"', 'f g', 'h"i', ''] });
  });

  it('reports an unterminated single quote', () => {
    expect(tokenize("a 'b")).toEqual({ ok: false, reason: 'unterminated single quote' });
  });
});
