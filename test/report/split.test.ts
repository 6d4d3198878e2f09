import { describe, expect, it } from 'vitest';
import { changeSummaryPattern, renderMarkdown } from '../../src/report/markdown.ts';
import { splitMarkdown } from '../../src/report/split.ts';
import { matchOriginal, structureProblems } from './markdown-checks.ts';
import { bigChange, environment, plan } from './plans.ts';

function bigPlan() {
  // 60 objects × 90 diff lines × ~60 characters ≈ 330 KB of markdown over two environments
  const staging = Array.from({ length: 30 }, (_, i) => bigChange(`staging-cm-${String(i).padStart(2, '0')}`, 90));
  const production = Array.from({ length: 30 }, (_, i) => bigChange(`prod-cm-${String(i).padStart(2, '0')}`, 90));
  return plan(environment('staging', { changes: staging }), environment('production', { changes: production }));
}

describe('splitting a large report', () => {
  const p = bigPlan();
  const whole = renderMarkdown(p, { maxPartChars: 10_000_000 });
  const parts = renderMarkdown(p);

  it('splits a 300 KB report into parts of at most 65,536 characters', () => {
    expect(whole).toHaveLength(1);
    expect(whole[0].length).toBeGreaterThan(300_000);
    expect(parts.length).toBeGreaterThanOrEqual(5);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(65_536);
  });

  it('keeps fences and <details> balanced in every part and marks continuations', () => {
    parts.forEach((part, i) => {
      expect(structureProblems(part), `part ${i + 1}`).toEqual([]);
      if (i > 0) expect(part.startsWith(`Continued from part ${i}.`)).toBe(true);
    });
  });

  it('reopens a cut diff with the same fence info string and a continued summary', () => {
    const cutInside = parts.slice(1).filter((part) => part.includes('(continued)</summary>'));
    expect(cutInside.length).toBeGreaterThan(0);
    for (const part of cutInside) expect(part.split('\n').slice(0, 6)).toContain('```diff');
  });

  it('loses nothing: every line of the whole report appears, in order, and only split markers are added', () => {
    const original = whole[0].split('\n');
    const { matched, strays } = matchOriginal(original, parts);
    expect(strays).toEqual([]);
    expect(matched).toBe(original.length);
    const shown = new Set(parts.join('\n').split('\n'));
    const diffLines = [...p.environments[0].changes, ...p.environments[1].changes].flatMap((c) => c.diff.trimEnd().split('\n'));
    expect(diffLines.filter((line) => !shown.has(line))).toEqual([]);
  });

  it('stops at maxParts and states exactly how many changes and lines were not shown', () => {
    const limited = renderMarkdown(p, { maxParts: 2, truncationHint: 'Full output: `bosun plan --format json`.' });
    expect(limited).toHaveLength(2);
    for (const part of limited) {
      expect(part.length).toBeLessThanOrEqual(65_536);
      expect(structureProblems(part)).toEqual([]);
    }
    const original = whole[0].split('\n');
    const { matched } = matchOriginal(original, limited);
    const hidden = original.slice(matched);
    const hiddenChanges = hidden.filter((line) => changeSummaryPattern.test(line)).length;
    expect(hiddenChanges).toBeGreaterThan(0);
    expect(limited[1]).toContain(`Output truncated after 2 parts: ${hiddenChanges} changes / ${hidden.length} lines not shown. Full output: \`bosun plan --format json\`.`);
    const shownChanges = limited.join('\n').split('\n').filter((line) => changeSummaryPattern.test(line) && !line.endsWith('(continued)</summary>')).length;
    expect(shownChanges + hiddenChanges).toBe(60);
  });

  it('gives the same parts every time', () => {
    expect(renderMarkdown(bigPlan())).toEqual(parts);
  });
});

describe('splitMarkdown on its own', () => {
  it('returns the text unchanged when it fits', () => {
    const md = '# Title\n\n```yaml\na: 1\n```\n';
    expect(splitMarkdown(md, 1000)).toEqual(['# Title\n\n```yaml\na: 1\n```']);
  });

  it('hard-splits a line longer than a part and keeps every character', () => {
    const long = 'y'.repeat(2500);
    const parts = splitMarkdown(`intro\n${long}\noutro`, 1000);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(1000);
    const content = parts.map((part) => part.split('\n').filter((l) => !/^Continued from part/.test(l) && l !== '').join('')).join('');
    expect(content).toBe(`intro${long}outro`);
  });

  it('repeats a table header in the part that continues the table', () => {
    const rows = Array.from({ length: 100 }, (_, i) => `| row ${i} | ${'v'.repeat(30)} |`);
    const md = ['| Name | Value |', '| --- | --- |', ...rows].join('\n');
    const parts = splitMarkdown(md, 1200);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts.slice(1)) expect(part.split('\n').slice(2, 4)).toEqual(['| Name | Value |', '| --- | --- |']);
  });

  it('closes and reopens nested <details> around a fence with a longer fence marker', () => {
    const body = Array.from({ length: 60 }, (_, i) => `line ${i} ${'z'.repeat(20)}`);
    const md = ['<details><summary>outer</summary>', '', '<details><summary>inner</summary>', '', '````text', ...body, '````', '', '</details>', '</details>'].join('\n');
    const parts = splitMarkdown(md, 500);
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(500);
      expect(structureProblems(part)).toEqual([]);
    }
    expect(parts[1]).toContain('<details><summary>outer (continued)</summary>\n\n<details><summary>inner (continued)</summary>\n\n````text');
  });

  it('does not treat tags inside a fence as structure', () => {
    const md = ['```html', '<details>', ...Array.from({ length: 40 }, (_, i) => `<p>${i} ${'q'.repeat(20)}</p>`), '```', 'after'].join('\n');
    for (const part of splitMarkdown(md, 400)) {
      expect(structureProblems(part)).toEqual([]);
      expect(part).not.toContain('</details>');
    }
  });

  it('counts what a single allowed part could not hold', () => {
    const md = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const [only, ...rest] = splitMarkdown(md, 600, { maxParts: 1 });
    expect(rest).toEqual([]);
    expect(only.length).toBeLessThanOrEqual(600);
    const shown = only.split('\n').filter((l) => /^line \d+$/.test(l)).length;
    expect(only).toContain(`${100 - shown} lines not shown`);
  });
});
