import { loadServerConfig, describeServerConfig } from '../../config/server.ts';
import { parse } from '../args.ts';
import type { CliIO } from '../io.ts';
import { shutdownChildren } from '../../util/child-processes.ts';
import { withEnvFile } from '../env-file.ts';
// main.ts loads this file only for `serve` / `worker`, so the worker side costs other commands nothing.
import { jsonLogger, startBot } from '../../../queue/start-bot.ts';

export const serveHelp = `Usage: bosun serve [--with-worker] [--env-file FILE]

Runs the GitHub App's webhook server: verifies each delivery's signature and queues a job for it on
Redis; /healthz, /readyz (Redis answers) and /metrics (Prometheus) on the same port. Jobs are run by
\`bosun worker\` processes, or in this process with --with-worker (for small installations).

Configuration comes from the environment (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET,
REDIS_URL, PORT, HOST, WEBHOOK_PATH, GHE_HOST, BOSUN_CLUSTERS, …; see docs/operating.md).
SIGTERM or SIGINT shuts down gracefully; a second signal exits at once. Either way no child process
(git, kubectl, helm) and no temporary checkout outlives the process.

Options:
  --with-worker     also run the job workers in this process
  --env-file FILE   read variables from this dotenv file first (e.g. the .env \`bosun setup\` wrote);
                    variables set in the real environment win`;

export const workerHelp = `Usage: bosun worker [--env-file FILE]

Runs the job workers (plan, command): takes jobs from Redis, renders, validates, diffs and reports on
GitHub. Run as many as you like; they coordinate through Redis. Configuration as for \`bosun serve\`;
with BOSUN_METRICS_PORT set, also serves /healthz, /readyz and /metrics on that port.
SIGTERM or SIGINT stops taking jobs and lets running ones finish (up to 30 s); a second signal exits at
once. Either way no child process (git, kubectl, helm) and no temporary checkout outlives the process.`;

/** Resolves on the first SIGTERM / SIGINT. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

function makeCommand(mode: 'serve' | 'worker') {
  return async (argv: string[], io: CliIO): Promise<number> => {
    const { values } = parse(argv, mode === 'serve' ? { 'with-worker': { type: 'boolean' }, 'env-file': { type: 'string' } } : { 'env-file': { type: 'string' } }, mode);
    const work = mode === 'worker' || (values as { 'with-worker'?: boolean })['with-worker'] === true;
    // Configuration first: a missing WEBHOOK_SECRET or key is reported before anything starts.
    const config = loadServerConfig(withEnvFile(io.env, (values as { 'env-file'?: string })['env-file'], io.cwd), { cwd: io.cwd });
    const log = jsonLogger((line) => io.stderr.write(line));
    log.info({ config: describeServerConfig(config) }, `bosun ${mode} starting`);
    const running = await startBot(config, { serve: mode === 'serve', work, log });
    if (running.server) log.info({ url: running.server.url, webhook: running.server.webhookUrl }, 'listening');
    if (running.server && config.dashboardToken) log.info({ url: `${running.server.url}/dashboard` }, 'dashboard on (BOSUN_DASHBOARD_TOKEN as bearer token or basic-auth password)');
    if (running.ops) log.info({ url: running.ops.url }, 'serving /healthz, /readyz and /metrics');
    const signal = await untilSignal();
    log.info({ signal }, 'shutting down');
    // The second signal does not wait for running jobs, but still ends their child process groups and
    // removes their checkouts (process-entry.ts does the same after a graceful stop).
    const force = (): void => {
      log.warn({}, 'second signal: exiting without waiting for running jobs');
      void shutdownChildren().finally(() => process.exit(1));
    };
    process.once('SIGTERM', force);
    process.once('SIGINT', force);
    await running.close();
    process.off('SIGTERM', force);
    process.off('SIGINT', force);
    log.info({}, 'stopped');
    return 0;
  };
}

export const serveCommand = makeCommand('serve');
export const workerCommand = makeCommand('worker');
