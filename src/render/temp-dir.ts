import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onShutdown } from '../util/child-processes.ts';

/**
 * A render's private temporary folder (generated overlay, inline values). It is bound read-only into the
 * render sandbox, whose tools may run as another user (when bosun runs as root), so it is world-readable —
 * it holds nothing that is not already in the repository. Removed on dispose, and at shutdown if a signal
 * ends bosun first.
 */
export async function renderTempDir(prefix: string): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  const remove = () => rm(dir, { recursive: true, force: true });
  const unregister = onShutdown(remove);
  return {
    dir,
    async dispose() {
      unregister();
      await remove();
    },
  };
}
