import { describe, expect, it } from 'vitest';
import { annotationsFromFindings, batches, fitOutput, maxCheckOutputChars } from '../../src/github/index.ts';
import type { ValidationFinding } from '../../src/model/validation.ts';

describe('fitOutput', () => {
  it('leaves text that fits alone', () => {
    const text = 'x'.repeat(maxCheckOutputChars);
    expect(fitOutput(text)).toEqual({ text, omitted: 0 });
  });

  it('cuts long text to the limit and says exactly how many characters are not shown', () => {
    const lines = Array.from({ length: 5_000 }, (_, i) => `line ${i} ${'y'.repeat(20)}`);
    const text = lines.join('\n');
    const fitted = fitOutput(text);
    expect(fitted.text.length).toBeLessThanOrEqual(maxCheckOutputChars);
    expect(fitted.omitted).toBeGreaterThan(0);
    const shown = fitted.text.slice(0, fitted.text.indexOf('\n\n> [!WARNING]'));
    expect(text.startsWith(shown)).toBe(true);
    expect(shown.length + fitted.omitted).toBe(text.length);
    expect(fitted.text).toContain(`> ${fitted.omitted.toLocaleString('en-US')} characters not shown`);
    // Cut at a line end, not mid-line.
    expect(text[shown.length]).toBe('\n');
  });

  it('closes a code fence and details blocks the cut leaves open', () => {
    const text = `<details><summary>diff</summary>\n\n\`\`\`diff\n${'+ added line\n'.repeat(200)}\`\`\`\n</details>`;
    const fitted = fitOutput(text, 600);
    expect(fitted.text.length).toBeLessThanOrEqual(600);
    const body = fitted.text.slice(0, fitted.text.indexOf('\n\n> [!WARNING]'));
    expect(body.endsWith('\n```\n</details>')).toBe(true);
    expect(fitted.omitted).toBeGreaterThan(0);
  });

  it('never splits a surrogate pair', () => {
    // 152 leaves an odd number of characters before the notice: a naive cut would halve an emoji.
    const text = '😀'.repeat(100);
    const fitted = fitOutput(text, 152);
    expect(fitted.text.length).toBeLessThanOrEqual(152);
    expect(fitted.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });
});

describe('annotationsFromFindings', () => {
  const finding = (f: Partial<ValidationFinding>): ValidationFinding => ({
    severity: 'error',
    object: 'apps/v1 Deployment web/frontend',
    path: '/spec/replicas',
    message: 'must be integer',
    ...f,
  });

  it('maps findings onto the source file and line with GitHub annotation levels', () => {
    const { annotations, unplaced } = annotationsFromFindings([
      finding({ file: 'clusters/staging/web.yaml', line: 12 }),
      finding({ file: 'clusters/staging/web.yaml', severity: 'warning', path: '/', message: 'no schema for Widget' }),
    ]);
    expect(unplaced).toEqual([]);
    expect(annotations).toEqual([
      { path: 'clusters/staging/web.yaml', start_line: 12, end_line: 12, annotation_level: 'failure', title: 'apps/v1 Deployment web/frontend', message: '/spec/replicas: must be integer' },
      { path: 'clusters/staging/web.yaml', start_line: 1, end_line: 1, annotation_level: 'warning', title: 'apps/v1 Deployment web/frontend', message: 'no schema for Widget' },
    ]);
  });

  it('returns findings without a file apart instead of dropping them', () => {
    const orphan = finding({ file: undefined });
    expect(annotationsFromFindings([orphan])).toEqual({ annotations: [], unplaced: [orphan] });
  });
});

describe('batches', () => {
  it('groups annotations 50 to a request, in order', () => {
    const items = Array.from({ length: 121 }, (_, i) => i);
    const groups = batches(items);
    expect(groups.map((g) => g.length)).toEqual([50, 50, 21]);
    expect(groups.flat()).toEqual(items);
    expect(batches([])).toEqual([]);
  });
});
