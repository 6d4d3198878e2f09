import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BosunError } from '../../src/model/errors.ts';
import { projectRoot } from '../../src/util/tools.ts';
import { cachedBinaries, type TestenvBinaries } from './binaries.ts';
import { elapsedSeconds, tailLines, type Log } from './exec.ts';
import { readOwner } from './lock.ts';
import { K8S_VERSION, versionDir } from './paths.ts';
import { isAlive } from './processes.ts';

export function buildFiles(root: string): { lock: string; progress: string; error: string; output: string } {
  const dir = versionDir(root);
  return {
    lock: join(root, 'build.lock'),
    progress: join(dir, 'progress.log'),
    error: join(dir, 'build-error.txt'),
    output: join(dir, 'builder.out'),
  };
}

function startBuilder(root: string, output: string): number {
  const builder = join(dirname(fileURLToPath(import.meta.url)), 'builder.ts');
  const fd = openSync(output, 'w');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', builder, root], {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: process.env,
    });
    child.on('error', () => undefined);
    child.unref();
    if (child.pid === undefined) throw new BosunError({ kind: 'internal', message: `testenv: could not start the build process (${process.execPath} --import tsx ${builder})` });
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Starts the detached builder (or joins one already running), forwards its progress lines to `log`
 * and resolves with the binaries once it is done; rejects with the builder's own message on failure.
 */
export async function followBuild(root: string, log: Log): Promise<TestenvBinaries> {
  const dir = versionDir(root);
  mkdirSync(dir, { recursive: true });
  const files = buildFiles(root);
  const started = Date.now();
  let offset: number;
  let builder: number | undefined;
  let restarts = 0;

  const holder = readOwner(files.lock);
  offset = existsSync(files.progress) ? statSync(files.progress).size : 0;
  if (holder !== undefined && isAlive(holder)) {
    log(`[testenv] another process (pid ${holder}) is building the Kubernetes ${K8S_VERSION} test binaries; following its progress`);
  } else {
    builder = startBuilder(root, files.output);
    log(`[testenv] Kubernetes ${K8S_VERSION} test binaries are missing: building them in the background (pid ${builder}; it carries on if this run is stopped)`);
  }

  // byte offsets: the progress lines contain multi-byte characters
  const forward = (): void => {
    if (!existsSync(files.progress)) return;
    const bytes = readFileSync(files.progress);
    if (bytes.length < offset) offset = 0; // removed by hand meanwhile
    const complete = bytes.lastIndexOf(0x0a) + 1;
    if (complete <= offset) return;
    for (const line of bytes.subarray(offset, complete).toString('utf8').split('\n')) if (line.length > 0) log(line);
    offset = complete;
  };

  for (;;) {
    await sleep(500);
    forward();
    const owner = readOwner(files.lock);
    if (owner !== undefined && isAlive(owner)) continue;
    if (builder !== undefined && isAlive(builder)) continue; // not holding the lock yet, or finishing
    const ready = await cachedBinaries(dir);
    if (ready) {
      forward();
      return ready;
    }
    if (builder !== undefined && existsSync(files.error)) {
      throw new BosunError({ kind: 'internal', message: readFileSync(files.error, 'utf8') });
    }
    if (builder !== undefined || restarts >= 1) {
      const output = existsSync(files.output) ? tailLines(readFileSync(files.output, 'utf8'), 20) : '(no output)';
      throw new BosunError({
        kind: 'internal',
        message: `testenv: the build process stopped after ${elapsedSeconds(started)} s without building the binaries or saying why. Its output:\n${output}\n(progress: ${files.progress})`,
      });
    }
    // the build we were following died (killed?): take it over
    restarts++;
    builder = startBuilder(root, files.output);
    log(`[testenv] the build we were following stopped; building again (pid ${builder})`);
  }
}
