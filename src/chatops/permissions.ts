import { codeSpan } from '../report/format.ts';
import { defaultPrefix, formatCommand, type CommandVerb, type ParsedCommand } from './commands.ts';

/** GitHub repository permission levels, weakest first. */
export const permissionOrder = ['none', 'read', 'triage', 'write', 'maintain', 'admin'] as const;
export type RepoPermission = (typeof permissionOrder)[number];

/** Per-command overrides, as `.bosun.yaml` `commands.permissions` gives them. */
export type CommandPermissions = Partial<Record<CommandVerb, RepoPermission>>;

export const defaultCommandPermissions: Readonly<Record<CommandVerb, RepoPermission>> = {
  help: 'read',
  plan: 'write',
  apply: 'maintain',
  unlock: 'maintain',
  rollback: 'maintain',
  sync: 'maintain',
  // Reads the cluster; it heals only where the environment's own selfHeal would on the next round.
  drift: 'write',
};

export function isRepoPermission(value: unknown): value is RepoPermission {
  return typeof value === 'string' && (permissionOrder as readonly string[]).includes(value);
}

/**
 * The permission a command needs. An invalid command is answered with the help text, so it needs what
 * `help` needs.
 */
export function requiredPermission(command: CommandVerb | 'invalid' | ParsedCommand, config: CommandPermissions = {}): RepoPermission {
  const kind = typeof command === 'string' ? command : command.kind;
  const verb: CommandVerb = kind === 'invalid' ? 'help' : kind;
  return config[verb] ?? defaultCommandPermissions[verb];
}

export function isAllowed(actual: RepoPermission, required: RepoPermission): boolean {
  return permissionOrder.indexOf(actual) >= permissionOrder.indexOf(required);
}

/** "@alice needs maintain permission to run `/bosun apply staging`; you have write. …" */
export function refusalMessage(
  user: string,
  command: ParsedCommand | string,
  actual: RepoPermission,
  required: RepoPermission,
  opts: { prefix?: string } = {},
): string {
  const text = typeof command === 'string' ? command : formatCommand(command, opts.prefix ?? defaultPrefix);
  const have = actual === 'none' ? 'you have no permission on this repository' : `you have ${actual}`;
  return `@${user} needs ${required} permission to run ${codeSpan(text.replace(/\s+/g, ' '))}; ${have}. Ask someone with ${required} (or higher) permission to run it, or a repository admin to raise your permission.`;
}
