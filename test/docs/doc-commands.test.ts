// Every command the README and the docs show a reader exists as written: `npm run <script>` names a script
// of package.json, and every bosun command — in a bash block (`npm run bosun -- …`, `npx bosun …`,
// `bosun …`) or inline in the text (`` `bosun apply --repo DIR …` ``) — is a command `bosun` knows, with
// flags its --help lists. (docs/operating.md's install path is checked further, against kubectl and helm, by
// test/deploy/install-docs.test.ts.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { runCli } from '../cli/run-cli.ts';
import { bashCommands, longFlags, shellWords } from './shell-words.ts';

const pages = ['README.md', ...readdirSync(join(projectRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const text = new Map(pages.map((p) => [p, readFileSync(join(projectRoot, p), 'utf8')]));
const scripts = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

interface Shown { page: string; argv: string[] }

/** bosun's own argv in a typed command, or undefined when the command does not run bosun. */
function bosunArgv(c: string[]): string[] | undefined {
  const start = c[0] === 'npx' && c[1] === 'bosun' ? 2
    : c[0] === 'bosun' ? 1
      : c[0] === 'npm' && c[1] === 'run' && c[2] === 'bosun' && c[3] === '--' ? 4
        : -1;
  if (start < 0) return undefined;
  const argv = c.slice(start);
  const redirect = argv.findIndex((w) => ['>', '>>', '|', '2>&1'].includes(w));
  return redirect < 0 ? argv : argv.slice(0, redirect);
}

const typed: Shown[] = [...text].flatMap(([page, md]) => bashCommands(md).map((argv) => ({ page, argv })));

/**
 * Inline mentions in the prose: `` `bosun <command> …` `` code spans. Placeholders (DIR, REF, <env>, …) and
 * alternatives in brackets stay as words; only the command and its long flags are checked.
 */
const inline: Shown[] = [...text].flatMap(([page, md]) =>
  [...md.replace(/```[\s\S]*?```/g, '').matchAll(/`((?:npx )?bosun [a-z][^`]*)`/g)]
    .map((m) => ({ page, argv: shellWords(m[1]!.replace(/\\\|/g, '|').replace(/^npx /, '')).slice(1) })));

const helpCache = new Map<string, Promise<{ code: number; text: string }>>();
function help(command: string): Promise<{ code: number; text: string }> {
  let h = helpCache.get(command);
  if (!h) {
    h = runCli([command, '--help']).then((r) => ({ code: r.code, text: r.stdout + r.stderr }));
    helpCache.set(command, h);
  }
  return h;
}

describe('the commands the README and docs show', () => {
  it('are found on the pages that teach them', () => {
    const pagesWithBosun = new Set([...typed.filter((t) => bosunArgv(t.argv)), ...inline].map((s) => s.page));
    expect([...pagesWithBosun]).toEqual(expect.arrayContaining(['docs/cli.md', 'docs/getting-started.md', 'docs/operating.md']));
    expect(typed.filter((t) => t.argv[0] === 'npm' && t.argv[1] === 'run').length).toBeGreaterThan(10);
  });

  it('run npm scripts that package.json has', () => {
    const missing = typed.filter((t) => t.argv[0] === 'npm' && t.argv[1] === 'run' && !(t.argv[2]! in scripts))
      .map((t) => `${t.page}: ${t.argv.join(' ')}`);
    expect(missing).toEqual([]);
  });

  it('give bosun commands and flags it knows', async () => {
    const shown = [
      ...typed.flatMap((t) => { const argv = bosunArgv(t.argv); return argv ? [{ page: t.page, argv }] : []; }),
      ...inline,
    ].filter((s) => s.argv.length > 0 && !s.argv[0]!.startsWith('-')); // `bosun --version` is checked below
    expect(shown.length).toBeGreaterThan(20);
    const wrong: string[] = [];
    for (const s of shown) {
      // `bosun plan|validate --clusters FILE` names two commands at once.
      for (const command of s.argv[0]!.split('|')) {
        const h = await help(command);
        if (h.code !== 0) { wrong.push(`${s.page}: bosun ${s.argv.join(' ')}: no command "${command}"`); continue; }
        for (const flag of longFlags(s.argv.slice(1))) {
          if (!h.text.includes(flag)) wrong.push(`${s.page}: bosun ${s.argv.join(' ')}: "${command} --help" does not know ${flag}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('include bosun --version, which prints the version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version);
  });
});
