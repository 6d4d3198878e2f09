// The tour prints GitHub's Markdown in a terminal: what a reader needs must survive, markup must not.
import { describe, expect, it } from 'vitest';
import { changeLines, markdownToText, shorten } from '../../scripts/tour/markdown.ts';

const checkRun = [
  '## bosun / staging · `1a25b1d` → `f48da85`',
  '',
  '### staging',
  '',
  '#### Changes (1)',
  '',
  '<details><summary>🟡 image · <code>~</code> Deployment shop/web</summary>',
  '',
  '```diff',
  '--- base/apps/Deployment/shop/web',
  '+++ head/apps/Deployment/shop/web',
  '@@ -17,7 +17,7 @@',
  '           name: web',
  '-          image: ghcr.io/acme/web:1.4.0',
  '+          image: ghcr.io/acme/web:1.5.0',
  '```',
  '',
  '</details>',
  '',
  '### Apply preview: staging → cluster `test`',
  '',
  '### Nothing here',
  '',
  '<details><summary><code>~ ConfigMap shop/web-config</code></summary>',
  '',
  '```diff',
  ...Array.from({ length: 9 }, (_, i) => `+  KEY_${i}: "v"`),
  '```',
  '</details>',
].join('\n');

describe('the tour\'s Markdown for a terminal', () => {
  it('lists each changed object under its section with the changed lines of its diff, and counts what it cut', () => {
    expect(changeLines(checkRun)).toEqual([
      'staging:',
      '  🟡 image · ~ Deployment shop/web',
      '      - image: ghcr.io/acme/web:1.4.0',
      '      + image: ghcr.io/acme/web:1.5.0',
      'Nothing here:',
      '  ~ ConfigMap shop/web-config',
      ...Array.from({ length: 6 }, (_, i) => `      + KEY_${i}: "v"`),
      '      … 3 more changed line(s)',
    ]);
  });

  it('drops hidden markers and HTML, keeps table rows and link text, and entities read as characters', () => {
    const text = markdownToText('<!-- bosun:plan -->\n## Plan\n\n\n| a | b |\n| --- | :-: |\n| `x` | [PR](https://x/1) &lt;3 |\n<details><summary>More</summary>\nhidden&amp;shown\n</details>\n');
    expect(text).toEqual(['## Plan', '', '| a | b |', '| `x` | PR <3 |', '▸ More', 'hidden&shown']);
  });

  it('cuts long bodies and says how many lines are left on GitHub', () => {
    expect(shorten(['a', 'b', 'c'], 2)).toBe('a\nb\n… (1 more lines on GitHub)');
    expect(shorten(['a', 'b'], 2)).toBe('a\nb');
  });
});
