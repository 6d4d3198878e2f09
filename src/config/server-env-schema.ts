import { z } from 'zod';
import { parseRedisUrl } from '../jobs/redis-url.ts';
import { parseDuration } from './duration.ts';
import { defaultObjectLimits } from '../render/object-limits.ts';
import { defaultPlanTimeoutMs, formatBudget, parsePlanTimeout } from '../plan/time-budget.ts';
import { sandboxEnvShape } from './sandbox-env.ts';
import { chartSourceEntryProblem, parseChartSources } from '../charts/policy.ts';

/**
 * The server's environment variables: the single source for their validation, types, defaults and the
 * reference table in the README (server-reference.ts). Probot's names are kept so a Probot user feels
 * at home; bosun is stricter where Probot is silently lenient (see loadServerConfig).
 *
 * Messages never contain a value: several of these variables are secrets, and the others are echoed by
 * the loader itself where that helps.
 */

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

/** Docs attached to each variable; `secret` ones are never shown, only "set"/"not set". */
export interface EnvVarMeta {
  description: string;
  /** Shown in the reference; what an unset variable means. */
  default?: string;
  required?: boolean;
  secret?: boolean;
}

/** Blank and unset are the same thing: `PORT=` in a unit file or compose file means "use the default". */
function blankToUndefined(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  return value.trim() === '' ? undefined : value;
}

function trimmed(value: unknown): unknown {
  const v = blankToUndefined(value);
  return typeof v === 'string' ? v.trim() : v;
}

function envVar<T extends z.ZodType>(inner: T, meta: EnvVarMeta, opts: { trim?: boolean } = {}) {
  return z.preprocess(opts.trim === false ? blankToUndefined : trimmed, inner).meta({ ...meta });
}

const notSet = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? `is not set; ${what}` : 'must be text');

const integerText = (what: string) => z.string().regex(/^\d+$/, { error: `must be ${what}` }).transform(Number);

export const serverEnvSchema = z.object({
  APP_ID: envVar(
    z.string({ error: notSet('set it to the numeric App ID shown on the GitHub App\'s settings page') })
      .regex(/^[1-9]\d{0,11}$/, { error: 'must be the numeric App ID shown on the GitHub App\'s settings page' })
      .transform(Number),
    { description: 'The GitHub App\'s numeric ID.', required: true },
  ),
  PRIVATE_KEY: envVar(z.string().optional(), {
    description: 'The App\'s private key: the PEM text (literal `\\n` escapes are fine, so it fits on one line) or the PEM base64-encoded. Set this or `PRIVATE_KEY_PATH`, not both. `*.pem` files in the working directory are never picked up.',
    secret: true,
  }, { trim: false }),
  PRIVATE_KEY_PATH: envVar(z.string().optional(), {
    description: 'Path to the App\'s `.pem` private key file (relative to the working directory). Set this or `PRIVATE_KEY`.',
  }),
  WEBHOOK_SECRET: envVar(
    z.string({ error: notSet('set it to the webhook secret configured on the GitHub App (bosun will not run without one)') })
      .refine((s) => s !== 'development', { error: 'is Probot\'s "development" placeholder; set the webhook secret configured on the GitHub App' }),
    { description: 'The webhook secret configured on the GitHub App; every delivery\'s signature is checked against it. Required: bosun refuses to start without it.', required: true, secret: true },
    { trim: false },
  ),
  PORT: envVar(
    integerText('a port number from 0 to 65535').refine((n) => n <= 65535, { error: 'must be a port number from 0 to 65535' }).default(3000),
    { description: 'Port of the webhook server (`0`: any free port).', default: '3000' },
  ),
  HOST: envVar(
    z.string().refine((h) => !h.includes('://') && !/\s/.test(h), { error: 'must be an address to listen on, such as 127.0.0.1 or 0.0.0.0, not a URL' }).default('127.0.0.1'),
    { description: 'Address the webhook server listens on. Only loopback by default; set `HOST=0.0.0.0` in a container so the port can be published.', default: '127.0.0.1' },
  ),
  WEBHOOK_PATH: envVar(
    z.string().regex(/^\/[^\s?#]*$/, { error: 'must be a URL path starting with "/" (no query or spaces), e.g. /api/github/webhooks' }).default('/api/github/webhooks'),
    { description: 'URL path GitHub delivers webhooks to.', default: '/api/github/webhooks' },
  ),
  WEBHOOK_PROXY_URL: envVar(
    z.string().refine((u) => /^https?:\/\/[^/\s]+/.test(u) && !/^https?:\/\/[^/]*@/.test(u), { error: 'must be the http(s) URL of a webhook relay channel, such as https://smee.io/<channel>, without a user or password' }).optional(),
    { description: 'On a laptop: a webhook relay channel (e.g. `https://smee.io/<channel>`, the App\'s webhook URL) that `bosun serve` follows with `smee-client` and forwards to its own webhook endpoint, where the signature is checked as for a direct delivery. As Probot\'s `WEBHOOK_PROXY_URL`; not for production.' },
  ),
  GHE_HOST: envVar(
    z.string()
      .refine((h) => !h.includes('://'), { error: 'must be a host name such as github.example.com (put the scheme in GHE_PROTOCOL)' })
      .transform((h) => h.replace(/\/+$/, ''))
      .refine((h) => /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(h), { error: 'must be a host name, optionally with a port, such as github.example.com or 127.0.0.1:8443' })
      .optional(),
    { description: 'GitHub Enterprise Server host (`host[:port]`); the API is then `${GHE_PROTOCOL}://${GHE_HOST}/api/v3`.', default: 'github.com' },
  ),
  GHE_PROTOCOL: envVar(
    z.string().transform((p) => p.toLowerCase()).pipe(z.enum(['https', 'http'], { error: 'must be "https" or "http"' })).optional(),
    { description: 'Scheme for `GHE_HOST`.', default: 'https' },
  ),
  REDIS_URL: envVar(
    z.string().superRefine((text, ctx) => {
      const problem = redisUrlProblem(text);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }).default('redis://127.0.0.1:6379'),
    { description: 'Redis for the job queue and bosun\'s state: `redis://[:password@]host:6379[/db]`, `rediss://…` for TLS, or Redis Sentinel as `redis+sentinel://[:password@]sentinel-0:26379,sentinel-1:26379/<master name>[/db]` (`rediss+sentinel://` for TLS), or Redis Cluster as `redis+cluster://[:password@]redis-0:6379,redis-1:6379[,…]` (`rediss+cluster://` for TLS; bosun then puts all its keys in one hash slot, `{bosun}`, so Cluster gives failover, not sharding of bosun\'s keys). A password in it is never logged.', default: 'redis://127.0.0.1:6379' },
  ),
  BOSUN_CLUSTERS: envVar(z.string().optional(), {
    description: 'Path to the cluster registry file (`clusters: {<name>: {kubeconfig: <file>, context: <name>}}` or `{<name>: {inCluster: true}}`), relative to the working directory; its content is checked when the cluster layer loads it.',
  }),
  BOSUN_DATA_DIR: envVar(z.string().optional(), {
    description: 'Folder for the git mirror cache and other working data (`~/` is expanded). Workers on one host may share it.',
    default: '$XDG_CACHE_HOME/bosun/data or ~/.cache/bosun/data',
  }),
  BOSUN_CONCURRENCY: envVar(
    integerText('a whole number from 1 to 64').refine((n) => n >= 1 && n <= 64, { error: 'must be a whole number from 1 to 64' }).default(2),
    { description: 'Jobs a worker process runs at once, per queue: plans, their parts and commands (applies: `BOSUN_APPLY_WORKER_CONCURRENCY`).', default: '2' },
  ),
  BOSUN_APPLY_WORKER_CONCURRENCY: envVar(
    integerText('a whole number from 1 to 64').refine((n) => n >= 1 && n <= 64, { error: 'must be a whole number from 1 to 64' }).default(2),
    { description: 'Apply jobs a worker process runs at once. `BOSUN_APPLY_CONCURRENCY` and `BOSUN_APPLY_CONCURRENCY_PER_CLUSTER` still hold them back across all workers; this only bounds what one process takes on (memory, connections to the clusters).', default: '2' },
  ),
  BOSUN_APPLY_CONCURRENCY: envVar(
    integerText('a whole number from 0 to 1000').refine((n) => n >= 0 && n <= 1000, { error: 'must be a whole number from 0 to 1000 (0: no global limit)' }).default(0),
    { description: 'Applies running at once across all worker processes (BullMQ\'s global concurrency of the apply queue; set the same value on every worker, the last one started sets it). Every apply to a cluster counts, a self-heal and a `/bosun apply` before merge included (they wait inside their job for a turn). `0`: no limit beyond each worker\'s own (`BOSUN_APPLY_WORKER_CONCURRENCY`); the number of workers already bounds it, and what is worth capping beyond that (GitHub API rate, memory) depends on the installation.', default: '0' },
  ),
  BOSUN_APPLY_CONCURRENCY_PER_CLUSTER: envVar(
    integerText('a whole number from 0 to 1000').refine((n) => n >= 0 && n <= 1000, { error: 'must be a whole number from 0 to 1000 (0: no per-cluster limit)' }).default(4),
    { description: 'Applies running at once against one registered cluster, across all worker processes: a change to a shared base does not send every environment of a cluster to its API server at the same moment. An apply that finds its cluster full waits in the queue (delayed, without using an attempt). The default is the per-cluster parallelism of Flux\'s kustomize-controller (`--concurrent=4`). `0`: no per-cluster limit. Every apply to the cluster counts: a self-heal and a `/bosun apply` before merge wait inside their job for a turn.', default: '4' },
  ),
  BOSUN_PLAN_FANOUT_ENVS: envVar(
    integerText('a whole number from 0 to 100000').refine((n) => n >= 0 && n <= 100_000, { error: 'must be a whole number from 0 to 100000 (0: never split a plan)' }).default(40),
    { description: 'A plan that affects more environments than this (a change to a shared base) renders them in parts on the plan-part queue, so several worker processes render at once; the plan job waits for its parts without holding a worker slot, then posts the one comment and the check runs as usual. A part that fails its last attempt fails its environments\' check runs with the reason. `0`: every plan renders in one job.', default: '40' },
  ),
  BOSUN_PLAN_FANOUT_BATCH: envVar(
    integerText('a whole number from 1 to 10000').refine((n) => n >= 1 && n <= 10_000, { error: 'must be a whole number from 1 to 10000' }).default(10),
    { description: 'Environments per part of a plan split by `BOSUN_PLAN_FANOUT_ENVS`. Smaller parts spread the work over more workers; each part fetches and checks out the commits again.', default: '10' },
  ),
  BOSUN_METRICS_PORT: envVar(
    integerText('a port number').refine((n) => n >= 0 && n < 65536, { error: 'must be a port number from 0 to 65535' }).optional(),
    { description: 'Port on which a worker-only process (`bosun worker`) serves `/healthz`, `/readyz` and `/metrics` (its job metrics), on `HOST`. Unset: the worker listens on no port. `bosun serve` has them on `PORT`.' },
  ),
  BOSUN_JOB_LOCK_MS: envVar(
    integerText('a whole number of milliseconds from 1000 to 600000').refine((n) => n >= 1_000 && n <= 600_000, { error: 'must be a whole number of milliseconds from 1000 to 600000' }).default(30_000),
    { description: 'How long a worker\'s hold on a running job lasts without renewal (renewed every half of it), and how often workers look for jobs whose holder vanished: a job whose worker was killed or lost its Redis connection is picked up again by another worker within about twice this. Lower means faster recovery, but more Redis traffic and a worker stalled that long (CPU starved, long GC pause) loses its job.', default: '30000' },
  ),
  BOSUN_JOB_MAX_STALLS: envVar(
    integerText('a whole number from 1 to 1000').refine((n) => n >= 1 && n <= 1000, { error: 'must be a whole number from 1 to 1000' }).default(5),
    { description: 'How often a job\'s worker may vanish (killed, or its job lock not renewed within `BOSUN_JOB_LOCK_MS`) before bosun gives up on the job instead of running it again (BullMQ\'s `maxStalledCount`). Every job is safe to run again; a job given up on is reported (an apply\'s check run and deployment closed as failed, a plan\'s failed `bosun` check). Raise it where workers are often evicted (spot nodes); lower it to give up sooner on a job that kills its workers.', default: '5' },
  ),
  BOSUN_ENV_LEASE_MS: envVar(
    integerText('a whole number of milliseconds from 1000 to 3600000').refine((n) => n >= 1_000 && n <= 3_600_000, { error: 'must be a whole number of milliseconds from 1000 to 3600000' }).default(60_000),
    { description: 'Lease on an environment while a job changes it (renewed every third of it): only one apply or drift heal at a time per environment. When a worker dies mid-apply, the environment stays blocked until its lease runs out, then the job is resumed.', default: '60000' },
  ),
  BOSUN_ENQUEUE_TIMEOUT_MS: envVar(
    integerText('a whole number of milliseconds from 100 to 8000').refine((n) => n >= 100 && n <= 8_000, { error: 'must be a whole number of milliseconds from 100 to 8000' }).default(3_000),
    { description: 'How long `bosun serve` waits for Redis to queue a webhook\'s job. A delivery that cannot be queued within it is answered 503, so GitHub records it as failed; once Redis answers again, bosun redelivers the failed deliveries through GitHub\'s webhook-deliveries API (see [When Redis is away](#when-redis-is-away)). At most 8000: GitHub gives up on an answer after 10 s.', default: '3000' },
  ),
  BOSUN_LOCK_TTL: envVar(
    z.string().refine((t) => (parseDuration(t) ?? 0) >= 60, { error: 'must be a duration of at least a minute, such as "168h" or "72h"' }).default('168h'),
    { description: 'How long a PR\'s environment lock (taken by `/bosun apply` before merge) lasts without activity on the PR; every event of the PR renews it, merge or close releases it, `/bosun unlock` breaks it.', default: '168h' },
  ),
  BOSUN_MAX_OBJECTS: envVar(
    integerText('a whole number of objects from 1 to 1000000').refine((n) => n >= 1 && n <= 1_000_000, { error: 'must be a whole number of objects from 1 to 1000000' }).default(defaultObjectLimits.perEnvironment),
    { description: 'Objects one environment may render (at one commit) before it fails with a clear error; the other environments of the plan are still reported. Pull request content is untrusted, and every object costs memory and time to diff, validate and report.', default: String(defaultObjectLimits.perEnvironment) },
  ),
  BOSUN_MAX_PLAN_OBJECTS: envVar(
    integerText('a whole number of objects from 1 to 10000000').refine((n) => n >= 1 && n <= 10_000_000, { error: 'must be a whole number of objects from 1 to 10000000' }).default(defaultObjectLimits.perPlan),
    { description: 'Objects one plan may render in total, every environment at base and at head counted. Environments are counted in name order; one that does not fit fails with a clear error, the others are still reported.', default: String(defaultObjectLimits.perPlan) },
  ),
  BOSUN_PLAN_TIMEOUT: envVar(
    z.string().refine((t) => parsePlanTimeout(t) !== undefined, { error: 'must be a duration such as "30m", "90s" or "1h30m", or 0 for no budget' }).default(formatBudget(defaultPlanTimeoutMs)),
    { description: `Wall time one plan may take, every part of a plan split by \`BOSUN_PLAN_FANOUT_ENVS\` together (each part counts from the plan job's start). Once spent, renders in flight are stopped (their processes killed) and every affected environment not rendered yet is listed in the comment as not previewed, with why; its check run and the \`bosun\` check end \`timed_out\`, which branch protection counts as failing. Each render is bounded on its own (the render sandbox, a tool's 120 s); this bounds how long a pull request making many environments render slowly holds a worker. \`0\`: no budget.`, default: formatBudget(defaultPlanTimeoutMs) },
  ),
  BOSUN_CHART_SOURCES: envVar(
    z.string().optional().superRefine((value, ctx) => {
      for (const entry of parseChartSources([value])) {
        const problem = chartSourceEntryProblem(entry);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }
    }),
    { description: 'Chart sources bosun may fetch remote charts from (HelmReleases from Helm repositories or OCI registries, kustomize `helmCharts`), comma- or space-separated: hosts (`charts.example.com`, `ghcr.io`) or URL prefixes (`https://charts.example.com/stable`, `oci://ghcr.io/org/charts`). Sources the pull request\'s base branch declares are allowed too; a source only the pull request introduces never is (see Remote charts).' },
  ),
  BOSUN_SOPS_AGE_KEY_FILE: envVar(z.string().optional(), {
    description: 'Path to an age key file (`AGE-SECRET-KEY-1…` lines, as sops\' own `SOPS_AGE_KEY_FILE`) with which bosun decrypts SOPS-encrypted objects for the apply and the apply preview, in its own process (never the render sandbox); values never appear in comments, check runs or logs. Unset: an environment with SOPS-encrypted objects is not applied, with an error naming the file; bosun never applies ciphertext.',
  }),
  LOG_LEVEL: envVar(
    z.string().transform((l) => l.toLowerCase()).pipe(z.enum(logLevels, { error: `must be one of ${logLevels.join(', ')}` })).default('info'),
    { description: `Log level: ${logLevels.join(', ')}.`, default: 'info' },
  ),
  BOSUN_DASHBOARD_TOKEN: envVar(
    z.string().refine((t) => t.length >= 16, { error: 'is too short; use at least 16 random characters, e.g. the output of `openssl rand -hex 32`' }).optional(),
    { description: 'Turns on the status dashboard under `/dashboard` (see [Dashboard](#dashboard)): send it as `Authorization: Bearer <token>`, or as the password of the browser\'s login prompt (any user name). At least 16 characters, e.g. `openssl rand -hex 32`. Unset: no dashboard (its paths answer 404).', secret: true },
    { trim: false },
  ),
  ...sandboxEnvShape,
});

export type ServerEnv = z.output<typeof serverEnvSchema>;
export type ServerEnvName = keyof typeof serverEnvSchema.shape;

function redisUrlProblem(text: string): string | undefined {
  try {
    parseRedisUrl(text);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** The docs of one variable, as attached in the schema above. */
export function envVarMeta(name: ServerEnvName): EnvVarMeta {
  const meta = z.globalRegistry.get(serverEnvSchema.shape[name]) as EnvVarMeta | undefined;
  return meta ?? { description: '' };
}
