import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedParts } from '../scripts/update-docs.ts';
import { configReferenceMarkdown } from '../src/config/reference.ts';
import { serverEnvReferenceMarkdown } from '../src/config/server-reference.ts';
import { ecosystemReferenceMarkdown } from '../src/validate/ecosystem-reference.ts';
import { projectRoot } from '../src/util/tools.ts';
import { headingAnchors, markdownLinks } from './support/markdown.ts';

const read = (file: string): string => readFileSync(join(projectRoot, file), 'utf8');
const docsPages = readdirSync(join(projectRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);

describe('README', () => {
  const readme = read('README.md');

  it('carries the current .bosun.yaml reference generated from the schema (run `npm run docs`)', () => {
    expect(read(generatedParts['config-reference'])).toContain(configReferenceMarkdown().trimEnd());
  });

  it('carries the current server environment reference generated from its schema (run `npm run docs`)', () => {
    expect(read(generatedParts['server-env-reference'])).toContain(serverEnvReferenceMarkdown().trimEnd());
  });

  it('lists the built-in ecosystem schemas with the package versions installed (run `npm run docs`)', () => {
    expect(read(generatedParts['builtin-schemas'])).toContain(ecosystemReferenceMarkdown().trimEnd());
  });

  it('names the commands a new user runs, and how to run each test project', () => {
    for (const cmd of ['npm ci', 'npm run demo', 'npm test', 'npm run test:unit', 'npm run test:plan', 'npm run test:cluster']) expect(readme).toContain(cmd);
  });

  it('architecture table names folders that exist', () => {
    const section = read('docs/architecture.md');
    const paths = [...section.matchAll(/^\| `([^`]+)\/` \|/gm)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(8);
    for (const p of paths) expect(() => readFileSync(join(projectRoot, p, '.'), 'utf8')).toThrow(/EISDIR/);
  });

  it('is the front door: at most 200 lines, linking every page of docs/', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(200);
    const linked = new Set(markdownLinks(readme).map((l) => l.target.split('#')[0]));
    expect(docsPages.length).toBeGreaterThan(5);
    for (const page of docsPages) expect(linked, page).toContain(page);
  });

  it('keeps the demo report\'s headings out of its own outline', () => {
    expect(readme).not.toMatch(/^#+ bosun plan/m);
    expect(read(generatedParts['demo-output'])).toMatch(/^## bosun plan · /m);
  });
});

describe('links in README.md and docs/*.md', () => {
  const files = ['README.md', ...docsPages];

  it('each relative link names an existing file, and each #anchor a heading there (GitHub\'s slugs)', () => {
    const broken: string[] = [];
    let anchored = 0;
    for (const file of files) {
      for (const { target, line } of markdownLinks(read(file))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
        const [path, anchor] = target.split('#', 2) as [string, string | undefined];
        const resolved = path === '' ? file : relative(projectRoot, join(projectRoot, dirname(file), decodeURI(path)));
        if (resolved.startsWith('..') || !existsSync(join(projectRoot, resolved))) {
          broken.push(`${file}:${line}: ${target}: no file ${resolved}`);
          continue;
        }
        if (anchor === undefined) continue;
        anchored++;
        if (!resolved.endsWith('.md')) {
          broken.push(`${file}:${line}: ${target}: an anchor into a file that is not markdown`);
        } else if (!headingAnchors(read(resolved)).has(anchor)) {
          broken.push(`${file}:${line}: ${target}: ${resolved} has no heading #${anchor}`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect(anchored).toBeGreaterThan(10);
  });
});
