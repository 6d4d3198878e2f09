// The oracle's Argo CD directory source, written from Argo CD's documentation and reposerver's rules
// without bosun's code: files of the folder (sub-folders with `recurse`) ending .yaml/.yml/.json/.jsonnet,
// `exclude` then `include` matched against the path below the folder with bash's own pattern matching
// (`*` crosses `/` there, as gobwas/glob without separators does; `{a,b}` becomes extglob `@(a|b)`), and
// jsonnet evaluated by the jsonnet binary with -J <folder> -J <libs…>, --ext-str/--ext-code, --tla-*.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';
import { filesIn, parseDocs, type Obj } from './oracle-tools.ts';

const exec = promisify(execFile);

/** `{a,b}` → `@(a|b)` (nested too), for bash extglob. */
function toExtglob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '{') out += '@(';
    else if (ch === '}') out += ')';
    else if (ch === ',') out += '|';
    else out += ch;
  }
  return out;
}

async function bashMatches(text: string, pattern: string): Promise<boolean> {
  try {
    await exec('bash', ['-O', 'extglob', '-c', '[[ "$1" == $2 ]]', 'match', text, toExtglob(pattern)]);
    return true;
  } catch {
    return false;
  }
}

export interface DirectorySpec {
  recurse?: boolean;
  include?: string;
  exclude?: string;
  jsonnet?: { extVars?: Array<{ name: string; value: string; code?: boolean }>; tlas?: Array<{ name: string; value: string; code?: boolean }>; libs?: string[] };
}

/** What Argo CD renders from a directory source at `path` of the tree `root`. */
export async function renderDirectory(root: string, path: string, directory: DirectorySpec, appName: string, namespace: string | undefined): Promise<Obj[]> {
  const dir = join(root, path);
  const objects: Obj[] = [];
  for (const f of await filesIn(dir, directory.recurse === true)) {
    if (!/\.(yaml|yml|json|jsonnet)$/.test(f)) continue;
    if (directory.exclude && await bashMatches(f, directory.exclude)) continue;
    if (directory.include && !await bashMatches(f, directory.include)) continue;
    if (f.endsWith('.jsonnet')) {
      const args: string[] = ['-J', dir, ...(directory.jsonnet?.libs ?? []).flatMap((l) => ['-J', join(root, l)])];
      const env = (v: string) => v.replace(/\$ARGOCD_APP_NAME/g, appName).replace(/\$ARGOCD_APP_NAMESPACE/g, namespace ?? '');
      for (const v of directory.jsonnet?.extVars ?? []) args.push(v.code ? '--ext-code' : '--ext-str', `${v.name}=${env(v.value)}`);
      for (const v of directory.jsonnet?.tlas ?? []) args.push(v.code ? '--tla-code' : '--tla-str', `${v.name}=${env(v.value)}`);
      const { stdout } = await exec('jsonnet', [...args, join(dir, f)], { maxBuffer: 64 * 1024 * 1024 });
      const value = JSON.parse(stdout) as Obj | Obj[];
      objects.push(...(Array.isArray(value) ? value : [value]));
      continue;
    }
    const text = await readFile(join(dir, f), 'utf8');
    const docs = parseDocs(text, posix.join(path, f));
    // reposerver getObjsFromYAMLOrJSON: a YAML file whose first document is no object is ignored ("an unrelated
    // YAML file") unless its text has apiVersion:, kind: and metadata:.
    if (!f.endsWith('.json') && docs.length > 0 && typeof docs[0].kind !== 'string' && !['apiVersion:', 'kind:', 'metadata:'].every((s) => text.includes(s))) continue;
    objects.push(...docs);
  }
  return objects;
}

/** Whether the jsonnet binary is here (the test setup installs Debian's). */
export async function haveJsonnet(): Promise<boolean> {
  try {
    await exec('jsonnet', ['--version']);
    return true;
  } catch {
    return false;
  }
}
