export { commandSpecs, commandVerbs, defaultPrefix, environmentNamePattern, formatCommand, isCommandVerb } from './commands.ts';
export type {
  ApplyCommand,
  CommandSpec,
  CommandVerb,
  DriftCommand,
  HelpCommand,
  InvalidCommand,
  ParsedCommand,
  PlanCommand,
  RollbackCommand,
  SyncCommand,
  UnlockCommand,
  ValidCommand,
} from './commands.ts';
export { parseComment } from './parse-comment.ts';
export type { ParseOptions } from './parse-comment.ts';
export { tokenize } from './tokenize.ts';
export { helpText } from './help-text.ts';
export { defaultCommandPermissions, isAllowed, isRepoPermission, permissionOrder, refusalMessage, requiredPermission } from './permissions.ts';
export type { CommandPermissions, RepoPermission } from './permissions.ts';
export { checkRequirements, knownRequirements } from './requirements.ts';
export type { ApplyRequirement, PullRequestState, UnmetRequirement } from './requirements.ts';
