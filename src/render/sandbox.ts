import { accessSync, closeSync, constants, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { BosunError } from '../model/errors.ts';

/**
 * The render sandbox: every kustomize / helm run on repository content goes through bubblewrap (bwrap),
 * under rlimits set by prlimit. Why bwrap: it is one small, audited, packaged binary (Debian's
 * `bubblewrap`, used by Flatpak) that builds exactly the namespaces a render needs in one exec — a new
 * mount namespace in which only the listed paths exist, a new PID namespace (no other process is visible,
 * and everything dies with the sandbox), an empty network namespace, its own IPC/UTS — without a daemon,
 * without root, and without a shell script assembling mounts (which `unshare` alone would need). prlimit
 * (util-linux, always installed) adds what namespaces cannot: memory, CPU time, process count, file size.
 *
 * Inside, the tool sees: the tool binaries, the worktree and the render's temporary folder read-only at
 * their own paths, a private size-limited tmpfs for /tmp and HOME, a minimal /dev, no /proc at all (the
 * tools do not need it; having none is stricter than a fresh one and avoids the `procMount: Unmasked`
 * a fresh /proc would need inside a Kubernetes pod), no network interface but a downed loopback, and an
 * environment holding only the variables the tool needs.
 */

export interface SandboxLimits {
  /** Address space per process (RLIMIT_AS). Go tools reserve little up front; 2 GiB renders real repos. */
  memoryBytes: number;
  /** CPU seconds per process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** Processes and threads of the sandbox's user (RLIMIT_NPROC); see `sandboxUid`. */
  processes: number;
  /** Largest file a process may write (RLIMIT_FSIZE). */
  fileBytes: number;
  /** Open files per process (RLIMIT_NOFILE). */
  openFiles: number;
  /** Size of the private /tmp (HOME lives in it). */
  tmpBytes: number;
}

export interface SandboxPolicy {
  /** 'on': every render runs in the sandbox (default). 'off': trusted local use only (`--no-sandbox`, BOSUN_SANDBOX=off). */
  mode: 'on' | 'off';
  limits: SandboxLimits;
  /** Bytes of stdout a render may produce before it is stopped (default 64 MiB). */
  outputBytes: number;
}

const MiB = 1024 * 1024;

export const defaultLimits: SandboxLimits = {
  memoryBytes: 2048 * MiB,
  cpuSeconds: 120,
  processes: 256,
  fileBytes: 64 * MiB,
  openFiles: 1024,
  tmpBytes: 256 * MiB,
};

export const defaultOutputBytes = 64 * MiB;

let policy: SandboxPolicy = { mode: 'on', limits: { ...defaultLimits }, outputBytes: defaultOutputBytes };

/** The process-wide policy; entry points (CLI commands, the worker) set it once from flags and settings. */
export function sandboxPolicy(): SandboxPolicy {
  return policy;
}

export function setSandboxPolicy(next: Partial<Omit<SandboxPolicy, 'limits'>> & { limits?: Partial<SandboxLimits> }): SandboxPolicy {
  policy = {
    mode: next.mode ?? policy.mode,
    outputBytes: next.outputBytes ?? policy.outputBytes,
    limits: { ...policy.limits, ...next.limits },
  };
  return policy;
}

/** What one sandboxed run needs besides the command: the paths it may read. */
export interface SandboxSpec {
  /** Absolute paths bound read-only at their own path (the worktree, the render's temp folder). */
  readOnly: string[];
  /** Tool binaries the run may execute (the command itself and e.g. helm for kustomize --enable-helm). */
  tools: string[];
  /** Working directory inside the sandbox (one of the read-only paths, or /tmp). */
  cwd: string;
  /** The tool's own variables; HOME, TMPDIR and PATH are the sandbox's. */
  env: Record<string, string>;
}

/** HOME inside the sandbox: in the private /tmp, so it is writable, empty at start and gone afterwards. */
export const sandboxHome = '/tmp/home';

/**
 * The argv that runs `command args` in the sandbox: [setpriv …] prlimit … -- bwrap … -- command args.
 * Pure: everything it needs is passed in, so tests can read what a render is allowed to do.
 */
export function sandboxArgv(command: string, args: string[], spec: SandboxSpec, limits: SandboxLimits, host: SandboxHost): string[] {
  const argv: string[] = [];
  if (switchesUser(spec, host)) {
    // As root, RLIMIT_NPROC is not enforced (root is exempt), so the tools run as a dedicated unprivileged
    // user; bwrap then builds its namespaces as that user, like in a container that runs bosun as non-root.
    const uid = String(host.sandboxUid);
    argv.push(host.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--');
  }
  argv.push(
    host.prlimit,
    `--as=${limits.memoryBytes}`,
    `--cpu=${limits.cpuSeconds}`,
    `--nproc=${limits.processes}`,
    `--fsize=${limits.fileBytes}`,
    `--nofile=${limits.openFiles}`,
    '--core=0',
    '--',
    host.bwrap,
    '--unshare-all',
    '--unshare-user',
    ...(host.disableUserns ? ['--disable-userns'] : []),
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--dev', '/dev',
    '--size', String(limits.tmpBytes), '--tmpfs', '/tmp',
    '--dir', sandboxHome,
  );
  for (const path of bindsOf(spec)) argv.push('--ro-bind', path, path);
  argv.push('--chdir', spec.cwd);
  const env: Record<string, string> = {
    ...spec.env,
    HOME: sandboxHome,
    TMPDIR: '/tmp',
    PATH: [...new Set(spec.tools.map((t) => dirname(t)))].join(':'),
  };
  for (const [key, value] of Object.entries(env)) argv.push('--setenv', key, value);
  argv.push('--', command, ...args);
  return argv;
}

function bindsOf(spec: SandboxSpec): string[] {
  const binds = new Set<string>();
  for (const tool of spec.tools) binds.add(tool);
  if (spec.tools.some((t) => needsSystemFiles(t))) {
    for (const dir of ['/usr', '/bin', '/lib', '/lib64', '/sbin']) if (existsSync(dir)) binds.add(dir);
  }
  for (const path of spec.readOnly) binds.add(path);
  return [...binds];
}

/**
 * Whether the tools run as the sandbox user: always when bosun is root, except when a path the run must
 * read is not readable by that user (a repository in root's 0700 home, `bosun validate --repo ~/repo`).
 * Then bwrap runs as root, still with every namespace and every other limit, but the process-count limit
 * does not hold (root is exempt from it) — `sandboxWarnings` says so once.
 */
export function switchesUser(spec: SandboxSpec, host: SandboxHost): boolean {
  if (host.uid !== 0) return false;
  const blocked = bindsOf(spec).find((p) => !readableByOthers(p));
  if (blocked === undefined) return true;
  warnOnce('root', `the render sandbox runs the tools as root because ${blocked} is not readable by other users (uid ${host.sandboxUid}): `
    + 'every namespace and limit holds except the process-count limit; chmod o+rX the path, or run bosun as a non-root user');
  return false;
}

const warned = new Set<string>();
let warnSink: (line: string) => void = (line) => process.stderr.write(`bosun: warning: ${line}\n`);

/** Where the sandbox's one-time warnings go (the worker passes its logger). */
export function onSandboxWarning(sink: (line: string) => void): void {
  warnSink = sink;
}

function warnOnce(key: string, line: string): void {
  if (warned.has(key)) return;
  warned.add(key);
  warnSink(line);
}

/** Every ancestor lets others through (o+x) and the path itself is readable by others (o+r, o+x for folders). */
function readableByOthers(path: string): boolean {
  try {
    const target = statSync(path);
    if (!(target.mode & 0o004) || (target.isDirectory() && !(target.mode & 0o001))) return false;
    for (let dir = dirname(path); ; dir = dirname(dir)) {
      if (!(statSync(dir).mode & 0o001)) return false;
      if (dir === dirname(dir)) return true;
    }
  } catch {
    return false;
  }
}

/** What the sandbox needs from the machine it runs on. */
export interface SandboxHost {
  bwrap: string;
  prlimit: string;
  setpriv: string;
  uid: number;
  /** The user the tools run as when bosun runs as root. */
  sandboxUid: number;
  /** bwrap ≥ 0.8 can forbid user namespaces inside the sandbox (no second unshare from within). */
  disableUserns: boolean;
}

/** Finds bwrap, prlimit and setpriv (BOSUN_BWRAP overrides bwrap's path). */
export function findHost(env: NodeJS.ProcessEnv = process.env): SandboxHost | { missing: string } {
  const path = (env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').concat(['/usr/bin', '/bin', '/usr/sbin', '/sbin']);
  const find = (name: string): string | undefined => {
    for (const dir of path) {
      const candidate = `${dir}/${name}`;
      try {
        accessSync(candidate, constants.X_OK);
        return realpathSync(candidate);
      } catch {
        // next
      }
    }
    return undefined;
  };
  const bwrap = env.BOSUN_BWRAP ? executable(env.BOSUN_BWRAP) : find('bwrap');
  if (!bwrap) return { missing: 'bwrap' };
  const prlimit = find('prlimit');
  if (!prlimit) return { missing: 'prlimit' };
  const setpriv = find('setpriv');
  const uid = process.getuid?.() ?? -1;
  if (uid === 0 && !setpriv) return { missing: 'setpriv' };
  return {
    bwrap,
    prlimit,
    setpriv: setpriv ?? 'setpriv',
    uid,
    sandboxUid: Number(env.BOSUN_SANDBOX_UID ?? 65534),
    disableUserns: true,
  };
}

function executable(path: string): string | undefined {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/**
 * A tool that is a script or a dynamically linked binary needs the system's interpreter and libraries;
 * the static kubectl and helm bosun ships need nothing but themselves.
 */
function needsSystemFiles(tool: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(tool, 'r');
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head[0] === 0x23 && head[1] === 0x21) return true; // #!
    if (head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return true; // not ELF64 LE: be generous
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === 3) return true; // PT_INTERP
    return false;
  } catch {
    return true;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The error for "the sandbox cannot be used here", with what to do about it. */
export function sandboxUnavailable(reason: string): BosunError {
  return new BosunError({ kind: 'config', message: `the render sandbox is unavailable: ${reason}` });
}
