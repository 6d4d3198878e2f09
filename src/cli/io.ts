/** The CLI's view of the outside world, injected so commands can be tested in-process. */
export interface CliIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIO = (): CliIO => ({ stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });

export type Command = (argv: string[], io: CliIO) => Promise<number>;
