import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The functions that start a process: Node's own and bosun's runners over them. */
const callees = ['spawn', 'spawnSync', 'execFile', 'execFileSync', 'exec', 'execSync', 'fork', 'runTool', 'git', 'remoteGit', 'runRemoteGit'];
// Not a method (`regex.exec(`, `cache.git(`) and not the definition (`function git(`).
const callPattern = new RegExp(`(?<![\\w.$])(?<!function\\s)(${callees.join('|')})\\(`, 'g');

/** Comments out, strings kept: `// see git()` is not a call, `'https://x'` is not a comment. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** The process-starting calls in one source text, in order. */
export function callsIn(source: string): string[] {
  return [...withoutComments(source).matchAll(callPattern)].map((m) => m[1]);
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return e.isFile() && e.name.endsWith('.ts') ? [path] : [];
  });
}

function sources(root: string): Array<[string, string]> {
  return ['src', 'queue'].flatMap((d) => tsFiles(join(root, d))).sort().map((file) => [relative(root, file), readFileSync(file, 'utf8')]);
}

/** `file callee` → number of calls, for every process start in bosun's own code (src/ and queue/). */
export function spawnSites(root: string): Record<string, number> {
  const sites: Record<string, number> = {};
  for (const [file, text] of sources(root)) {
    for (const callee of callsIn(text)) sites[`${file} ${callee}`] = (sites[`${file} ${callee}`] ?? 0) + 1;
  }
  return sites;
}

/** Files that import child_process (under any name): the only places a process can be started from. */
export function childProcessImporters(root: string): string[] {
  return sources(root).filter(([, text]) => /from\s+['"](?:node:)?child_process['"]|require\(\s*['"](?:node:)?child_process['"]\s*\)/.test(text)).map(([file]) => file);
}
