import { describe, expect, it } from 'vitest';
import { commentMarker, isStickyComment, stickyBody, truncateDescription } from '../../src/github/index.ts';

describe('sticky comment marker', () => {
  it('puts the hidden marker on the first line once', () => {
    const body = stickyBody('plan', '## bosun plan\n\nno changes');
    expect(body).toBe('<!-- bosun:plan -->\n## bosun plan\n\nno changes');
    expect(stickyBody('plan', body)).toBe(body);
  });

  it('recognises bosun’s comment by its first line only', () => {
    expect(isStickyComment('<!-- bosun:plan -->\nbody', 'plan')).toBe(true);
    expect(isStickyComment('<!-- bosun:plan -->\r\nbody', 'plan')).toBe(true);
    expect(isStickyComment('<!-- bosun:plan -->', 'plan')).toBe(true);
    expect(isStickyComment('> <!-- bosun:plan -->\n> quoted reply', 'plan')).toBe(false);
    expect(isStickyComment('see above\n<!-- bosun:plan -->', 'plan')).toBe(false);
    expect(isStickyComment('<!-- bosun:plan-2 -->\nbody', 'plan')).toBe(false);
    expect(isStickyComment('<!-- bosun:plan -->x', 'plan')).toBe(false);
    expect(isStickyComment(null, 'plan')).toBe(false);
  });

  it('refuses markers that could break out of the HTML comment', () => {
    expect(() => commentMarker('a -->')).toThrow(/marker/);
    expect(() => commentMarker('a--b')).toThrow(/marker/);
    expect(commentMarker('apply:staging/apps')).toBe('<!-- bosun:apply:staging/apps -->');
  });
});

describe('truncateDescription', () => {
  it('keeps deployment status descriptions within 140 characters on one line', () => {
    expect(truncateDescription('applied 3 objects\nall healthy')).toBe('applied 3 objects all healthy');
    const long = truncateDescription('x'.repeat(500));
    expect(long).toHaveLength(140);
    expect(long.endsWith('…')).toBe(true);
  });
});
