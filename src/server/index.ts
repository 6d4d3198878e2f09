export { startServer } from './server.ts';
export type { BosunServer, ServerSettings, StartServerOptions } from './server.ts';
export { redisAnswers } from './readiness.ts';
export { startOpsServer } from './ops-server.ts';
export type { OpsServer } from './ops-server.ts';
