import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { BosunError } from '../model/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs with bosun's error convention: a usage problem is exit code 2 with a clear message. */
export function parse<O extends Options>(argv: string[], options: O, command: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true });
  } catch (err) {
    throw new BosunError({ kind: 'usage', message: `${command}: ${(err as Error).message.replace(/\. To specify.*$/s, '')}; see \`bosun ${command} --help\`` });
  }
}

export function requireOption(value: string | undefined, name: string, command: string): string {
  if (!value) throw new BosunError({ kind: 'usage', message: `${command}: --${name} is required; see \`bosun ${command} --help\`` });
  return value;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T, name: string): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new BosunError({ kind: 'usage', message: `--${name} must be one of ${allowed.join(', ')} (got "${value}")` });
  }
  return value as T;
}
