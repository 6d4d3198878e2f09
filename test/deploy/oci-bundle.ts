// A worker pod of bosun's chart as a container runtime would run it, without a kubelet: the pod's and the
// container's securityContext turned into an OCI runtime bundle for runc (Debian's `runc`, the runtime
// containerd and CRI-O start pods with). Only what decides whether the render sandbox works is translated:
// user and group, capabilities, no_new_privs, a read-only root, the seccomp profile, the emptyDir volumes,
// and the /proc masking and namespaces every runtime applies (taken from `runc spec`'s defaults, which are
// the ones containerd's CRI plugin uses).
import { execFile } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Container, PodSpec } from './chart.ts';

const run = promisify(execFile);

/** A pod or container securityContext, the fields used here. */
interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  fsGroup?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostProfile?: string };
}

/**
 * The capabilities containerd gives a container before `drop`/`add` (containerd's oci.DefaultCaps; CRI-O's
 * default list is the same set less MKNOD, AUDIT_WRITE, NET_RAW and SYS_CHROOT).
 */
const runtimeDefaultCaps = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

const CLONE_NEWUSER = 0x10000000;

/**
 * The part of the runtimes' RuntimeDefault seccomp profile that decides whether a sandbox can be built: a
 * process without CAP_SYS_ADMIN may not call unshare(2) at all, nor clone(2) with CLONE_NEWUSER, and clone3
 * answers ENOSYS so that libc falls back to clone (moby's and containerd's default profiles, "Significant
 * syscalls blocked by the default profile" in Docker's seccomp documentation). Everything else is allowed
 * here; the real profile refuses more, none of which a render calls.
 */
const runtimeDefaultUserns = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_AARCH64'],
  syscalls: [
    { names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    { names: ['clone'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: CLONE_NEWUSER, valueTwo: CLONE_NEWUSER, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

export interface WorkerRun {
  /** The command, absolute paths inside the container. */
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Host folders bound read-only at the same path (the checkout bosun runs from, the system's /usr, /etc). */
  readOnly: string[];
  /** emptyDir volumes: mount path → host folder (created and owned by the pod's user by the caller). */
  emptyDirs: Record<string, string>;
}

/** The effective security settings of `container` in `pod`: the container's fields over the pod's. */
export function effectiveSecurity(pod: PodSpec, container: Container): SecurityContext {
  return { ...(pod.securityContext as SecurityContext | undefined), ...(container.securityContext as SecurityContext | undefined) };
}

/** Writes an OCI bundle (config.json and an empty root with the mount points) for `work` under `dir`. */
export async function writeBundle(dir: string, sec: SecurityContext, work: WorkerRun): Promise<void> {
  await run('runc', ['spec', '--bundle', dir]);
  const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as OciConfig;
  const rootfs = join(dir, 'rootfs');
  for (const path of [...work.readOnly, ...Object.keys(work.emptyDirs)]) await mkdir(join(rootfs, path), { recursive: true });
  // Debian's merged /usr: the root's /bin, /lib… are links into it, as in the image.
  for (const link of ['bin', 'lib', 'lib64', 'sbin']) await symlink(`usr/${link}`, join(rootfs, link)).catch(() => undefined);

  const uid = sec.runAsUser ?? 0;
  if (sec.runAsNonRoot && uid === 0) throw new Error('runAsNonRoot with user 0: the kubelet would refuse to start this container');
  const gid = sec.runAsGroup ?? 0;
  const drop = new Set(sec.capabilities?.drop ?? []);
  const caps = drop.has('ALL') ? [] : runtimeDefaultCaps.filter((c) => !drop.has(c.slice(4)));
  for (const add of sec.capabilities?.add ?? []) caps.push(`CAP_${add}`);
  // A non-root process keeps no effective or permitted capabilities (execve clears them); the bounding set stays.
  const nonRoot = uid !== 0;
  config.process = {
    ...config.process,
    terminal: false,
    user: { uid, gid, additionalGids: sec.fsGroup !== undefined ? [sec.fsGroup] : [] },
    args: work.args,
    env: Object.entries(work.env).map(([k, v]) => `${k}=${v}`),
    cwd: work.cwd,
    capabilities: { bounding: caps, effective: nonRoot ? [] : caps, permitted: nonRoot ? [] : caps, inheritable: [], ambient: [] },
    noNewPrivileges: sec.allowPrivilegeEscalation === false,
  };
  config.root = { path: 'rootfs', readonly: sec.readOnlyRootFilesystem === true };
  config.hostname = 'bosun-worker';
  // Mounted parents first: a checkout under /tmp (CI clones into /tmp) is bound inside the /tmp volume,
  // not hidden by it.
  const binds = [
    ...work.readOnly.map((path) => ({ destination: path, type: 'bind', source: path, options: ['rbind', 'ro'] })),
    ...Object.entries(work.emptyDirs).map(([path, host]) => ({ destination: path, type: 'bind', source: host, options: ['rbind', 'rw'] })),
  ].sort((a, b) => a.destination.split('/').length - b.destination.split('/').length);
  config.mounts.push(...binds);
  const seccomp = sec.seccompProfile?.type ?? 'Unconfined';
  if (seccomp === 'Localhost') throw new Error('a Localhost seccomp profile is not translated here');
  if (seccomp === 'RuntimeDefault') config.linux.seccomp = runtimeDefaultUserns;
  else delete config.linux.seccomp;
  await writeFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
}

interface OciConfig {
  process: Record<string, unknown>;
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: Array<{ destination: string; type: string; source: string; options: string[] }>;
  linux: { seccomp?: unknown; maskedPaths?: string[]; readonlyPaths?: string[]; namespaces: Array<{ type: string }> };
}
