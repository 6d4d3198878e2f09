import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReferenceMarkdown } from '../src/config/reference.ts';
import { serverEnvReferenceMarkdown } from '../src/config/server-reference.ts';
import { ecosystemReferenceMarkdown } from '../src/validate/ecosystem-reference.ts';
import { projectRoot } from '../src/util/tools.ts';

describe('README', () => {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');

  it('carries the current .bosun.yaml reference generated from the schema (run `npm run docs`)', () => {
    expect(readme).toContain(configReferenceMarkdown().trimEnd());
  });

  it('carries the current server environment reference generated from its schema (run `npm run docs`)', () => {
    expect(readme).toContain(serverEnvReferenceMarkdown().trimEnd());
  });

  it('lists the built-in ecosystem schemas with the package versions installed (run `npm run docs`)', () => {
    expect(readme).toContain(ecosystemReferenceMarkdown().trimEnd());
  });

  it('names the commands a new user runs', () => {
    for (const cmd of ['npm ci', 'npm run demo', 'npm test']) expect(readme).toContain(cmd);
  });

  it('architecture table names folders that exist', () => {
    const section = readme.slice(readme.indexOf('## Architecture'), readme.indexOf('## Development'));
    const paths = [...section.matchAll(/^\| `([^`]+)\/` \|/gm)].map((m) => m[1]);
    expect(paths.length).toBeGreaterThan(8);
    for (const p of paths) expect(() => readFileSync(join(projectRoot, p, '.'), 'utf8')).toThrow(/EISDIR/);
  });
});
