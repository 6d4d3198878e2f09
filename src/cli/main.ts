import { BosunError, exitCodeFor, formatProblem } from '../model/errors.ts';
import { scrub } from '../util/scrub.ts';
import type { CliIO, Command } from './io.ts';
import { processIO } from './io.ts';
import { exitCodeHelp } from './exit-codes.ts';
import { bosunVersion } from './version.ts';
import { repoFolder } from './repo-option.ts';
import { prepareSandbox, sandboxedCommands, sandboxHelp } from './sandbox-option.ts';

interface CommandEntry {
  summary: string;
  /** Loaded on use: the Kubernetes client alone costs most of a second to import, and `plan` needs none of it. */
  load: () => Promise<{ run: Command; help: string }>;
}

const commands: Record<string, CommandEntry> = {
  plan: {
    summary: 'what a change between two commits does to each environment',
    load: async () => { const m = await import('./commands/plan.ts'); return { run: m.planCommand, help: m.planHelp }; },
  },
  validate: {
    summary: 'render and validate environments or a folder offline',
    load: async () => { const m = await import('./commands/validate.ts'); return { run: m.validateCommand, help: m.validateHelp }; },
  },
  render: {
    summary: 'print the objects an environment renders to',
    load: async () => { const m = await import('./commands/render.ts'); return { run: m.renderCommand, help: m.renderHelp }; },
  },
  apply: {
    summary: 'apply an environment at a commit to its cluster (server-side apply, prune, health)',
    load: async () => { const m = await import('./commands/apply.ts'); return { run: m.applyCommand, help: m.applyHelp }; },
  },
  sync: {
    summary: 'disaster recovery: re-apply the full desired state of an environment',
    load: async () => { const m = await import('./commands/apply.ts'); return { run: m.syncCommand, help: m.syncHelp }; },
  },
  drift: {
    summary: 'compare an environment\'s live cluster with Git now and list what drifted (never applies)',
    load: async () => { const m = await import('./commands/drift.ts'); return { run: m.driftCommand, help: m.driftHelp }; },
  },
  serve: {
    summary: 'the GitHub App webhook server (add --with-worker to also run jobs)',
    load: async () => { const m = await import('./commands/serve.ts'); return { run: m.serveCommand, help: m.serveHelp }; },
  },
  worker: {
    summary: 'run queued jobs (plan, command) for the GitHub App',
    load: async () => { const m = await import('./commands/worker.ts'); return { run: m.workerCommand, help: m.workerHelp }; },
  },
  action: {
    summary: 'the GitHub Action\'s entry: plan the workflow\'s pull request, report with the workflow\'s token',
    load: async () => { const m = await import('./commands/action.ts'); return { run: m.actionCommand, help: m.actionHelp }; },
  },
  setup: {
    summary: 'register bosun\'s GitHub App from its manifest and store its credentials (env file or Secret)',
    load: async () => { const m = await import('./commands/setup.ts'); return { run: m.setupCommand, help: m.setupHelp }; },
  },
};

export function registerCommand(name: string, entry: CommandEntry): void {
  commands[name] = entry;
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return `Usage: bosun <command> [options]
       bosun --version

Commands:
${Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`bosun <command> --help\` for a command's options.

${exitCodeHelp}`;
}

/**
 * Runs the CLI; returns the exit code (model/errors.ts exitCodeFor): 0 done and nothing wrong, 1 the
 * content is wrong (render, validation, apply or health failed), 2 usage or configuration, 3 nothing to
 * judge (no environment found).
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    io.stdout.write(`${bosunVersion()}\n`);
    return 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`bosun: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.help}${sandboxedCommands.has(name) ? `\n\n${sandboxHelp}` : ''}\n`);
    return 0;
  }
  try {
    let args = rest;
    if (sandboxedCommands.has(name)) {
      // A --repo that is not there says so before anything about the sandbox: the first problem to fix.
      const repo = repoFlag(rest);
      if (repo !== undefined) await repoFolder(repo, io, { git: false });
      const prepared = await prepareSandbox(rest, io);
      if ('exit' in prepared) return prepared.exit;
      args = prepared.argv;
    }
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof BosunError) {
      io.stderr.write(`bosun: ${scrub(formatProblem(err))}\n`);
      return exitCodeFor(err.kind);
    }
    io.stderr.write(`bosun: internal error: ${scrub(err instanceof Error ? err.stack ?? err.message : String(err))}\n`);
    return 1;
  }
}

/** The value of `--repo DIR` / `--repo=DIR` among a command's arguments, if given. */
function repoFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repo') return argv[i + 1];
    if (argv[i]!.startsWith('--repo=')) return argv[i]!.slice('--repo='.length);
  }
  return undefined;
}
