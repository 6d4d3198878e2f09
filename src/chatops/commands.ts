/**
 * The ChatOps grammar: every command bosun understands in a PR comment, with the arguments and flags
 * it takes. The parser, the help text and the permission defaults all read this one table, so a new
 * command is one entry here plus its handler.
 */

export const commandVerbs = ['help', 'plan', 'apply', 'unlock', 'rollback', 'sync', 'drift'] as const;
export type CommandVerb = (typeof commandVerbs)[number];

export const defaultPrefix = '/bosun';

interface CommandBase {
  /** 1-based line of the comment the command was written on. */
  line: number;
  /** The command as written, trimmed (prefix included). */
  text: string;
}

export type HelpCommand = CommandBase & { kind: 'help' };
/** `plan` with no environments means every affected environment. */
export type PlanCommand = CommandBase & { kind: 'plan'; envs: string[] };
/**
 * `prune` (`--prune`): prune what Git no longer has for this one run even when the environment's prune is
 * off, as `argocd app sync --prune` does (argo-cd cmd/argocd/commands/app.go NewApplicationSyncCommand:
 * "Allow deleting unexpected resources", the sync operation's own `prune`, independent of
 * `syncPolicy.automated.prune`). Objects a rule keeps (`Prune=false`, `bosun.dev/prune: disabled`, Flux
 * `prune: disabled`) stay kept, as gitops-engine's pkg/sync/sync_context.go pruneObject skips a
 * `Prune=false` object with "ignored (no prune)" even when the operation prunes.
 */
export type ApplyCommand = CommandBase & { kind: 'apply'; env: string; forceConflicts: boolean; prune: boolean };
export type UnlockCommand = CommandBase & { kind: 'unlock'; env: string };
export type RollbackCommand = CommandBase & { kind: 'rollback'; env: string; now: boolean };
export type SyncCommand = CommandBase & { kind: 'sync'; env: string; prune: boolean };
export type DriftCommand = CommandBase & { kind: 'drift'; env: string };
/** A line addressed to bosun that is not a valid command; the bot answers it with the help text. */
export type InvalidCommand = CommandBase & { kind: 'invalid'; reason: string };

export type ValidCommand = HelpCommand | PlanCommand | ApplyCommand | UnlockCommand | RollbackCommand | SyncCommand | DriftCommand;
export type ParsedCommand = ValidCommand | InvalidCommand;

export interface CommandSpec {
  /** `none`: no positional arguments; `env`: exactly one environment; `envs`: any number. */
  args: 'none' | 'env' | 'envs';
  /** Allowed flags, without the leading `--`. */
  flags: readonly string[];
  /** Usage after the prefix, for the help text. */
  usage: string;
  summary: string;
}

export const commandSpecs: Record<CommandVerb, CommandSpec> = {
  help: { args: 'none', flags: [], usage: 'help', summary: 'Show this list of commands.' },
  plan: {
    args: 'envs',
    flags: [],
    usage: 'plan [env...]',
    summary: 'Render, validate and diff again; all affected environments, or only the ones named.',
  },
  apply: {
    args: 'env',
    flags: ['force-conflicts', 'prune'],
    usage: 'apply <env> [--force-conflicts] [--prune]',
    summary: 'Open PR: apply it to one environment before merge (if the environment allows it and its requirements are met). Merged PR: apply its merge commit (environments with `autoApply: false` or a `requireMatchingPlan` mismatch wait for this). `--force-conflicts` takes over fields owned by other field managers. `--prune` deletes what Git no longer has this once, even where the environment\'s prune is off (`argocd app sync --prune`); objects kept by a rule (`Prune=false`, `bosun.dev/prune: disabled`) stay.',
  },
  unlock: { args: 'env', flags: [], usage: 'unlock <env>', summary: 'Release the lock another PR (or this one) holds on an environment.' },
  rollback: {
    args: 'env',
    flags: ['now'],
    usage: 'rollback <env> [--now]',
    summary: 'On a merged PR: open a pull request that reverts it, so Git stays the source of truth. `--now` also re-applies the environment\'s last successful state from before this PR at once, while the revert waits for review.',
  },
  sync: {
    args: 'env',
    flags: ['prune'],
    usage: 'sync <env> [--prune]',
    summary: 'Re-apply the full desired state of the default branch\'s tip to an environment (disaster recovery); clears a rollback pin. It prunes as the environment does; `--prune` deletes what Git no longer has even where its prune is off (`argocd app sync --prune`, what releases an Argo CD RollingSync step held by prune-off); objects kept by a rule (`Prune=false`, `bosun.dev/prune: disabled`) stay.',
  },
  drift: {
    args: 'env',
    flags: [],
    usage: 'drift <env>',
    summary: 'Check an environment for drift now, as the scheduled check does: the live cluster against the default branch\'s tip (or its pinned commit); the result goes to the environment\'s drift issue. Heals only where the environment has `selfHeal: true`.',
  },
};

/** Environment names as `.bosun.yaml` allows them (src/config/schema.ts), `/` included. */
export const environmentNamePattern = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
export const maxEnvironmentNameLength = 100;

export function isCommandVerb(value: string): value is CommandVerb {
  return (commandVerbs as readonly string[]).includes(value);
}

/** The canonical text of a command (`/bosun apply staging --force-conflicts`), for replies and logs. */
export function formatCommand(command: ParsedCommand, prefix = defaultPrefix): string {
  switch (command.kind) {
    case 'help':
      return `${prefix} help`;
    case 'plan':
      return [prefix, 'plan', ...command.envs].join(' ');
    case 'apply':
      return `${prefix} apply ${command.env}${command.forceConflicts ? ' --force-conflicts' : ''}${command.prune ? ' --prune' : ''}`;
    case 'unlock':
      return `${prefix} unlock ${command.env}`;
    case 'rollback':
      return `${prefix} rollback ${command.env}${command.now ? ' --now' : ''}`;
    case 'sync':
      return `${prefix} sync ${command.env}${command.prune ? ' --prune' : ''}`;
    case 'drift':
      return `${prefix} drift ${command.env}`;
    case 'invalid':
      return command.text;
  }
}
