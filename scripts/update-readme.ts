// `npm run docs`: refreshes the generated parts of README.md between their markers: the `.bosun.yaml`
// reference (from the zod schema) and, with --demo, the real output of `npm run demo`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceMarkdown } from '../src/config/reference.ts';
import { serverEnvReferenceMarkdown } from '../src/config/server-reference.ts';
import { ecosystemReferenceMarkdown } from '../src/validate/ecosystem-reference.ts';
import { projectRoot } from '../src/util/tools.ts';

export function replaceBetween(text: string, marker: string, content: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`README.md has no ${start} … ${end} markers`);
  return `${text.slice(0, a + start.length)}\n${content.trimEnd()}\n${text.slice(b)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = join(projectRoot, 'README.md');
  let text = readFileSync(file, 'utf8');
  text = replaceBetween(text, 'config-reference', configReferenceMarkdown());
  text = replaceBetween(text, 'server-env-reference', serverEnvReferenceMarkdown());
  text = replaceBetween(text, 'builtin-schemas', ecosystemReferenceMarkdown());
  if (process.argv.includes('--demo')) {
    const out = execFileSync('npm', ['run', '--silent', 'demo'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    text = replaceBetween(text, 'demo-output', `<details><summary>The report of the sample pull request (click to expand)</summary>\n\n${out.trim()}\n\n</details>`);
  }
  writeFileSync(file, text);
}
