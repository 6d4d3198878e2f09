import { describe, expect, it } from 'vitest';
import { githubLinks, githubWebBase, webUrl } from '../../src/dashboard/links.ts';
import { formatAgo, formatDuration, renderDashboard } from '../../src/dashboard/render.ts';
import type { DashboardData, EnvironmentRow } from '../../src/dashboard/types.ts';

const now = Date.parse('2025-06-01T12:00:00Z');
const links = githubLinks('https://api.github.com');
const sha = 'f'.repeat(40);

function env(over: Partial<EnvironmentRow> = {}): EnvironmentRow {
  return {
    repo: 'acme/gitops',
    repoUrl: links.repo('acme/gitops'),
    env: 'production',
    applied: {
      commit: { sha, url: links.commit('acme/gitops', sha) },
      at: now - 5 * 60_000,
      durationMs: 12_300,
      trigger: 'merge',
      ok: true,
      health: 'healthy',
      summary: '3 created, 1 configured, 0 pruned, healthy',
      checkRunUrl: 'https://github.com/acme/gitops/runs/77',
      pr: { number: 12, url: links.pull('acme/gitops', 12) },
    },
    lease: { held: false },
    ...over,
  };
}

function data(over: Partial<DashboardData> = {}): DashboardData {
  return { generatedAt: now, environments: [env()], jobs: [], queues: [{ name: 'bosun-apply', counts: { active: 1, completed: 4 } }], ...over };
}

/** Elements and attributes in the markup that could run script (escaped text is not markup). */
function scriptVectors(html: string): string[] {
  const found: string[] = [];
  for (const [tag, name] of html.matchAll(/<([a-z][a-z0-9]*)\b[^>]*>/gi)) {
    if (/^(script|img|iframe|svg|object|embed)$/i.test(name)) found.push(tag);
    for (const [, attr, value] of tag.matchAll(/\s([a-z-]+)=("[^"]*"|'[^']*'|[^\s>]+)/gi)) {
      if (/^on/i.test(attr) || /^["']?\s*javascript:/i.test(value)) found.push(`${attr}=${value}`);
    }
  }
  return found;
}

describe('the dashboard page', () => {
  it('shows a repository, environment, PR login and summary containing markup as text, never as markup', () => {
    const evil = '<script>alert(1)</script>';
    const html = renderDashboard(data({
      environments: [env({
        repo: `acme/${evil}`,
        env: `prod"><img src=x onerror=alert(1)>`,
        lock: { pr: { number: 3, url: 'https://github.com/acme/x/pull/3' }, by: evil, acquiredAt: now - 1000, expiresAt: now + 1000 },
        pin: { commit: { sha, url: links.commit('acme/x', sha) }, reason: `rollback ${evil}`, at: now, by: 'o"ctocat' },
      })],
      jobs: [{
        queue: 'bosun-plan', id: 'plan+1', name: 'plan', state: 'failed', result: 'failed', message: `boom ${evil}`,
        repo: `acme/${evil}`, createdAt: now - 2000, startedAt: now - 1000, finishedAt: now, durationMs: 1000, attempts: 1,
      }],
    }));
    expect(scriptVectors(html)).toEqual([]);
    expect(html).toContain('acme/&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('data-env="prod&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain('by &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('boom &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('o&quot;ctocat');
  });

  it('links the applied commit, its PR and its check run, and says when, how and how healthy', () => {
    const html = renderDashboard(data());
    expect(html).toContain(`href="https://github.com/acme/gitops/commit/${sha}"`);
    expect(html).toContain('href="https://github.com/acme/gitops/pull/12"');
    expect(html).toContain('href="https://github.com/acme/gitops/runs/77"');
    expect(html).toContain('>fffffff</code>');
    expect(html).toContain('5 min ago');
    expect(html).toMatch(/class="badge good">healthy</);
    expect(html).toContain('12 s');
  });

  it('says so when nothing has been recorded yet, and can reload itself', () => {
    const html = renderDashboard(data({ environments: [], jobs: [] }), { refreshSeconds: 15 });
    expect(html).toContain('No environment has been applied, checked or locked yet.');
    expect(html).toContain('No jobs yet.');
    expect(html).toContain('<meta http-equiv="refresh" content="15">');
    expect(renderDashboard(data())).not.toContain('http-equiv="refresh"');
  });

  it('loads nothing from anywhere: no script, stylesheet, image or font from another place', () => {
    const html = renderDashboard(data());
    expect(html).not.toMatch(/<link\b|<script\b|<img\b|@import|url\(/i);
  });
});

describe('GitHub web links', () => {
  it('go to github.com for the public API and to the same host for GitHub Enterprise Server', () => {
    expect(githubWebBase('https://api.github.com')).toBe('https://github.com');
    expect(githubWebBase('https://ghe.example.com/api/v3')).toBe('https://ghe.example.com');
    expect(githubWebBase('http://127.0.0.1:8443/api/v3/')).toBe('http://127.0.0.1:8443');
    const ghe = githubLinks('https://ghe.example.com/api/v3');
    expect(ghe.pull('acme/app', 4)).toBe('https://ghe.example.com/acme/app/pull/4');
    expect(ghe.commit('acme/app', sha)).toBe(`https://ghe.example.com/acme/app/commit/${sha}`);
    expect(ghe.issue('acme/app', 9)).toBe('https://ghe.example.com/acme/app/issues/9');
    expect(ghe.checkRun('acme/app', 5)).toBe('https://ghe.example.com/acme/app/runs/5');
  });

  it('use a stored URL only when it is http(s)', () => {
    expect(webUrl('https://github.com/acme/app/runs/1')).toBe('https://github.com/acme/app/runs/1');
    expect(webUrl('javascript:alert(1)')).toBeUndefined();
    expect(webUrl('not a url')).toBeUndefined();
    expect(webUrl(undefined)).toBeUndefined();
  });
});

describe('times and durations', () => {
  it('read like a person would say them', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(4_200)).toBe('4.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(3 * 60_000 + 4_000)).toBe('3 min 4 s');
    expect(formatDuration(26 * 3_600_000)).toBe('26 h 0 min');
    expect(formatAgo(now - 2_000, now)).toBe('just now');
    expect(formatAgo(now - 3 * 60_000 - 4_000, now)).toBe('3 min ago');
    expect(formatAgo(now - 2 * 3_600_000 - 60_000, now)).toBe('2 h ago');
    expect(formatAgo(now + 90_000, now)).toBe('in 1 min 30 s');
  });
});
