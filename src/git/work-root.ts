import { accessSync, constants, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';

let cached: string | undefined;

/**
 * Where temporary checkouts go. Writing a few thousand small files is most of a checkout's cost, and on a
 * busy disk it is seconds where tmpfs takes a tenth of that, so /dev/shm is used when it is writable and
 * roomy (containers often give it only 64 MB: then the normal temp folder). `BOSUN_WORK_DIR` overrides.
 */
export function defaultWorkRoot(): string {
  if (process.env.BOSUN_WORK_DIR) return process.env.BOSUN_WORK_DIR;
  if (cached) return cached;
  cached = tmpdir();
  try {
    accessSync('/dev/shm', constants.W_OK);
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize > 2 * 1024 ** 3) cached = '/dev/shm';
  } catch {
    // no usable tmpfs: keep the temp folder
  }
  return cached;
}
