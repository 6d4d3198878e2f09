import { z } from 'zod';
import { BosunError } from '../model/errors.ts';
import { defaultLimits, defaultOutputBytes, type SandboxPolicy } from '../render/sandbox.ts';

/**
 * The render sandbox's settings, read from the environment by the CLI and the App alike (they are part of
 * the server's variables too, see server-env-schema.ts). Sizes take plain bytes or Kubernetes-style
 * binary suffixes (`512Mi`, `2Gi`), as in a pod's resources.
 */

const sizePattern = /^(\d+)(Ki|Mi|Gi)?$/;
const units: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

function size(min: number, what: string) {
  return z.string().regex(sizePattern, { error: `must be a size in bytes, optionally with Ki, Mi or Gi (e.g. 2Gi)` }).transform((text) => {
    const m = sizePattern.exec(text)!;
    return Number(m[1]) * units[m[2] ?? ''];
  }).refine((n) => n >= min, { error: `must be at least ${min / 1024 ** 2} Mi; ${what}` });
}

function whole(min: number, max: number) {
  return z.string().regex(/^\d+$/, { error: `must be a whole number from ${min} to ${max}` }).transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be a whole number from ${min} to ${max}` });
}

const blank = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v);

export interface SandboxVarMeta {
  description: string;
  default: string;
  [key: string]: unknown;
}

const meta = (description: string, def: string): SandboxVarMeta => ({ description, default: def });

/** The variables, each with its docs (merged into the server's reference table). */
export const sandboxEnvShape = {
  BOSUN_SANDBOX: z.preprocess(blank, z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).optional()).meta(meta(
    'The render sandbox for kustomize and helm (see the Security model): `on` renders every repository in it and refuses to render when it cannot be created; `off` runs the tools unconfined — only for repositories whose every pull request author you trust. Logged loudly at start when off.',
    'on',
  )),
  BOSUN_SANDBOX_MEMORY: z.preprocess(blank, size(64 * 1024 ** 2, 'kubectl and helm need more than that to start').optional()).meta(meta(
    'Address space each sandboxed process may use (RLIMIT_AS).', '2Gi',
  )),
  BOSUN_SANDBOX_CPU_SECONDS: z.preprocess(blank, whole(1, 3600).optional()).meta(meta('CPU seconds each sandboxed process may use (RLIMIT_CPU).', '120')),
  BOSUN_SANDBOX_PROCESSES: z.preprocess(blank, whole(16, 65536).optional()).meta(meta(
    'Processes and threads the sandbox\'s user may run (RLIMIT_NPROC). When bosun runs as root the tools run as `BOSUN_SANDBOX_UID` and this counts only them; as a non-root user it counts all of that user\'s processes and threads, bosun\'s own included — on the whole node, not only in the pod: without a user namespace per pod the kernel counts a uid\'s processes across every container running as it, so run the worker as a uid no other workload on the nodes uses, or raise this.',
    '256 as root, 1024 otherwise',
  )),
  BOSUN_SANDBOX_UID: z.preprocess(blank, whole(1, 4294967294).optional()).meta(meta(
    'When bosun runs as root: the unprivileged user the tools run as (root is exempt from the process limit).', '65534',
  )),
  BOSUN_RENDER_MAX_BYTES: z.preprocess(blank, size(1024 ** 2, 'no real environment renders less').optional()).meta(meta(
    'Output one kustomize or helm run may produce; beyond it the render stops with an error naming the environment.', '64Mi',
  )),
};

const schema = z.object(sandboxEnvShape);

/** The policy the environment asks for; `noSandbox` (the CLI's `--no-sandbox`) wins over BOSUN_SANDBOX. */
export function sandboxPolicyFromEnv(env: NodeJS.ProcessEnv, opts: { noSandbox?: boolean } = {}): SandboxPolicy {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0]);
    throw new BosunError({ kind: 'config', field, message: `${field} ${issue.message}` });
  }
  const v = parsed.data;
  const root = process.getuid?.() === 0;
  return {
    mode: opts.noSandbox ? 'off' : v.BOSUN_SANDBOX ?? 'on',
    outputBytes: v.BOSUN_RENDER_MAX_BYTES ?? defaultOutputBytes,
    limits: {
      ...defaultLimits,
      memoryBytes: v.BOSUN_SANDBOX_MEMORY ?? defaultLimits.memoryBytes,
      cpuSeconds: v.BOSUN_SANDBOX_CPU_SECONDS ?? defaultLimits.cpuSeconds,
      processes: v.BOSUN_SANDBOX_PROCESSES ?? (root ? defaultLimits.processes : 1024),
    },
  };
}
