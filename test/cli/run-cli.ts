import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export interface CliRun { code: number; stdout: string; stderr: string }

/** Runs the bosun CLI in-process with captured output, as a user would run `bosun <argv>` from `cwd` with `env`. */
export async function runCli(argv: string[], cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => { out += d; });
  stderr.on('data', (d) => { err += d; });
  const code = await main(argv, { stdout, stderr, env, cwd });
  return { code, stdout: out, stderr: err };
}
