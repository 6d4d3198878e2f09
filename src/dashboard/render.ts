import type { AppliedRow, DashboardData, EnvironmentRow, JobRow, QueueRow } from './types.ts';

/**
 * The dashboard page, rendered on the server from DashboardData: one self-contained HTML document
 * (inline CSS, no script, no external asset: bosun often runs where the browser reaches nothing else).
 * Every value is escaped here, whatever its source: repository, environment and PR texts come from
 * users.
 */

export interface RenderOptions {
  /** Where the dashboard is mounted, for its own links. Default `/dashboard`. */
  basePath?: string;
  /** Reload the page every n seconds (a meta refresh, no script); 0 or absent: never. */
  refreshSeconds?: number;
}

export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const esc = escapeHtml;
const shortSha = (sha: string) => sha.slice(0, 7);

function link(href: string | undefined, content: string, cls?: string): string {
  const c = cls ? ` class="${esc(cls)}"` : '';
  // rel: the dashboard's own URL (and so its host) does not travel to GitHub as a referrer.
  return href ? `<a${c} href="${esc(href)}" rel="noreferrer">${content}</a>` : `<span${c}>${content}</span>`;
}

function badge(text: string, tone: 'good' | 'bad' | 'warn' | 'muted' | 'info'): string {
  return `<span class="badge ${tone}">${esc(text)}</span>`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatAgo(at: number, now: number): string {
  const diff = now - at;
  if (diff < 0) return `in ${formatDuration(-diff)}`;
  if (diff < 5000) return 'just now';
  return `${formatDuration(diff).replace(/ \d+ (s|min|h)$/, '')} ago`;
}

const iso = (at: number) => new Date(at).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

function time(at: number | undefined, now: number): string {
  if (at === undefined) return '–';
  return `<time datetime="${esc(new Date(at).toISOString())}" title="${esc(iso(at))}">${esc(formatAgo(at, now))}</time>`;
}

const healthTone = { healthy: 'good', unhealthy: 'bad', timeout: 'warn', 'not-checked': 'muted' } as const;
const driftTone = { 'in-sync': 'good', drifted: 'bad', healed: 'warn', error: 'bad' } as const;
const resultTone = { done: 'good', running: 'info', queued: 'muted', superseded: 'muted', skipped: 'muted', failed: 'bad' } as const;

function appliedCell(a: AppliedRow, now: number): string {
  const parts = [
    `${link(a.commit.url, `<code>${esc(shortSha(a.commit.sha))}</code>`, 'commit')} ${time(a.at, now)}`,
    `<div class="sub">${esc(a.trigger)}${a.pr ? ` · ${link(a.pr.url, `#${esc(a.pr.number)}`, 'pr')}` : ''}${a.requestedBy ? ` · by ${esc(a.requestedBy)}` : ''} · ${esc(formatDuration(a.durationMs))}</div>`,
    `<div class="sub">${esc(a.summary)}</div>`,
  ];
  if (a.checkRunUrl) parts.push(`<div class="sub">${link(a.checkRunUrl, 'apply check run', 'check-run')}</div>`);
  return parts.join('');
}

function environmentRow(row: EnvironmentRow, now: number): string {
  const applied = row.applied ? appliedCell(row.applied, now) : '<span class="none">never applied</span>';
  const failed = row.failedAttempt
    ? `<div class="failed-attempt">${badge('last apply failed', 'bad')} ${link(row.failedAttempt.commit.url, `<code>${esc(shortSha(row.failedAttempt.commit.sha))}</code>`)} ${time(row.failedAttempt.at, now)}`
      + `<div class="sub">${esc(row.failedAttempt.summary)}</div>${row.failedAttempt.checkRunUrl ? `<div class="sub">${link(row.failedAttempt.checkRunUrl, 'failed check run', 'check-run')}</div>` : ''}</div>`
    : '';
  // The newest verdict: a failed apply that reached the cluster says more about it than the good one before.
  const verdict = row.failedAttempt && row.failedAttempt.health !== 'not-checked' ? row.failedAttempt.health : row.applied?.health;
  const health = verdict ? badge(verdict, healthTone[verdict] ?? 'muted') : badge('unknown', 'muted');
  const drift = row.drift
    ? `${badge(row.drift.state, driftTone[row.drift.state] ?? 'muted')}${row.drift.drifted > 0 ? ` <span class="sub">${esc(row.drift.drifted)} object(s)</span>` : ''}`
      + `<div class="sub">checked ${time(row.drift.checkedAt, now)} at ${link(row.drift.commit.url, `<code>${esc(shortSha(row.drift.commit.sha))}</code>`)}</div>`
      + `<div class="sub">${esc(row.drift.summary)}</div>`
      + (row.drift.issue ? `<div class="sub">${link(row.drift.issue.url, row.drift.issue.number ? `issue #${esc(row.drift.issue.number)}` : 'drift issue', 'drift-issue')}</div>` : '')
    : '<span class="none">not checked</span>';
  const pin = row.pin
    ? `${badge('pinned', 'warn')} at ${link(row.pin.commit.url, `<code>${esc(shortSha(row.pin.commit.sha))}</code>`)} ${time(row.pin.at, now)}`
      + `<div class="sub">${esc(row.pin.reason)}${row.pin.by ? ` · by ${esc(row.pin.by)}` : ''}</div>`
      + (row.pin.revertPr ? `<div class="sub">revert ${link(row.pin.revertPr.url, `#${esc(row.pin.revertPr.number)}`, 'pr')}</div>` : '')
    : '<span class="none">–</span>';
  const lock = row.lock
    ? `${link(row.lock.pr.url, `PR #${esc(row.lock.pr.number)}`, 'pr')}<div class="sub">by ${esc(row.lock.by)} · since ${time(row.lock.acquiredAt, now)}</div><div class="sub">lease ends ${time(row.lock.expiresAt, now)}</div>`
    : '<span class="none">free</span>';
  const lease = row.lease.held
    ? `${badge('busy', 'info')}${row.lease.job ? `<div class="sub">${esc(row.lease.job.queue)} <code>${esc(row.lease.job.id)}</code></div>` : ''}`
    : '<span class="none">idle</span>';
  return `<tr class="env" data-repo="${esc(row.repo)}" data-env="${esc(row.env)}">`
    + `<td class="repo">${link(row.repoUrl, esc(row.repo))}</td>`
    + `<td class="env-name"><strong>${esc(row.env)}</strong></td>`
    + `<td class="applied">${applied}${failed}</td>`
    + `<td class="health">${health}</td>`
    + `<td class="drift">${drift}</td>`
    + `<td class="pin">${pin}</td>`
    + `<td class="lock">${lock}</td>`
    + `<td class="lease">${lease}</td>`
    + '</tr>';
}

function jobRow(job: JobRow, now: number): string {
  const target = [job.repo ? esc(job.repo) : '', job.env ? `<strong>${esc(job.env)}</strong>` : ''].filter(Boolean).join(' · ');
  const refs = [
    job.pr ? link(job.pr.url, `#${esc(job.pr.number)}`, 'pr') : '',
    job.commit ? link(job.commit.url, `<code>${esc(shortSha(job.commit.sha))}</code>`, 'commit') : '',
    job.checkRunUrl ? link(job.checkRunUrl, 'check run', 'check-run') : '',
  ].filter(Boolean).join(' ');
  return `<tr class="job" data-queue="${esc(job.queue)}" data-job-id="${esc(job.id)}" data-result="${esc(job.result)}">`
    + `<td>${esc(job.queue.replace(/^bosun-/, ''))}</td>`
    + `<td><code class="job-id" title="${esc(job.id)}">${esc(job.id.length > 48 ? `${job.id.slice(0, 47)}…` : job.id)}</code></td>`
    + `<td>${target || '<span class="none">–</span>'}</td>`
    + `<td>${refs || '<span class="none">–</span>'}</td>`
    + `<td class="result">${badge(job.result, resultTone[job.result] ?? 'muted')}${job.attempts > 1 ? ` <span class="sub">${esc(job.attempts)} attempts</span>` : ''}</td>`
    + `<td>${time(job.startedAt ?? job.createdAt, now)}</td>`
    + `<td>${job.durationMs !== undefined ? esc(formatDuration(job.durationMs)) : '–'}</td>`
    + `<td class="message">${job.message ? esc(job.message) : ''}</td>`
    + '</tr>';
}

function queueRow(queue: QueueRow): string {
  const n = (state: string) => esc(queue.counts[state] ?? 0);
  return `<tr data-queue="${esc(queue.name)}"><td>${esc(queue.name)}</td><td>${n('active')}</td><td>${n('waiting')}</td><td>${n('prioritized')}</td><td>${n('delayed')}</td><td>${n('completed')}</td><td>${n('failed')}</td></tr>`;
}

const css = `
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--link:#0969da;
--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--info:#0969da}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#161b22;--fg:#e6edf3;--muted:#8d96a0;--line:#30363d;--link:#4493f8;
--good:#3fb950;--bad:#f85149;--warn:#d29922;--info:#4493f8}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
header{display:flex;align-items:baseline;gap:1.5rem;padding:.9rem 1.5rem;border-bottom:1px solid var(--line);background:var(--card)}
header h1{font-size:1.25rem;margin:0}
header nav{display:flex;gap:1rem}
header .generated{margin-left:auto;color:var(--muted)}
main{padding:1rem 1.5rem 2rem}
h2{font-size:1.05rem;margin:1.5rem 0 .5rem}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:6px}
th,td{text-align:left;vertical-align:top;padding:.45rem .6rem;border-bottom:1px solid var(--line)}
th{font-weight:600;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.03em}
tr:last-child td{border-bottom:0}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,"DejaVu Sans Mono",monospace}
.sub{color:var(--muted);font-size:.85rem}
.none{color:var(--muted)}
.badge{display:inline-block;padding:0 .5rem;border-radius:2em;font-size:.8rem;font-weight:600;border:1px solid currentColor}
.badge.good{color:var(--good)}.badge.bad{color:var(--bad)}.badge.warn{color:var(--warn)}.badge.info{color:var(--info)}.badge.muted{color:var(--muted)}
.failed-attempt{margin-top:.4rem;padding-top:.4rem;border-top:1px dashed var(--line)}
td.message{max-width:32rem;overflow-wrap:anywhere;color:var(--muted)}
.empty{padding:1rem;color:var(--muted);background:var(--card);border:1px solid var(--line);border-radius:6px}
`;

export function renderDashboard(data: DashboardData, opts: RenderOptions = {}): string {
  const base = opts.basePath ?? '/dashboard';
  const now = data.generatedAt;
  const refresh = opts.refreshSeconds && opts.refreshSeconds > 0 ? `<meta http-equiv="refresh" content="${esc(Math.round(opts.refreshSeconds))}">` : '';
  const envs = data.environments.length > 0
    ? `<table id="environments"><thead><tr><th>Repository</th><th>Environment</th><th>Applied</th><th>Health</th><th>Drift</th><th>Pin</th><th>Lock</th><th>Job now</th></tr></thead><tbody>${data.environments.map((row) => environmentRow(row, now)).join('')}</tbody></table>`
    : '<p class="empty" id="environments">No environment has been applied, checked or locked yet.</p>';
  const queues = `<table id="queues"><thead><tr><th>Queue</th><th>Active</th><th>Waiting</th><th>Prioritized</th><th>Delayed</th><th>Completed</th><th>Failed</th></tr></thead><tbody>${data.queues.map(queueRow).join('')}</tbody></table>`;
  const jobs = data.jobs.length > 0
    ? `<table id="jobs"><thead><tr><th>Queue</th><th>Job</th><th>Repository · environment</th><th>Links</th><th>Outcome</th><th>Started</th><th>Duration</th><th>Details</th></tr></thead><tbody>${data.jobs.map((job) => jobRow(job, now)).join('')}</tbody></table>`
    : '<p class="empty" id="jobs">No jobs yet.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">${refresh}
<title>bosun dashboard</title><style>${css}</style></head>
<body><header><h1>bosun</h1><nav><a href="${esc(base)}">Environments</a><a href="${esc(`${base}/queues`)}" id="queues-link">Queues</a><a href="${esc(`${base}/api/status`)}">JSON</a></nav>
<span class="generated">as of ${esc(iso(now))}</span></header>
<main><h2>Environments</h2>${envs}<h2>Queues</h2>${queues}<h2>Recent jobs</h2>${jobs}</main></body></html>
`;
}
