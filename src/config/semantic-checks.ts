import { posix } from 'node:path';
import { BosunError } from '../model/errors.ts';
import { leavesRoot, resolveInRepo } from '../util/paths.ts';
import type { SchemaIssue } from './schema-issues.ts';
import type { DataPath } from './yaml-location.ts';

/**
 * Rules a schema cannot express: unique names, `dependsOn` naming real environments without cycles,
 * and paths that stay inside the repository. Works on the raw data so that these problems are reported
 * together with schema problems, skipping whatever is too malformed to check.
 */
export function checkSemantics(data: unknown, root?: string): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const envs = asArray(get(data, 'environments'));
  const names = new Map<string, number>();

  envs.forEach((env, i) => {
    const name = get(env, 'name');
    if (typeof name !== 'string') return;
    const first = names.get(name);
    if (first === undefined) names.set(name, i);
    else issues.push({ path: ['environments', i, 'name'], message: `duplicate environment name "${name}" (also environments[${first}]); names must be unique` });
  });

  envs.forEach((env, i) => {
    asArray(get(env, 'dependsOn')).forEach((dep, j) => {
      if (typeof dep !== 'string') return;
      if (dep === get(env, 'name')) issues.push({ path: ['environments', i, 'dependsOn', j], message: 'an environment cannot depend on itself' });
      else if (!names.has(dep)) {
        const known = [...names.keys()].join(', ');
        issues.push({ path: ['environments', i, 'dependsOn', j], message: `unknown environment "${dep}"; known environments: ${known}` });
      }
    });
  });
  issues.push(...findCycles(envs));

  const defaultValueFiles = asArray(get(get(data, 'defaults'), 'helm', 'valueFiles'));
  envs.forEach((env, i) => {
    const envPath = get(env, 'path');
    if (typeof envPath !== 'string' || envPath === '') return;
    const base: DataPath = ['environments', i];
    const ok = checkPath(issues, root, envPath, [...base, 'path']);
    if (!ok) return;
    asArray(get(env, 'helm', 'valueFiles')).forEach((file, j) => {
      if (typeof file === 'string') checkPath(issues, root, posix.join(envPath, file), [...base, 'helm', 'valueFiles', j], file);
    });
    asArray(get(env, 'kustomize', 'components')).forEach((dir, j) => {
      if (typeof dir === 'string') checkPath(issues, root, posix.join(envPath, dir), [...base, 'kustomize', 'components', j], dir);
    });
    if (get(env, 'helm', 'valueFiles') === undefined) {
      defaultValueFiles.forEach((file, j) => {
        if (typeof file === 'string') checkPath(issues, root, posix.join(envPath, file), ['defaults', 'helm', 'valueFiles', j], file);
      });
    }
  });
  return dedupe(issues);
}

function checkPath(issues: SchemaIssue[], root: string | undefined, repoPath: string, path: DataPath, written = repoPath): boolean {
  try {
    if (root !== undefined) resolveInRepo(root, repoPath);
    else lexicalCheck(repoPath);
    return true;
  } catch (error) {
    if (!(error instanceof BosunError)) throw error;
    const why = error.message.includes('symlink') ? 'is a symlink that points outside the repository' : 'escapes the repository';
    const absolute = error.message.startsWith('absolute');
    issues.push({
      path,
      message: absolute
        ? `"${written}" is an absolute path; write it relative to the repository root`
        : `"${written}" ${why}; paths must stay inside the repository`,
    });
    return false;
  }
}

function lexicalCheck(repoPath: string): void {
  if (posix.isAbsolute(repoPath)) throw new BosunError({ kind: 'path', message: 'absolute path' });
  if (leavesRoot(repoPath)) throw new BosunError({ kind: 'path', message: 'escapes' });
}

function findCycles(envs: unknown[]): SchemaIssue[] {
  const index = new Map<string, number>();
  envs.forEach((env, i) => {
    const name = get(env, 'name');
    if (typeof name === 'string' && !index.has(name)) index.set(name, i);
  });
  const edges = (name: string): string[] =>
    asArray(get(envs[index.get(name) ?? -1], 'dependsOn')).filter((d): d is string => typeof d === 'string' && d !== name && index.has(d));

  const issues: SchemaIssue[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const reported = new Set<string>();
  const visit = (name: string, stack: string[]): void => {
    state.set(name, 'visiting');
    for (const dep of edges(name)) {
      if (state.get(dep) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(dep)), dep];
        const key = [...cycle].slice(0, -1).sort().join('\0');
        if (!reported.has(key)) {
          reported.add(key);
          const i = index.get(name) ?? 0;
          const j = asArray(get(envs[i], 'dependsOn')).indexOf(dep);
          issues.push({ path: ['environments', i, 'dependsOn', j], message: `dependsOn cycle: ${cycle.join(' → ')}; remove one of these dependencies` });
        }
      } else if (state.get(dep) === undefined) {
        visit(dep, [...stack, dep]);
      }
    }
    state.set(name, 'done');
  };
  for (const name of index.keys()) if (state.get(name) === undefined) visit(name, [name]);
  return issues;
}

function dedupe(issues: SchemaIssue[]): SchemaIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path.join('.')}\0${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function get(value: unknown, ...keys: string[]): unknown {
  let node = value;
  for (const key of keys) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
