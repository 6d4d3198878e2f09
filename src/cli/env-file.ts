import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { BosunError } from '../model/errors.ts';

/**
 * The environment with a dotenv file's variables added (`bosun serve --env-file .env`, the file
 * `bosun setup` writes). As with `node --env-file`, a variable already set in the real environment
 * wins — unlike Probot's own runner, where a stale .env silently overrides what the operator exported.
 */
export function withEnvFile(env: NodeJS.ProcessEnv, file: string | undefined, cwd: string): NodeJS.ProcessEnv {
  if (!file) return env;
  const path = resolve(cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BosunError({ kind: 'config', message: `--env-file ${path} ${code === 'ENOENT' ? 'does not exist (bosun setup writes one)' : `cannot be read (${code ?? String(err)})`}` });
  }
  const merged: NodeJS.ProcessEnv = { ...parseEnv(text) };
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') merged[name] = value;
  }
  return merged;
}
