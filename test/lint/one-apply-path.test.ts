// The App changes a cluster one way: every apply its workers make — a merge, `/bosun apply` before and
// after merge, `rollback --now`, `/bosun sync`, a removed environment's prune, self-heal — runs through
// applyRun (queue/workflows/apply/apply-run.ts: one lease rule, one deployment/check-run life cycle, one
// apply record). So a file of the workers or the library that calls the cluster engine's writers
// (applyEnvironment, syncEnvironment) or imports the engine's apply, prune or sync modules calls applyRun
// too. Exempt: the engine itself (src/cluster/), and the CLI, whose `bosun apply` is a person's apply from a
// terminal (no lease, no check run).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';

const engineWriters = ['environment.ts', 'apply.ts', 'prune.ts', 'sync-run.ts'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** A file's tokens without its comments: a comment naming applyEnvironment is not a call. */
function code(text: string): string {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, true, ts.LanguageVariant.Standard, text);
  const tokens: string[] = [];
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) tokens.push(scanner.getTokenText());
  return tokens.join(' ');
}

/** The files below `dirs` of `root` (relative to it) that reach the cluster engine's writers without calling applyRun. */
function bypasses(root: string, dirs: string[]): string[] {
  const writers = new Set(engineWriters.map((f) => join(root, 'src/cluster', f)));
  return dirs.flatMap((d) => tsFiles(join(root, d))).filter((file) => {
    const rel = relative(root, file);
    if (rel.startsWith('src/cluster/') || rel.startsWith('src/cli/') || rel === 'queue/workflows/apply/apply-run.ts') return false;
    const text = readFileSync(file, 'utf8');
    const tokens = code(text);
    const imports = ts.preProcessFile(text, true, true).importedFiles.map((f) => resolve(dirname(file), f.fileName));
    const writes = /\b(applyEnvironment|syncEnvironment) \(/.test(tokens) || imports.some((f) => writers.has(f));
    return writes && !/\bapplyRun \(/.test(tokens);
  }).map((file) => relative(root, file)).sort();
}

describe('one apply path', () => {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('finds a workflow that applies past applyRun, through the engine\'s surface or one of its modules, and not a mention in a comment', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bosun-apply-path-'));
    temps.push(dir);
    const files: Record<string, string> = {
      'src/cluster/index.ts': 'export const applyEnvironment = (x: unknown) => x;\n',
      'src/cluster/prune.ts': 'export const prune = (x: unknown) => x;\n',
      'src/cli/commands/apply.ts': "import { applyEnvironment } from '../../cluster/index.ts';\nexport const run = () => applyEnvironment({});\n",
      'queue/workflows/apply/apply-run.ts': 'export const applyRun = (work: () => unknown) => work();\n',
      'queue/workflows/apply/apply-job.ts': "import { applyEnvironment } from '../../../src/cluster/index.ts';\nimport { applyRun } from './apply-run.ts';\nexport const job = () => applyRun(() => applyEnvironment({}));\n",
      'queue/workflows/reconcile/heal.ts': "import { applyEnvironment } from '../../../src/cluster/index.ts';\nexport const heal = () => applyEnvironment({});\n",
      'queue/workflows/push/prune-removed.ts': "import { prune } from '../../../src/cluster/prune.ts';\nexport const removed = () => prune({});\n",
      'queue/workflows/plan/note.ts': '// a merge runs applyEnvironment( … ) through applyRun\nexport const note = 1;\n',
    };
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    expect(bypasses(dir, ['src', 'queue'])).toEqual(['queue/workflows/push/prune-removed.ts', 'queue/workflows/reconcile/heal.ts']);
  });

  it('every file of the workers and the library that applies to a cluster does it through applyRun', () => {
    expect(bypasses(projectRoot, ['src', 'queue'])).toEqual([]);
  });
});
