// The "After merge" block of a merged PR's comment: one line per environment, re-rendered whole, and
// put into the comment without touching the plan index above it.
import { describe, expect, it } from 'vitest';
import { appliedBlockEnd, appliedBlockStart, renderAppliedBlock, withAppliedBlock } from '../../src/github/applied-lines.ts';
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
});
