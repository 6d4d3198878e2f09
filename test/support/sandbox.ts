import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePackages } from '../../testkit/testenv/apt.ts';

/**
 * The render sandbox needs Debian's bubblewrap (bwrap); the bosun image ships it, a fresh test machine may
 * not. Installed once per `npm test` run, like Redis, so a clean clone's `npm test` provisions it itself.
 */
export async function ensureBubblewrap(opts: { log: (line: string) => void }): Promise<void> {
  const logDir = join(tmpdir(), 'bosun-test-logs');
  mkdirSync(logDir, { recursive: true });
  // jsonnet: Argo CD directory sources with .jsonnet files render through it (src/render/jsonnet.ts).
  await ensurePackages(['bubblewrap', 'jsonnet'], { log: opts.log, logFile: join(logDir, 'apt-bubblewrap.log') });
}
