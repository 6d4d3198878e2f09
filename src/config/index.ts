export { ConfigError } from './config-error.ts';
export { parseDuration } from './duration.ts';
export { loadRepoConfig, parseRepoConfig, readRepoConfig, repoConfigFiles, type LoadedRepoConfig } from './load-repo-config.ts';
export { configReferenceMarkdown } from './reference.ts';
export {
  repoConfigSchema,
  type ConfigDefaults,
  type ConfigEnvironment,
  type PermissionLevel,
  type RepoConfig,
  type RepoConfigInput,
} from './schema.ts';
export { configEnvironments, configEnvironmentToEnvironment, normalizeRepoPath } from './to-environment.ts';
export { describeServerConfig, loadServerConfig, ServerConfigError, type LogLevel, type ServerConfig } from './server.ts';
export { serverEnvReferenceMarkdown } from './server-reference.ts';
