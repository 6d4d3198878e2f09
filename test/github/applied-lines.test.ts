// The "After merge" block of a merged PR's comment: one line per environment, re-rendered whole, and
// put into the comment without touching the plan index above it.
import { describe, expect, it } from 'vitest';
import { appliedBlockEnd, appliedBlockRoom, appliedBlockStart, fitAppliedBlock, renderAppliedBlock, withAppliedBlock } from '../../src/github/applied-lines.ts';
import { structureProblems } from '../report/markdown-checks.ts';
import type { AppliedEntry } from '../../src/jobs/pr-records.ts';

const at = Date.UTC(2026, 0, 2, 3, 4, 5);
const entry = (env: string, state: AppliedEntry['state'], more: Partial<AppliedEntry> = {}): AppliedEntry => ({
  env, sha: 'abc1234def567', ok: state === 'applied', state, at, checkRunUrl: `https://github.example/runs/${env}`, ...more,
});

describe('applied lines', () => {
  it('lists each environment with its outcome, the short commit, the time and the check run', () => {
    const block = renderAppliedBlock([entry('production', 'not-applied', { note: 'staging is unhealthy at abc1234' }), entry('staging', 'applied')]);
    expect(block.startsWith(appliedBlockStart)).toBe(true);
    expect(block.endsWith(appliedBlockEnd)).toBe(true);
    expect(block).toContain('- ✅ applied to `staging` at `abc1234` (2026-01-02 03:04:05 UTC) · [check run](https://github.example/runs/staging)');
    expect(block).toContain('- ⛔ not applied to `production` at `abc1234` — staging is unhealthy at abc1234');
    expect(renderAppliedBlock([entry('manual', 'waiting')])).toContain('⏸️ `manual` at `abc1234` waits for `/bosun apply manual`');
    expect(renderAppliedBlock([])).toBe('');
  });

  it('replaces the block in place and keeps the plan index', () => {
    const index = '<!-- bosun:plan -->\n## bosun plan\n\n| env | changes |\n';
    const first = withAppliedBlock(index, renderAppliedBlock([entry('staging', 'failed')]));
    expect(first.startsWith(index.trimEnd())).toBe(true);
    const second = withAppliedBlock(first, renderAppliedBlock([entry('staging', 'applied'), entry('production', 'applied')]));
    expect(second.match(new RegExp(appliedBlockStart, 'g'))).toHaveLength(1);
    expect(second).toContain('applied to `production`');
    expect(second).not.toContain('❌');
    expect(second.startsWith(index.trimEnd())).toBe(true);
    expect(withAppliedBlock(second, '')).toBe(`${index.trimEnd()}\n`);
  });

  it('leaves room in the plan comment for a line per environment a merge may add', () => {
    const envs = ['staging', 'production-eu-west-1'];
    const room = appliedBlockRoom('', envs);
    const worst = renderAppliedBlock(envs.map((env) => entry(env, 'waiting', {
      sha: 'f'.repeat(40), note: 'x'.repeat(120), checkRunUrl: `https://github.com/${'o'.repeat(39)}/${'r'.repeat(100)}/runs/12345678901`,
    })));
    expect(worst.length + 3).toBeLessThanOrEqual(room);
    // A block that is already there is never given less room than it takes.
    const big = renderAppliedBlock(Array.from({ length: 100 }, (_, i) => entry(`env-${i}`, 'applied')));
    expect(appliedBlockRoom(big, [])).toBe(big.length + 3);
  });

  it('keeps a comment within 65,536 characters when the block outgrows its room: the plan part is cut where markdown allows, and counted', () => {
    const diff = Array.from({ length: 30 }, (_, i) => `+  key-${i}: "value"`).join('\n');
    const change = (i: number) => `<details><summary>⚪ other · <code>~</code> ConfigMap web/cm-${i}</summary>\n\n\`\`\`diff\n${diff}\n\`\`\`\n\n</details>`;
    // A plan comment that just fits, with 1,000 characters to spare.
    let fitting = '<!-- bosun:plan -->\n## bosun plan\n\n#### Changes (200)';
    for (let i = 0; fitting.length + change(i).length + 2 < 65_536 - 1_000; i++) fitting += `\n\n${change(i)}`;
    const block = renderAppliedBlock(Array.from({ length: 60 }, (_, i) => entry(`environment-${i}`, 'applied')));
    expect(fitting.length).toBeLessThan(65_536);
    expect(fitting.length + block.length).toBeGreaterThan(65_536);
    const body = fitAppliedBlock(fitting, block);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith('<!-- bosun:plan -->\n## bosun plan')).toBe(true);
    expect(body.trimEnd().endsWith(block)).toBe(true);
    expect(body).toMatch(/Output truncated after 1 part: \d+ changes \/ \d+ lines not shown\. Each environment's check run has its full report\./);
    expect(structureProblems(body)).toEqual([]);
    // When it fits, it is withAppliedBlock.
    expect(fitAppliedBlock('<!-- bosun:plan -->\nsmall', block)).toBe(withAppliedBlock('<!-- bosun:plan -->\nsmall', block));
  });
});
