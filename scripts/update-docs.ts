// `npm run docs`: refreshes the generated parts of the docs between their markers: the `.bosun.yaml`
// reference, the server's environment variables and the built-in schema table (from their sources) and,
// with --demo, the real output of `npm run demo`. Each part lives in the docs page that explains it.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceMarkdown } from '../src/config/reference.ts';
import { serverEnvReferenceMarkdown } from '../src/config/server-reference.ts';
import { ecosystemReferenceMarkdown } from '../src/validate/ecosystem-reference.ts';
import { projectRoot } from '../src/util/tools.ts';

/** Where each generated part lives: the file (relative to the project root) and its marker. */
export const generatedParts = {
  'config-reference': 'docs/configuration.md',
  'server-env-reference': 'docs/operating.md',
  'builtin-schemas': 'docs/plan-and-apply.md',
  'demo-output': 'docs/demo-report.md',
} as const;

export type GeneratedPart = keyof typeof generatedParts;

export function replaceBetween(text: string, marker: string, content: string, file = 'README.md'): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file} has no ${start} … ${end} markers`);
  return `${text.slice(0, a + start.length)}\n${content.trimEnd()}\n${text.slice(b)}`;
}

function update(part: GeneratedPart, content: string): void {
  const file = generatedParts[part];
  const path = join(projectRoot, file);
  const before = readFileSync(path, 'utf8');
  const after = replaceBetween(before, part, content, file);
  if (after !== before) writeFileSync(path, after);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  update('config-reference', configReferenceMarkdown());
  update('server-env-reference', serverEnvReferenceMarkdown());
  update('builtin-schemas', ecosystemReferenceMarkdown());
  if (process.argv.includes('--demo')) {
    const out = execFileSync('npm', ['run', '--silent', 'demo'], { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    update('demo-output', out.trim());
  }
}
