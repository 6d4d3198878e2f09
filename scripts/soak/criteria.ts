// What a soak run measured, and the pass/fail rules over it: pure functions, no I/O. Latency is compared
// between the first and the last window of the run (stable means the last is no worse than the first by
// more than a ratio, with a floor in milliseconds so a few slow deliveries on a busy machine do not fail
// a healthy run); memory after warm-up against the end; file descriptors, processes, worktrees, temp
// folders and Redis keys once everything has drained.

export interface Timed {
  /** Milliseconds since the load started. */
  t: number;
  value: number;
}

export interface DeliveryRecord {
  t: number;
  kind: string;
  /** HTTP status bosun answered with; 0 when nothing answered. */
  status: number;
  ackMs: number;
}

export interface WorkerMeasure {
  name: string;
  /** Resident memory samples (bytes) while the load ran. */
  rss: Timed[];
  fdsWarm: number;
  fdsEnd: number;
  /** Processes still running below the worker once everything drained, not there when it started. */
  childrenEnd: string[];
  /** Checkout folders left in the worker's worktree and work folders after draining. */
  worktreesEnd: string[];
  tempWarm: number;
  tempEnd: number;
  errors: number;
}

export interface RedisKeys {
  total: number;
  /** Keys of jobs BullMQ still lists: finished ones kept by bosun's retention rule (a day, 10,000 a queue), repeatable reconciles. */
  retainedJobs: number;
  /** Keys that expire by themselves (delivery ids seen, leases, per-PR records). */
  expiring: number;
  /** Everything else: queue structure and state without an expiry. */
  other: number;
}

export interface SoakMeasurements {
  durationMs: number;
  /** Events a second the load aimed at (it falls behind when the machine cannot make commits that fast). */
  targetPerSecond: number;
  warmupMs: number;
  windowMs: number;
  deliveries: DeliveryRecord[];
  /** Pull request event → bosun's comment showing that head. */
  prComments: Timed[];
  /** Heads whose comment never came (not counting heads a newer push replaced first). */
  prUnanswered: string[];
  superseded: number;
  /** Pull requests with more than one plan comment, as `#<n>: <count>`. */
  duplicateComments: string[];
  commands: { sent: number; rocket: number; unanswered: string[] };
  pushes: { sent: number; lastApplied: boolean; detail: string };
  /** The drift issues the App opened, as `#<n> <title> (<state>)`: nothing edits the soak's cluster by hand. */
  driftIssues: string[];
  drained: boolean;
  drainMs: number;
  workers: WorkerMeasure[];
  redis: { baseline: number; warm: RedisKeys; end: RedisKeys };
}

export interface SoakLimits {
  /** Last window's p50/p99 may exceed the first's by at most this ratio… */
  latencyRatio: number;
  /** …or by at most this many milliseconds (webhook ack). */
  ackFloorMs: number;
  /** …or by at most this many milliseconds (pull request → comment). */
  commentFloorMs: number;
  /** Worker RSS growth from after warm-up to the end, as a fraction. */
  rssGrowth: number;
  /** Open file descriptors at the end (idle) may exceed those after warm-up (busy) by this many. */
  fdSlack: number;
  /** Redis keys without expiry, other than kept jobs, may exceed the count after warm-up by this many. */
  keySlack: number;
}

export const fullLimits: SoakLimits = { latencyRatio: 1.2, ackFloorMs: 250, commentFloorMs: 2_000, rssGrowth: 0.1, fdSlack: 8, keySlack: 10 };

export interface Row {
  criterion: string;
  measured: string;
  limit: string;
  ok: boolean;
}

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const median = (values: readonly number[]): number | undefined => percentile(values, 50);
const inWindow = (xs: readonly Timed[], from: number, to: number): number[] => xs.filter((x) => x.t >= from && x.t < to).map((x) => x.value);
const ms = (n: number | undefined): string => (n === undefined ? '–' : n >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);
const mb = (n: number | undefined): string => (n === undefined ? '–' : `${(n / 1024 / 1024).toFixed(0)} MB`);

function stable(name: string, series: readonly Timed[], m: SoakMeasurements, limits: SoakLimits, floorMs: number): Row[] {
  const first = inWindow(series, 0, m.windowMs);
  const last = inWindow(series, m.durationMs - m.windowMs, m.durationMs + 1);
  return [50, 99].map((p) => {
    const a = percentile(first, p);
    const b = percentile(last, p);
    const allowed = a === undefined ? undefined : Math.max(a * limits.latencyRatio, a + floorMs);
    return {
      criterion: `${name} p${p}, first vs last ${Number((m.windowMs / 60_000).toFixed(1))} min`,
      measured: `${ms(a)} → ${ms(b)} (n=${first.length}/${last.length})`,
      limit: allowed === undefined ? 'samples in both windows' : `≤ ${ms(allowed)} (×${limits.latencyRatio} or +${ms(floorMs)})`,
      ok: a !== undefined && b !== undefined && allowed !== undefined && b <= allowed,
    };
  });
}

/** Every criterion of the soak, in the order the table shows them. */
export function judge(m: SoakMeasurements, limits: SoakLimits): Row[] {
  const rows: Row[] = [];
  const unanswered = m.deliveries.filter((d) => d.status < 200 || d.status >= 300);
  const byKind = [...new Set(m.deliveries.map((d) => d.kind))].sort().map((k) => `${k} ${m.deliveries.filter((d) => d.kind === k).length}`).join(', ');
  rows.push({
    criterion: 'load offered (information)',
    measured: `${m.deliveries.length} events in ${(m.durationMs / 60_000).toFixed(0)} min = ${(m.deliveries.length / (m.durationMs / 1000)).toFixed(2)}/s`,
    limit: `aimed at ${m.targetPerSecond}/s`,
    ok: true,
  });
  rows.push({
    criterion: 'every webhook answered 2xx',
    measured: `${m.deliveries.length - unanswered.length}/${m.deliveries.length} (${byKind})${unanswered.length ? `; not: ${[...new Set(unanswered.map((d) => d.status))].join(', ')}` : ''}`,
    limit: 'all',
    ok: unanswered.length === 0 && m.deliveries.length > 0,
  });
  rows.push(...stable('webhook ack', m.deliveries.map((d) => ({ t: d.t, value: d.ackMs })), m, limits, limits.ackFloorMs));
  rows.push({
    criterion: 'every PR head commented',
    measured: `${m.prComments.length} commented, ${m.superseded} replaced by a newer head first, ${m.prUnanswered.length} never${m.prUnanswered.length ? ` (${m.prUnanswered.slice(0, 3).join(', ')})` : ''}`,
    limit: '0 never',
    ok: m.prUnanswered.length === 0 && m.prComments.length > 0,
  });
  rows.push({
    criterion: 'one bosun comment per PR',
    measured: m.duplicateComments.length ? `more on ${m.duplicateComments.slice(0, 3).join(', ')}` : 'one each',
    limit: 'one',
    ok: m.duplicateComments.length === 0,
  });
  rows.push(...stable('PR → comment', m.prComments, m, limits, limits.commentFloorMs));
  rows.push({
    criterion: 'every /bosun plan got 🚀',
    measured: `${m.commands.rocket}/${m.commands.sent}${m.commands.unanswered.length ? ` (not: ${m.commands.unanswered.slice(0, 3).join(', ')})` : ''}`,
    limit: 'all',
    ok: m.commands.rocket === m.commands.sent,
  });
  rows.push({
    criterion: 'drift issues opened (information: nothing edits the cluster by hand)',
    measured: m.driftIssues.length ? `${m.driftIssues.length}: ${m.driftIssues.slice(0, 3).join('; ')}` : '0',
    limit: '–',
    ok: true,
  });
  rows.push({ criterion: 'last push to main applied', measured: `${m.pushes.sent} pushes; ${m.pushes.detail}`, limit: 'applied', ok: m.pushes.lastApplied });
  rows.push({ criterion: 'drained after the load (every head commented, every command answered, queues idle, main applied)', measured: m.drained ? `in ${ms(m.drainMs)}` : `not after ${ms(m.drainMs)}`, limit: 'drained', ok: m.drained });
  for (const w of m.workers) {
    const warm = median(inWindow(w.rss, m.warmupMs, m.warmupMs + m.windowMs));
    const end = median(inWindow(w.rss, m.durationMs - m.windowMs, m.durationMs + 1));
    const growth = warm && end ? end / warm - 1 : undefined;
    rows.push({
      criterion: `${w.name} RSS after warm-up → end (medians)`,
      measured: `${mb(warm)} → ${mb(end)} (${growth === undefined ? '–' : `${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} %`})`,
      limit: `< +${Math.round(limits.rssGrowth * 100)} %`,
      ok: growth !== undefined && growth < limits.rssGrowth,
    });
    rows.push({ criterion: `${w.name} open fds after warm-up → end`, measured: `${w.fdsWarm} → ${w.fdsEnd}`, limit: `≤ ${w.fdsWarm + limits.fdSlack}`, ok: w.fdsEnd <= w.fdsWarm + limits.fdSlack });
    rows.push({ criterion: `${w.name} errors logged (information)`, measured: String(w.errors), limit: '–', ok: true });
    rows.push({ criterion: `${w.name} child processes at the end`, measured: w.childrenEnd.length ? w.childrenEnd.slice(0, 3).join('; ') : '0', limit: '0', ok: w.childrenEnd.length === 0 });
    rows.push({ criterion: `${w.name} worktrees left at the end`, measured: w.worktreesEnd.length ? w.worktreesEnd.slice(0, 3).join(', ') : '0', limit: '0', ok: w.worktreesEnd.length === 0 });
    rows.push({ criterion: `${w.name} temp entries after warm-up → end`, measured: `${w.tempWarm} → ${w.tempEnd}`, limit: `≤ ${w.tempWarm}`, ok: w.tempEnd <= w.tempWarm });
  }
  const { redis } = m;
  rows.push({
    criterion: 'Redis keys without expiry (not jobs), warm-up → end',
    measured: `${redis.warm.other} → ${redis.end.other} (baseline ${redis.baseline} keys; end ${redis.end.total}: ${redis.end.retainedJobs} kept jobs, ${redis.end.expiring} expiring)`,
    limit: `≤ ${redis.warm.other + limits.keySlack}`,
    ok: redis.end.other <= redis.warm.other + limits.keySlack,
  });
  return rows;
}

export function failed(rows: readonly Row[]): Row[] {
  return rows.filter((r) => !r.ok);
}

/** The summary as a markdown table (readable in a terminal, pasteable into docs). */
export function table(rows: readonly Row[]): string {
  const cell = (s: string): string => s.replaceAll('|', '\\|');
  return [
    '| criterion | measured | limit | |',
    '| --- | --- | --- | --- |',
    ...rows.map((r) => `| ${cell(r.criterion)} | ${cell(r.measured)} | ${cell(r.limit)} | ${r.ok ? 'ok' : '**FAIL**'} |`),
  ].join('\n');
}
