// The workers' modules (queue/: the runtime, the registry and the workflows) import one another without a
// cycle: the command dispatcher reaches its handlers through the command table and a handler never
// imports the dispatcher back (it gets what it needs from command-run.ts). Type-only imports count too.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Each import cycle among the .ts files below `dir` once, as the files around it (relative to `dir`). */
function importCycles(dir: string): string[][] {
  const files = new Set(tsFiles(dir));
  const edges = new Map<string, string[]>();
  for (const file of files) {
    const specs = [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+\.ts)'/g)].map((m) => resolve(dirname(file), m[1]));
    edges.set(file, specs.filter((s) => files.has(s)));
  }
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).map((f) => relative(dir, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...files].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

describe('import cycles in the workers', () => {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('finds a dispatcher and a handler that import each other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bosun-cycles-'));
    temps.push(dir);
    await mkdir(join(dir, 'commands'));
    await writeFile(join(dir, 'commands/command.ts'), "import { handlers } from './command-table.ts';\nexport const run = handlers;\n");
    await writeFile(join(dir, 'commands/command-table.ts'), "import { applyCommand } from './apply-command.ts';\nexport const handlers = [applyCommand];\n");
    await writeFile(join(dir, 'commands/apply-command.ts'), "import type { run } from './command.ts';\nexport const applyCommand = (r: typeof run) => r;\n");
    expect(importCycles(dir).map((cycle) => [...cycle].sort())).toEqual([['commands/apply-command.ts', 'commands/command-table.ts', 'commands/command.ts']]);
  });

  it('has none in queue/', () => {
    expect(importCycles(join(projectRoot, 'queue'))).toEqual([]);
  });
});
