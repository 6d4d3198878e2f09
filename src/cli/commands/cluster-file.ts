import { resolve } from 'node:path';
import { defaultDataDir } from '../../config/server.ts';
import type { CliIO } from '../io.ts';

/** `--clusters FILE`, else `BOSUN_CLUSTERS`; undefined when neither is set. */
export function clustersFile(flag: string | undefined, io: CliIO): string | undefined {
  const file = flag ?? io.env.BOSUN_CLUSTERS;
  return file ? resolve(io.cwd, file) : undefined;
}

/** Where cached cluster schemas go: `BOSUN_DATA_DIR`, else the App's default data dir. */
export function dataDirOf(io: CliIO): string {
  return io.env.BOSUN_DATA_DIR ? resolve(io.cwd, io.env.BOSUN_DATA_DIR) : defaultDataDir(io.env);
}
