import { pathToFileURL } from 'node:url';
import { BosunError, exitCodeFor, formatProblem } from '../model/errors.ts';
import { scrub } from '../util/scrub.ts';
import type { CliIO, Command } from './io.ts';
import { processIO } from './io.ts';
import { planCommand, planHelp } from './commands/plan.ts';
import { validateCommand, validateHelp } from './commands/validate.ts';
import { renderCommand, renderHelp } from './commands/render.ts';
import { applyCommand, applyHelp, syncCommand, syncHelp } from './commands/apply.ts';

const commands: Record<string, { run: Command; help: string; summary: string }> = {
  plan: { run: planCommand, help: planHelp, summary: 'what a change between two commits does to each environment' },
  validate: { run: validateCommand, help: validateHelp, summary: 'render and validate environments or a folder offline' },
  render: { run: renderCommand, help: renderHelp, summary: 'print the objects an environment renders to' },
  apply: { run: applyCommand, help: applyHelp, summary: 'apply an environment at a commit to its cluster (server-side apply, prune, health)' },
  sync: { run: syncCommand, help: syncHelp, summary: 'disaster recovery: re-apply the full desired state of an environment' },
};

export function registerCommand(name: string, run: Command, help: string, summary: string): void {
  commands[name] = { run, help, summary };
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `Usage: bosun <command> [options]

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`bosun <command> --help\` for a command's options.`;
}

/** Runs the CLI; returns the exit code (0 ok, 1 failed render/validation/apply, 2 usage or configuration). */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    io.stderr.write(`bosun: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof BosunError) {
      io.stderr.write(`bosun: ${scrub(formatProblem(err))}\n`);
      return exitCodeFor(err.kind);
    }
    io.stderr.write(`bosun: internal error: ${scrub(err instanceof Error ? err.stack ?? err.message : String(err))}\n`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
