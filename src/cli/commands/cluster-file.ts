import { resolve } from 'node:path';
import type { CliIO } from '../io.ts';

/** `--clusters FILE`, else `BOSUN_CLUSTERS`; undefined when neither is set. */
export function clustersFile(flag: string | undefined, io: CliIO): string | undefined {
  const file = flag ?? io.env.BOSUN_CLUSTERS;
  return file ? resolve(io.cwd, file) : undefined;
}
