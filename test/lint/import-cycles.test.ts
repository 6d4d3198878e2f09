// The product's modules (src/ and queue/) import one another without a cycle, so every dependency runs one
// way and a file can be read after the files it imports. Type-only imports, re-exports and dynamic
// `import()` count too: a cycle of types still means two files that cannot be understood one without the
// other. Where two shapes name each other they share a file (Environment and HelmReleaseTarget); where a
// lower module needs a higher one's function, it is handed down (RenderRequest.renderEnvironment).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The files a file imports by relative path, as TypeScript reads them (comments and strings are not imports). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((f) => f.fileName).filter((s) => /^\.{1,2}\//.test(s)).map((s) => resolve(dirname(file), s));
}

/** Each import cycle among the .ts files below `dirs` of `root` once, as the files around it (relative to `root`). */
function importCycles(root: string, dirs: string[]): string[][] {
  const files = new Set(dirs.flatMap((d) => tsFiles(join(root, d))));
  const edges = new Map([...files].map((file) => [file, importsOf(file).filter((f) => files.has(f))]));
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push(stack.slice(stack.indexOf(next)).map((f) => relative(root, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...files].sort()) if (!state.has(file)) visit(file);
  return cycles;
}

describe('import cycles', () => {
  const temps: string[] = [];
  afterAll(async () => {
    await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
  });

  async function scratch(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'bosun-cycles-'));
    temps.push(dir);
    for (const [file, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, file)), { recursive: true });
      await writeFile(join(dir, file), text);
    }
    return dir;
  }

  it('finds a dispatcher and a handler that import each other', async () => {
    const dir = await scratch({
      'commands/command.ts': "import { handlers } from './command-table.ts';\nexport const run = handlers;\n",
      'commands/command-table.ts': "import { applyCommand } from './apply-command.ts';\nexport const handlers = [applyCommand];\n",
      'commands/apply-command.ts': "import type { run } from './command.ts';\nexport const applyCommand = (r: typeof run) => r;\n",
    });
    expect(importCycles(dir, ['commands']).map((cycle) => [...cycle].sort())).toEqual([['commands/apply-command.ts', 'commands/command-table.ts', 'commands/command.ts']]);
  });

  it('finds cycles through a dynamic import, a re-export and across folders, and not through a comment', async () => {
    const dir = await scratch({
      'render/render-environment.ts': "import { select } from './select.ts';\nexport const renderEnvironment = select;\n",
      'render/select.ts': "export { helmRelease as select } from './helmrelease.ts';\n",
      'render/helmrelease.ts': "export const helmRelease = async () => (await import('./render-environment.ts')).renderEnvironment;\n",
      'src/model/environment.ts': "import type { Target } from './target.ts';\nexport interface Environment { target?: Target }\n",
      'src/model/target.ts': "// import type { Environment } from './environment.ts';\nexport interface Target { name: string }\n",
      'queue/worker.ts': "import type { Environment } from '../src/model/environment.ts';\nexport type Job = Environment;\n",
      'src/jobs.ts': "import type { Job } from '../queue/worker.ts';\nexport type Queued = Job;\n",
    });
    expect(importCycles(dir, ['render', 'src', 'queue']).map((cycle) => [...cycle].sort())).toEqual([
      ['render/helmrelease.ts', 'render/render-environment.ts', 'render/select.ts'],
    ]);
    await writeFile(join(dir, 'src/model/environment.ts'), "import type { Queued } from '../jobs.ts';\nexport interface Environment { queued?: Queued }\n");
    expect(importCycles(dir, ['src', 'queue']).map((cycle) => [...cycle].sort())).toEqual([
      ['queue/worker.ts', 'src/jobs.ts', 'src/model/environment.ts'],
    ]);
  });

  it('has none in src/ and queue/', () => {
    expect(importCycles(projectRoot, ['src', 'queue'])).toEqual([]);
  });
});
