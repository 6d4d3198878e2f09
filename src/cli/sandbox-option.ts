import { sandboxPolicyFromEnv } from '../config/sandbox-env.ts';
import { probeSandbox, sandboxRefusal } from '../render/sandbox-probe.ts';
import { setSandboxPolicy } from '../render/sandbox.ts';
import type { CliIO } from './io.ts';

/** Commands that render repository content, and so run kustomize and helm in the sandbox. */
export const sandboxedCommands: ReadonlySet<string> = new Set(['plan', 'validate', 'render', 'apply', 'sync', 'drift', 'action']);

export const sandboxHelp = `Sandbox:
  kustomize and helm run in a sandbox (bubblewrap): only the checkout (read-only) and the tools are
  visible, no network, no other process, an empty environment, limits on memory, CPU, processes and
  output (BOSUN_SANDBOX_MEMORY, BOSUN_SANDBOX_CPU_SECONDS, BOSUN_SANDBOX_PROCESSES, BOSUN_RENDER_MAX_BYTES).
  A CI job planning a fork's pull request renders untrusted content: keep it on.
  --no-sandbox      run the tools unconfined: only for repositories you trust (also BOSUN_SANDBOX=off)`;

/**
 * Takes `--no-sandbox` out of the arguments, sets the process's sandbox policy from it and the
 * environment, and checks that a sandbox can be created: when it cannot, the command stops here (exit 2)
 * with the reason and the ways out, instead of failing every environment one by one.
 */
export async function prepareSandbox(argv: string[], io: CliIO): Promise<{ argv: string[] } | { exit: number }> {
  const noSandbox = argv.includes('--no-sandbox');
  const rest = argv.filter((a) => a !== '--no-sandbox');
  const policy = setSandboxPolicy(sandboxPolicyFromEnv(io.env, { noSandbox }));
  if (policy.mode === 'off') {
    io.stderr.write('bosun: warning: the render sandbox is off: kustomize and helm run with your user\'s rights, files and network; use this only for repositories you trust\n');
    return { argv: rest };
  }
  const status = await probeSandbox(io.env);
  if (!status.ok) {
    io.stderr.write(`bosun: ${sandboxRefusal(status, 'run with --no-sandbox (or BOSUN_SANDBOX=off)')}\n`);
    return { exit: 2 };
  }
  return { argv: rest };
}
