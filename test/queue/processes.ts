import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../../src/util/tools.ts';
import { redisUrl } from './support.ts';

const script = fileURLToPath(new URL('./fixtures/worker-process.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stderr(): string;
}

/** Starts test/queue/fixtures/worker-process.ts under tsx and resolves once it reports ready. */
export async function spawnWorker(env: { prefix: string; name: string; mode: 'count' | 'hang' }): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    cwd: projectRoot,
    env: { ...process.env, REDIS_URL: redisUrl, PREFIX: env.prefix, NAME: env.name, MODE: env.mode },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('ready')) resolve();
    });
    void exited.then((code) => reject(new Error(`worker ${env.name} exited with ${code} before it was ready: ${stderr.slice(-2_000)}`)));
  });
  return { child, exited, stderr: () => stderr };
}
