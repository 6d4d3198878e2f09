import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../util/tools.ts';

/** bosun's version, from its own package.json (found from src/ and from dist/ alike), read once when asked. */
export function bosunVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
