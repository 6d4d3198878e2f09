export { startGitHubStandin } from './standin.ts';
export { signAppJwt, generateAppKey, standinAppKey } from './auth/jwt.ts';
export { signature256 } from './webhooks/deliver.ts';
export { deepMerge } from './webhooks/examples.ts';
export type * from './types.ts';
