import { scrub } from '../src/util/scrub.ts';

/** pino-style logging (`log.info(fields, message)`), so Probot's logger fits as it is. */
export interface Logger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

type Level = 'info' | 'warn' | 'error';

/** One JSON object per line, secrets scrubbed from every string value. */
export function jsonLogger(write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const emit = (level: Level) => (fields: Record<string, unknown>, msg: string) => {
    const entry = { time: new Date().toISOString(), level, msg: scrub(msg), ...fields };
    write(`${scrub(JSON.stringify(entry, errorsAsText))}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
