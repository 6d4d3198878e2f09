import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { scrub } from '../util/scrub.ts';
import type { ToolResult } from './process.ts';
import { collectSecretValues, type SecretSources } from './secret-values.ts';
import type { RenderError } from './types.ts';

const maxLines = 15;
const maxChars = 2000;

/** Absolute folders to show as repo-relative (the checkout) or hide (temp folders) in tool messages. */
export interface PathRewrite {
  root: string;
  temp?: string[];
  /** Other spellings of repo paths in the tool's words (e.g. relative to a generated overlay) → repo path. */
  aliases?: Array<[string, string]>;
}

/**
 * A tool's stderr made fit for a report: paths repo-relative, secrets masked, noise dropped, bounded.
 * `secrets` says where the render's inputs are: every Secret value in them (secret-values.ts) is masked
 * wherever the tool quotes it, on top of scrub()'s patterns, which only know secrets by their look or
 * their key's name. Masking comes before the text is cut, so no cut leaves part of a value behind.
 */
export function quoteToolOutput(stderr: string, paths: PathRewrite, secrets?: SecretSources): string {
  const lines = rewritePaths(stderr, paths)
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/^Use --debug flag/.test(l));
  const values = secrets ? collectSecretValues(paths.root, secrets) : [];
  let text = maskValues(lines.slice(0, maxLines).join('\n'), values);
  if (lines.length > maxLines) text += `\n… (${lines.length - maxLines} more lines)`;
  if (text.length > maxChars) text = `${text.slice(0, maxChars)}…`;
  return scrubKeepingPaths(text, paths.root);
}

/** Each value (longest first) replaced by the mask scrub() uses; a value only the tool's spacing changed still matches line by line. */
export function maskValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) {
    if (out.includes(value)) out = out.split(value).join('***');
  }
  return out;
}

/**
 * scrub() masks long base64-looking runs, which long slash-separated paths also are
 * (`clusters/production/infrastructure/monitoring`). Paths are what make a tool error actionable, so
 * tokens that are files of the repository, or end in a file extension (base64 has no '.'), are set aside
 * while scrubbing and put back afterwards.
 */
const marker = '\u0000';

function scrubKeepingPaths(text: string, root: string): string {
  const kept: string[] = [];
  const shielded = text.replace(/[\w.-]*\/[\w./-]*/g, (token) => {
    const bare = token.replace(/[.:]+$/, '');
    const isFile = /\.[A-Za-z][\w]{0,5}$/.test(bare) || (bare !== '' && existsSync(join(root, bare)));
    if (!isFile) return token;
    kept.push(token);
    return `${marker}${kept.length - 1}${marker}`;
  });
  return scrub(shielded).replace(new RegExp(`${marker}(\\d+)${marker}`, 'g'), (_, i: string) => kept[Number(i)]);
}

export function rewritePaths(text: string, paths: PathRewrite): string {
  const pairs: Array<[string, string]> = [];
  for (const t of paths.temp ?? []) {
    for (const p of variants(t)) pairs.push([`${p}/`, ''], [p, '.']);
  }
  for (const p of variants(paths.root)) pairs.push([`${p}/`, ''], [p, '.']);
  for (const alias of paths.aliases ?? []) if (alias[0] !== alias[1] && alias[0].startsWith('..')) pairs.push(alias);
  pairs.sort((a, b) => b[0].length - a[0].length);
  let out = text;
  for (const [from, to] of pairs) out = out.split(from).join(to);
  return out;
}

function variants(dir: string): string[] {
  const clean = dir.replace(/\/+$/, '');
  try {
    const real = realpathSync(clean);
    return real === clean ? [clean] : [clean, real];
  } catch {
    return [clean];
  }
}

/** The problem for a tool run that did not complete normally (exit code ≠ 0 is handled by each renderer). */
export function abnormalEnd(tool: 'kustomize' | 'helm' | 'jsonnet', result: Exclude<ToolResult, { status: 'ok' | 'failed' }>, timeoutMs: number, file?: string, envName?: string): RenderError {
  const base = { kind: 'render' as const, tool, file };
  const of = envName ? ` for ${envName}` : '';
  switch (result.status) {
    case 'timeout':
      return { ...base, message: `${tool}${of} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped; look for very large charts or generators in this environment` };
    case 'aborted':
      return { ...base, message: `${tool} was stopped because the render was cancelled`, cancelled: true };
    case 'stopped':
      // Only a run that reads its output as it streams stops this way, and that renderer says why first.
      return { ...base, message: `${tool}${of} was stopped while its output was read` };
    case 'too-large':
      return { ...base, message: `${tool} output${of} exceeds ${formatBytes(result.maxBytes)} and was stopped (BOSUN_RENDER_MAX_BYTES); this environment renders far more than a GitOps repository should` };
    case 'limit':
      return { ...base, message: `${tool}${of} was stopped by the render sandbox: ${limitText(result)}` };
    case 'sandbox-unavailable':
      return { ...base, kind: 'internal', message: result.stderr };
    case 'spawn-error':
      return { ...base, kind: 'internal', message: `cannot run ${tool}: ${scrub(result.stderr)}; run \`npm ci\` to install the bundled binaries` };
  }
}

function limitText(result: Extract<ToolResult, { status: 'limit' }>): string {
  const { limits } = result;
  switch (result.limit) {
    case 'memory':
      return `it needed more than ${formatBytes(limits.memoryBytes)} of memory (BOSUN_SANDBOX_MEMORY); a YAML alias bomb or a runaway template?`;
    case 'cpu':
      return `it used more than ${limits.cpuSeconds} s of CPU time (BOSUN_SANDBOX_CPU_SECONDS)`;
    case 'processes':
      return `it tried to start more than ${limits.processes} processes or threads (BOSUN_SANDBOX_PROCESSES)`;
    case 'file-size':
      return `it tried to write a file larger than ${formatBytes(limits.fileBytes)}`;
  }
}

export function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1024 ? `${+(mib / 1024).toFixed(1)} GB` : `${+mib.toFixed(1)} MB`;
}
