import { readdirSync } from 'node:fs';
import { sandboxPolicyFromEnv } from './sandbox-env.ts';
import { parseChartSources } from '../charts/policy.ts';
import type { SandboxPolicy } from '../render/sandbox.ts';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { BosunError, type Problem } from '../model/errors.ts';
import { serverEnvSchema, type LogLevel, type ServerEnvName } from './server-env-schema.ts';
import { parseDuration } from './duration.ts';
import { defaultPlanTimeoutMs, formatBudget, parsePlanTimeout } from '../plan/time-budget.ts';
import { checkPrivateKey, normalizePem, readPrivateKeyFile, type PrivateKeySource } from './server-private-key.ts';

export type { LogLevel } from './server-env-schema.ts';
export type { PrivateKeySource } from './server-private-key.ts';

/** The bot's server-side settings, from the environment (see server-env-schema.ts for each variable). */
export interface ServerConfig {
  appId: number;
  /** Normalized PEM (real line breaks), checked to be an RSA private key. */
  privateKey: string;
  privateKeySource: PrivateKeySource;
  webhookSecret: string;
  port: number;
  host: string;
  webhookPath: string;
  /** A webhook relay channel `bosun serve` follows (WEBHOOK_PROXY_URL), on a laptop. */
  webhookProxyUrl?: string;
  /** `https://api.github.com`, or `${GHE_PROTOCOL}://${GHE_HOST}/api/v3` for GitHub Enterprise Server. */
  githubBaseUrl: string;
  redisUrl: string;
  /** Absolute path of the clusters file; its content is loaded by src/cluster. */
  clustersFile?: string;
  /** Absolute path of the working-data folder (mirror cache etc.). */
  dataDir: string;
  concurrency: number;
  /** Applies at once across all workers (BOSUN_APPLY_CONCURRENCY); 0: no global limit. */
  applyConcurrency: number;
  /** Applies at once per cluster (BOSUN_APPLY_CONCURRENCY_PER_CLUSTER); 0: no per-cluster limit. */
  applyConcurrencyPerCluster: number;
  /** Apply jobs one worker process runs at once (BOSUN_APPLY_WORKER_CONCURRENCY). */
  applyWorkerConcurrency: number;
  /** A plan affecting more than `envs` environments renders in parts of `batch` on several workers (BOSUN_PLAN_FANOUT_ENVS, BOSUN_PLAN_FANOUT_BATCH); envs 0: never. */
  planFanout: { envs: number; batch: number };
  /** Lease of a PR's environment lock (ms), renewed by every event of the PR. */
  lockTtlMs: number;
  /** How long the webhook server waits to queue a delivery's job before answering 503 (ms). */
  enqueueTimeoutMs: number;
  /** Port of a worker-only process's /healthz, /readyz and /metrics; none when unset. */
  metricsPort?: number;
  /** BullMQ job lock and stalled-job check interval (ms): how soon a dead worker's job is picked up again. */
  jobLockMs: number;
  /** How often a job's worker may vanish before bosun gives up on it (BOSUN_JOB_MAX_STALLS; BullMQ's maxStalledCount). */
  jobMaxStalls: number;
  /** Environment lease (ms): how long a dead worker's apply blocks its environment. */
  envLeaseMs: number;
  /** Objects per environment render and per plan (pass as `limits` to planChange / loadDesiredState). */
  objectLimits: { perEnvironment: number; perPlan: number };
  /** Wall time one plan may take, its parts together (BOSUN_PLAN_TIMEOUT); 0: no budget. */
  planTimeoutMs: number;
  logLevel: LogLevel;
  dashboardToken?: string;
  /** BOSUN_CHART_SOURCES entries: where remote charts may be fetched from (besides the base branch's declarations). */
  chartSources: string[];
  /** How kustomize and helm are confined (BOSUN_SANDBOX…); see the Security model. */
  sandbox: SandboxPolicy;
}

/** Every problem with the server's environment at once, so an operator fixes them in one go. */
export class ServerConfigError extends BosunError {
  readonly problems: Problem[];
  /** Required variables that are not set at all. */
  readonly missing: string[];

  constructor(problems: Problem[], missing: string[]) {
    const lines = problems.map((p) => `  - ${p.message}`);
    const head = missing.length > 0
      ? `bosun cannot start: missing ${missing.join(', ')}`
      : 'bosun cannot start: the server configuration is invalid';
    super({
      kind: 'config',
      field: problems[0]?.field,
      message: `${head}\n${lines.join('\n')}\nSet them in the environment of the bosun process (docs/operating.md lists every variable).`,
    });
    this.name = 'ServerConfigError';
    this.problems = problems;
    this.missing = missing;
  }
}

/**
 * Reads the server configuration with Probot's variable names, minus Probot's silent fallbacks: a
 * missing or empty WEBHOOK_SECRET is an error (Probot would use "development"), and a key is only
 * taken from PRIVATE_KEY or PRIVATE_KEY_PATH (Probot would use any *.pem in the working directory).
 * Relative paths are resolved against `opts.cwd`. Throws `ServerConfigError` (kind 'config') naming
 * every missing or invalid variable; no error ever contains a secret value.
 */
export function loadServerConfig(env: NodeJS.ProcessEnv, opts: { cwd?: string } = {}): ServerConfig {
  const cwd = opts.cwd ?? process.cwd();
  const problems: Problem[] = [];
  const missing: Array<{ field: string; label: string }> = [];
  const problem = (field: string, message: string) => problems.push({ kind: 'config', field, message });

  const parsed = serverEnvSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'environment');
      if (issue.code === 'invalid_type' && issue.message.startsWith('is not set')) missing.push({ field, label: field });
      problem(field, `${field} ${issue.message}${echo(field as ServerEnvName, env[field])}`);
    }
  }
  const data = parsed.success ? parsed.data : undefined;

  const key = loadKey(env, cwd);
  if (key.missing) missing.push({ field: 'PRIVATE_KEY', label: 'PRIVATE_KEY (or PRIVATE_KEY_PATH)' });
  if (key.problem) problem(key.problem.field, key.problem.message);

  const gheHost = data?.GHE_HOST;
  if (!env.GHE_HOST?.trim() && env.GHE_PROTOCOL?.trim()) problem('GHE_PROTOCOL', 'GHE_PROTOCOL is set but GHE_HOST is not; set GHE_HOST to your GitHub Enterprise Server host, or unset GHE_PROTOCOL');

  if (problems.length > 0 || !data || !key.pem) {
    problems.sort((a, b) => order(a.field) - order(b.field));
    missing.sort((a, b) => order(a.field) - order(b.field));
    throw new ServerConfigError(problems, missing.map((m) => m.label));
  }

  const config: ServerConfig = {
    appId: data.APP_ID,
    privateKey: key.pem,
    privateKeySource: key.source!,
    webhookSecret: data.WEBHOOK_SECRET,
    port: data.PORT,
    host: data.HOST,
    webhookPath: data.WEBHOOK_PATH,
    ...(data.WEBHOOK_PROXY_URL ? { webhookProxyUrl: data.WEBHOOK_PROXY_URL } : {}),
    githubBaseUrl: gheHost ? `${data.GHE_PROTOCOL ?? 'https'}://${gheHost}/api/v3` : 'https://api.github.com',
    redisUrl: data.REDIS_URL,
    ...(data.BOSUN_CLUSTERS ? { clustersFile: toAbsolute(data.BOSUN_CLUSTERS, cwd, env) } : {}),
    dataDir: data.BOSUN_DATA_DIR ? toAbsolute(data.BOSUN_DATA_DIR, cwd, env) : defaultDataDir(env),
    concurrency: data.BOSUN_CONCURRENCY,
    applyConcurrency: data.BOSUN_APPLY_CONCURRENCY,
    applyConcurrencyPerCluster: data.BOSUN_APPLY_CONCURRENCY_PER_CLUSTER,
    applyWorkerConcurrency: data.BOSUN_APPLY_WORKER_CONCURRENCY,
    planFanout: { envs: data.BOSUN_PLAN_FANOUT_ENVS, batch: data.BOSUN_PLAN_FANOUT_BATCH },
    lockTtlMs: (parseDuration(data.BOSUN_LOCK_TTL) ?? 168 * 3600) * 1000,
    enqueueTimeoutMs: data.BOSUN_ENQUEUE_TIMEOUT_MS,
    ...(data.BOSUN_METRICS_PORT !== undefined ? { metricsPort: data.BOSUN_METRICS_PORT } : {}),
    jobLockMs: data.BOSUN_JOB_LOCK_MS,
    jobMaxStalls: data.BOSUN_JOB_MAX_STALLS,
    envLeaseMs: data.BOSUN_ENV_LEASE_MS,
    objectLimits: { perEnvironment: data.BOSUN_MAX_OBJECTS, perPlan: data.BOSUN_MAX_PLAN_OBJECTS },
    planTimeoutMs: parsePlanTimeout(data.BOSUN_PLAN_TIMEOUT) ?? defaultPlanTimeoutMs,
    logLevel: data.LOG_LEVEL,
    ...(data.BOSUN_DASHBOARD_TOKEN ? { dashboardToken: data.BOSUN_DASHBOARD_TOKEN } : {}),
    chartSources: parseChartSources([data.BOSUN_CHART_SOURCES]),
    sandbox: sandboxPolicyFromEnv(env),
  };
  // A config object that ends up in a log line (logger.info(cfg), JSON.stringify, console.log) shows the
  // safe summary instead of the key and secrets.
  Object.defineProperty(config, 'toJSON', { value: () => describeServerConfig(config), enumerable: false });
  Object.defineProperty(config, inspect.custom, { value: () => describeServerConfig(config), enumerable: false });
  return Object.freeze(config);
}

/** A summary safe for logs: secrets become "set"/"not set", a Redis password is masked. */
export function describeServerConfig(cfg: ServerConfig): Record<string, string | number> {
  const keyFrom = cfg.privateKeySource.variable === 'PRIVATE_KEY_PATH' ? `set (PRIVATE_KEY_PATH ${cfg.privateKeySource.path})` : 'set (PRIVATE_KEY)';
  return {
    appId: cfg.appId,
    privateKey: cfg.privateKey ? keyFrom : 'not set',
    webhookSecret: cfg.webhookSecret ? 'set' : 'not set',
    listen: `http://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${cfg.port}${cfg.webhookPath}`,
    ...(cfg.webhookProxyUrl ? { webhookProxyUrl: cfg.webhookProxyUrl } : {}),
    githubBaseUrl: cfg.githubBaseUrl,
    redisUrl: maskUrlPassword(cfg.redisUrl),
    clustersFile: cfg.clustersFile ?? 'not set',
    dataDir: cfg.dataDir,
    concurrency: cfg.concurrency,
    applyConcurrency: cfg.applyConcurrency,
    applyConcurrencyPerCluster: cfg.applyConcurrencyPerCluster,
    applyWorkerConcurrency: cfg.applyWorkerConcurrency,
    planFanout: cfg.planFanout.envs > 0 ? `over ${cfg.planFanout.envs} environments, ${cfg.planFanout.batch} per part` : 'off',
    lockTtl: `${Math.round(cfg.lockTtlMs / 3_600_000 * 10) / 10}h`,
    enqueueTimeoutMs: cfg.enqueueTimeoutMs,
    jobLockMs: cfg.jobLockMs,
    jobMaxStalls: cfg.jobMaxStalls,
    envLeaseMs: cfg.envLeaseMs,
    maxObjects: cfg.objectLimits.perEnvironment,
    maxPlanObjects: cfg.objectLimits.perPlan,
    planTimeout: cfg.planTimeoutMs > 0 ? formatBudget(cfg.planTimeoutMs) : 'none',
    ...(cfg.metricsPort !== undefined ? { metricsPort: cfg.metricsPort } : {}),
    logLevel: cfg.logLevel,
    dashboardToken: cfg.dashboardToken ? 'set' : 'not set',
    chartSources: cfg.chartSources.join(', ') || 'none (only what the base branch declares)',
    sandbox: cfg.sandbox.mode,
  };
}

interface KeyOutcome {
  pem?: string;
  source?: PrivateKeySource;
  missing: boolean;
  problem?: { field: string; message: string };
}

function loadKey(env: NodeJS.ProcessEnv, cwd: string): KeyOutcome {
  const inline = env.PRIVATE_KEY?.trim() ? env.PRIVATE_KEY : undefined;
  const pathText = env.PRIVATE_KEY_PATH?.trim() || undefined;
  if (inline && pathText) {
    return {
      missing: false,
      problem: { field: 'PRIVATE_KEY', message: 'PRIVATE_KEY and PRIVATE_KEY_PATH are both set; keep only one, so there is no doubt which key signs the App\'s tokens' },
    };
  }
  if (inline) {
    const checked = checkPrivateKey(normalizePem(inline), 'PRIVATE_KEY');
    return checked.ok
      ? { pem: checked.pem, source: { variable: 'PRIVATE_KEY' }, missing: false }
      : { missing: false, problem: { field: 'PRIVATE_KEY', message: checked.message } };
  }
  if (pathText) {
    const path = toAbsolute(pathText, cwd, env);
    const read = readPrivateKeyFile(path);
    return read.ok
      ? { pem: read.pem, source: { variable: 'PRIVATE_KEY_PATH', path }, missing: false }
      : { missing: false, problem: { field: 'PRIVATE_KEY_PATH', message: read.message } };
  }
  return {
    missing: true,
    problem: { field: 'PRIVATE_KEY', message: `PRIVATE_KEY and PRIVATE_KEY_PATH are not set; set one to the GitHub App's private key${pemHint(cwd)}` },
  };
}

/** Probot users expect a .pem next to the app to be found; say why it was not, without reading it. */
function pemHint(cwd: string): string {
  let pems: string[];
  try {
    pems = readdirSync(cwd).filter((name) => name.endsWith('.pem'));
  } catch {
    return '';
  }
  if (pems.length === 0) return '';
  return ` (${pems.join(', ')} in ${cwd} is not used automatically; set PRIVATE_KEY_PATH=${join(cwd, pems[0])} if it is the App's key)`;
}

const secretNames = new Set(['PRIVATE_KEY', 'WEBHOOK_SECRET', 'BOSUN_DASHBOARD_TOKEN', 'REDIS_URL']);

/** Shows the offending value for plain settings (it helps), never for secrets or URLs that may hold one. */
function echo(name: ServerEnvName, value: string | undefined): string {
  if (value === undefined || value.trim() === '' || secretNames.has(name)) return '';
  const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return ` (got ${JSON.stringify(shown)})`;
}

const fieldOrder = Object.keys(serverEnvSchema.shape);
function order(field: string | undefined): number {
  const i = fieldOrder.indexOf(field ?? '');
  return i < 0 ? fieldOrder.length : i;
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME?.trim() || homedir();
}

function toAbsolute(path: string, cwd: string, env: NodeJS.ProcessEnv): string {
  if (path === '~' || path.startsWith('~/')) return join(homeOf(env), path.slice(1));
  return isAbsolute(path) ? resolve(path) : resolve(cwd, path);
}

export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  const cacheHome = xdg && isAbsolute(xdg) ? xdg : join(homeOf(env), '.cache');
  return join(cacheHome, 'bosun', 'data');
}

function maskUrlPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    return url.href;
  } catch {
    // redis+sentinel:// lists several hosts, which URL cannot parse: mask the credentials by pattern.
    return /^[a-z+]+:\/\/[^/@]*@/i.test(text) ? text.replace(/^([a-z+]+:\/\/)[^/@]*@/i, '$1***@') : text;
  }
}
