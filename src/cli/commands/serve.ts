import { loadServerConfig, describeServerConfig, type ServerConfig } from '../../config/server.ts';
import { BosunError } from '../../model/errors.ts';
import { parse } from '../args.ts';
import type { CliIO } from '../io.ts';

export const serveHelp = `Usage: bosun serve [--with-worker]

Runs the GitHub App's webhook server: verifies each delivery's signature and queues a job for it on
Redis; /healthz, /readyz (Redis answers) and /metrics (Prometheus) on the same port. Jobs are run by
\`bosun worker\` processes, or in this process with --with-worker (for small installations).

Configuration comes from the environment (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET,
REDIS_URL, PORT, HOST, WEBHOOK_PATH, GHE_HOST, BOSUN_CLUSTERS, …; see the README).
SIGTERM or SIGINT shuts down gracefully; a second signal exits at once.

Options:
  --with-worker   also run the job workers in this process`;

export const workerHelp = `Usage: bosun worker

Runs the job workers (plan, command): takes jobs from Redis, renders, validates, diffs and reports on
GitHub. Run as many as you like; they coordinate through Redis. Configuration as for \`bosun serve\`.
SIGTERM or SIGINT stops taking jobs and lets running ones finish (up to 30 s).`;

/** The slice of queue/processors/start-bot.ts this command uses. */
interface BotModule {
  startBot(config: ServerConfig, opts: { serve: boolean; work: boolean; log: BotLogger }): Promise<{ server?: { url: string; webhookUrl: string }; close(): Promise<void> }>;
  jsonLogger(write: (line: string) => void): BotLogger;
}

interface BotLogger {
  info(fields: Record<string, unknown>, msg: string): void;
}

/**
 * queue/ builds on src/, never the other way round, and the src build (tsconfig.build.json) does not
 * compile it: the process wiring is loaded by path when the command runs. Same depth from src/ and
 * dist/, so both find the repository's queue/ folder.
 */
async function loadBot(): Promise<BotModule> {
  const url = new URL('../../../queue/processors/start-bot.ts', import.meta.url);
  try {
    return (await import(url.href)) as BotModule;
  } catch (err) {
    throw new BosunError({
      kind: 'usage',
      message: `bosun serve / worker run from the sources (queue/ is not part of the compiled build): use \`npm run bosun -- serve\` in a checkout (${(err as Error).message})`,
    });
  }
}

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
    const { values } = parse(argv, mode === 'serve' ? { 'with-worker': { type: 'boolean' } } : {}, mode);
    const work = mode === 'worker' || (values as { 'with-worker'?: boolean })['with-worker'] === true;
    // Configuration first: a missing WEBHOOK_SECRET or key is reported before anything starts.
    const config = loadServerConfig(io.env, { cwd: io.cwd });
    const bot = await loadBot();
    const log = bot.jsonLogger((line) => io.stderr.write(line));
    log.info({ config: describeServerConfig(config) }, `bosun ${mode} starting`);
    const running = await bot.startBot(config, { serve: mode === 'serve', work, log });
    if (running.server) log.info({ url: running.server.url, webhook: running.server.webhookUrl }, 'listening');
    const signal = await untilSignal();
    log.info({ signal }, 'shutting down');
    const force = (): void => process.exit(1);
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
