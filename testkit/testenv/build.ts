import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BosunError } from '../../src/model/errors.ts';
import { aptEnv, ensurePackages, machineMirror, privateAptConfig } from './apt.ts';
import { cachedBinaries, type TestenvBinaries } from './binaries.ts';
import { followBuild } from './detached-build.ts';
import { capture, elapsedSeconds, runStep, type Log } from './exec.ts';
import { withLock } from './lock.ts';
import { cacheRoot, K8S_VERSION, SOURCE_SUITE, versionDir } from './paths.ts';

/**
 * Where the Go toolchain, the reflect2 sources and etcd come from.
 * - `system`: Debian 12's own packages (golang-go 1.19, etcd-server 3.4), installed with apt.
 * - `bookworm`: bookworm's .debs fetched through a private source list and unpacked into the build
 *   folder, for newer Debian releases whose Go is too new for the 1.20 tree; the system is not touched.
 */
export type Toolchain = 'system' | 'bookworm';

const SYSTEM_PACKAGES = ['golang-go', 'etcd-server', 'rsync', 'make', 'golang-github-modern-go-reflect2-dev'];
const BOOKWORM_HOST_PACKAGES = ['rsync', 'make'];
const BOOKWORM_DEBS = ['golang-1.19-go', 'golang-1.19-src', 'etcd-server', 'golang-github-modern-go-reflect2-dev'];
const REFLECT2 = 'usr/share/gocode/src/github.com/modern-go/reflect2';

export type { TestenvBinaries } from './binaries.ts';

/** Major Debian release from /etc/debian_version ("12.11" → 12); testing's "trixie/sid" counts as newer. */
export function debianMajor(text: string): number {
  const major = Number.parseInt(text.trim(), 10);
  return Number.isFinite(major) ? major : 99;
}

/**
 * Toolchains to try, in order. Debian 12 builds with its own Go 1.19. Newer releases first try their own
 * Go (Debian 13's Go 1.24 was measured to build a working 1.20 apiserver) and fall back to bookworm's
 * unpacked Go 1.19 and etcd 3.4 when that build fails. BOSUN_TESTENV_GO (`system`, `bookworm` or
 * `system,bookworm`) overrides the plan.
 */
export function toolchainPlan(debianVersion: string, override: string | undefined): Toolchain[] {
  if (override) {
    const plan = override.split(',').map((t) => t.trim());
    if (plan.every((t): t is Toolchain => t === 'system' || t === 'bookworm')) return plan;
    throw new BosunError({
      kind: 'usage',
      message: `BOSUN_TESTENV_GO=${override} is not one of: system, bookworm (or both, comma-separated, in the order to try)`,
      field: 'BOSUN_TESTENV_GO',
    });
  }
  return debianMajor(debianVersion) <= 12 ? ['system'] : ['system', 'bookworm'];
}

/**
 * What `make` would stamp into the binaries from git, which a source tarball does not have. Without it
 * the server reports v0.0.0-master and clients warn about version skew.
 */
export function versionLdflags(version: string): string[] {
  const [major, minor] = version.split('.');
  const values: Record<string, string> = { gitVersion: `v${version}`, gitMajor: major, gitMinor: minor, gitTreeState: 'clean' };
  return Object.entries(values).flatMap(([key, value]) =>
    ['client-go/pkg/version', 'component-base/version'].flatMap((pkg) => ['-X', `k8s.io/kubernetes/vendor/k8s.io/${pkg}.${key}=${value}`]),
  );
}

/**
 * kube-apiserver, kube-controller-manager and etcd for the test cluster. Built once per machine from
 * Debian bookworm's `kubernetes` source package (TOOLCHAIN.md has the measured recipe, ~4.5 min) and
 * cached outside the repo; later calls only check that the cached binaries run.
 *
 * The build runs in a detached process that outlives us: a test runner killed by a timeout or Ctrl-C
 * does not throw away minutes of compiling, and the next run follows the same build instead of
 * starting over. Its progress lines are forwarded to `log` while we wait.
 */
export async function ensureBinaries(opts: { log: Log; cacheDir?: string }): Promise<TestenvBinaries> {
  const root = opts.cacheDir ?? cacheRoot();
  const ready = await cachedBinaries(versionDir(root));
  if (ready) return ready;
  return followBuild(root, opts.log);
}

/** The build itself, in this process, under the build lock (the detached builder's body). */
export async function buildHere(opts: { log: Log; cacheDir?: string }): Promise<TestenvBinaries> {
  const root = opts.cacheDir ?? cacheRoot();
  const dir = versionDir(root);
  mkdirSync(dir, { recursive: true });
  return withLock(join(root, 'build.lock'), { log: opts.log }, async () => {
    // another run may have finished the build while we waited for the lock
    const built = await cachedBinaries(dir);
    if (built) return built;
    return build(dir, opts.log);
  });
}

async function build(dir: string, log: Log): Promise<TestenvBinaries> {
  const started = Date.now();
  const debianVersion = existsSync('/etc/debian_version') ? readFileSync('/etc/debian_version', 'utf8').trim() : 'unknown';
  const plan = toolchainPlan(debianVersion, process.env.BOSUN_TESTENV_GO);
  const work = join(dir, 'work');
  const logFile = join(dir, 'build.log');
  log(
    `[testenv] building Kubernetes ${K8S_VERSION} test binaries into ${dir} (first run on this machine, ~5 min; ` +
      `Debian ${debianVersion}, ${plan.join(' then ')} Go toolchain; log: ${logFile})`,
  );
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const step = (phase: string, command: string, args: readonly string[], extra: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<void> =>
    runStep(command, args, { phase, log, logFile, ...extra });

  await ensurePackages(BOOKWORM_HOST_PACKAGES, { log, logFile });
  const apt = privateAptConfig(join(work, 'apt'), machineMirror(), SOURCE_SUITE);
  await step(`apt-get update (private ${SOURCE_SUITE} source list)`, 'apt-get', [...apt, 'update'], { env: aptEnv });
  await step(`downloading ${SOURCE_SUITE}'s kubernetes source package`, 'apt-get', [...apt, 'source', '--download-only', 'kubernetes'], { cwd: work, env: aptEnv });
  const src = await unpackSource(work, step);

  for (const [attempt, toolchain] of plan.entries()) {
    try {
      const tools = toolchain === 'system' ? await systemToolchain(log, logFile) : await bookwormToolchain(work, apt, step);
      await compile(src, work, tools, log, step);
      install(join(src, 'kube-apiserver'), join(dir, 'kube-apiserver'));
      install(join(src, 'kube-controller-manager'), join(dir, 'kube-controller-manager'));
      if (tools.etcd) install(tools.etcd, join(dir, 'etcd'));
      break;
    } catch (err) {
      if (attempt === plan.length - 1) throw err;
      const reason = err instanceof Error ? err.message.split('\n').slice(0, 6).join('\n') : String(err);
      log(`[testenv] the ${toolchain} Go toolchain could not build the Kubernetes ${K8S_VERSION} tree; falling back to ${plan[attempt + 1]}'s. Reason:\n${reason}`);
    }
  }

  const result = await cachedBinaries(dir);
  if (!result) {
    throw new BosunError({ kind: 'internal', message: `testenv: the build finished but the binaries in ${dir} do not run (\`--version\` failed); see ${logFile}` });
  }
  log('[testenv] removing the build tree and Go cache (~1 GB)');
  rmSync(work, { recursive: true, force: true });
  log(`[testenv] test binaries ready in ${elapsedSeconds(started)} s`);
  return result;
}

type Step = (phase: string, command: string, args: readonly string[], extra?: { cwd?: string; env?: NodeJS.ProcessEnv }) => Promise<void>;

/** Go to build with, the reflect2 sources to vendor, and an etcd to keep (none: use apt's). */
interface Tools {
  goroot?: string;
  reflect2: string;
  etcd?: string;
}

async function systemToolchain(log: Log, logFile: string): Promise<Tools> {
  await ensurePackages(SYSTEM_PACKAGES, { log, logFile });
  return { reflect2: join('/', REFLECT2) };
}

/** bookworm's Go 1.19, etcd 3.4 and reflect2, unpacked into the build folder: nothing system-wide. */
async function bookwormToolchain(work: string, apt: string[], step: Step): Promise<Tools> {
  const debs = join(work, 'debs');
  const root = join(work, 'root');
  mkdirSync(debs, { recursive: true });
  await step(`downloading ${SOURCE_SUITE}'s Go 1.19, etcd and reflect2 packages`, 'apt-get', [...apt, 'download', ...BOOKWORM_DEBS], { cwd: debs, env: aptEnv });
  for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb'))) {
    await step(`unpacking ${deb}`, 'dpkg', ['-x', join(debs, deb), root]);
  }
  return { goroot: join(root, 'usr', 'lib', 'go-1.19'), reflect2: join(root, REFLECT2), etcd: join(root, 'usr', 'bin', 'etcd') };
}

/** Unpacks the orig tarball into a GOPATH layout and returns the tree's folder. */
async function unpackSource(work: string, step: Step): Promise<string> {
  const tarball = readdirSync(work).find((f) => /^kubernetes_.*\.orig\.tar\.gz$/.test(f));
  if (!tarball) {
    throw new BosunError({ kind: 'internal', message: `testenv: apt-get source downloaded no kubernetes_*.orig.tar.gz into ${work}` });
  }
  await step(`unpacking ${tarball}`, 'tar', ['-xzf', join(work, tarball), '-C', work]);
  const tree = readdirSync(work).find((f) => f.startsWith('kubernetes-') && statSync(join(work, f)).isDirectory());
  if (!tree) throw new BosunError({ kind: 'internal', message: `testenv: ${tarball} did not contain a kubernetes-<version>/ folder` });
  if (tree !== `kubernetes-${K8S_VERSION}`) {
    throw new BosunError({
      kind: 'internal',
      message: `testenv: ${SOURCE_SUITE}'s kubernetes source is now ${tree} (${tarball}), not ${K8S_VERSION}; set K8S_VERSION in testkit/testenv/paths.ts to its version and rerun`,
    });
  }
  const src = join(work, 'gopath', 'src', 'k8s.io', 'kubernetes');
  mkdirSync(dirname(src), { recursive: true });
  renameSync(join(work, tree), src);
  return src;
}

async function compile(src: string, work: string, tools: Tools, log: Log, step: Step): Promise<void> {
  // The vendored reflect2 1.0.1 reads runtime internals that changed in Go 1.18: the apiserver then
  // crashes as soon as a CRD is applied. Debian's 1.0.2 copy fixes that.
  if (!existsSync(tools.reflect2)) throw new BosunError({ kind: 'internal', message: `testenv: reflect2 sources not found at ${tools.reflect2}` });
  const vendored = join(src, 'vendor', 'github.com', 'modern-go', 'reflect2');
  rmSync(vendored, { recursive: true, force: true });
  cpSync(tools.reflect2, vendored, { recursive: true });

  const goEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GOPATH: join(work, 'gopath'),
    GOCACHE: join(work, 'gocache'),
    GOPROXY: 'off',
    GOFLAGS: '',
    GO111MODULE: 'off',
    CGO_ENABLED: '0',
    GOTOOLCHAIN: 'local',
  };
  if (tools.goroot) {
    goEnv.GOROOT = tools.goroot;
    goEnv.PATH = `${join(tools.goroot, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  }
  const goVersion = await capture('go', ['version'], { env: goEnv });
  log(`[testenv] using ${(goVersion.stdout || goVersion.stderr).trim()} (${tools.goroot ?? 'system install'})`);

  await step('generating OpenAPI code (make gen_openapi)', 'make', ['gen_openapi'], { cwd: src, env: goEnv });
  const ldflags = ['-s', '-w', ...versionLdflags(K8S_VERSION)].join(' ');
  for (const [cmd, eta] of [['kube-apiserver', '~3 min'], ['kube-controller-manager', '~1.5 min']] as const) {
    await step(`building ${cmd} (go build, ${eta})`, 'go', ['build', '-ldflags', ldflags, '-o', cmd, `./cmd/${cmd}`], { cwd: src, env: goEnv });
  }
}

/** Copy then rename, so a half-written binary is never mistaken for a finished one. */
function install(from: string, to: string): void {
  copyFileSync(from, `${to}.tmp`);
  chmodSync(`${to}.tmp`, 0o755);
  renameSync(`${to}.tmp`, to);
}
