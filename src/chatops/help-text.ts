import { codeSpan, escapeCell } from '../report/format.ts';
import { commandSpecs, commandVerbs, defaultPrefix } from './commands.ts';
import { requiredPermission, type CommandPermissions } from './permissions.ts';

/**
 * The markdown the bot posts for `help` and in answer to an invalid command. No line starts with the
 * prefix, so the bot's own reply never parses as a command.
 */
export function helpText(prefix: string = defaultPrefix, opts: { permissions?: CommandPermissions } = {}): string {
  const rows = commandVerbs.map((verb) => {
    const spec = commandSpecs[verb];
    const needs = requiredPermission(verb, opts.permissions);
    return `| ${codeSpan(`${prefix} ${spec.usage}`)} | ${escapeCell(spec.summary)} | ${needs} |`;
  });
  return [
    '#### bosun commands',
    '',
    'Comment on the pull request with one command per line (commands inside code blocks and quotes are ignored):',
    '',
    '| command | what it does | permission needed |',
    '| --- | --- | --- |',
    ...rows,
    '',
    `Environment names may contain \`/\` (e.g. ${codeSpan(`${prefix} plan staging/apps`)}).`,
  ].join('\n');
}
