export { startServer } from './server.ts';
export type { BosunServer, ServerSettings, StartServerOptions } from './server.ts';
export { redisAnswers } from './readiness.ts';
