// No Docker engine runs on this kind of machine, so the image's runtime stage is replayed in temp folders:
// the build stage's `npm run build` in a copy of what it COPYs, then the runtime stage's COPY lines and npm
// steps exactly as the Dockerfile lists them. Then the entry command runs from that folder with the
// image's ENV, as the container would.
//
// Not replayed: the build stage's `npm ci` (its node_modules is the checkout's, by symlink: a full dev
// install here would cost a minute and prove nothing the runtime stage does not) and the runtime stage's
// apt-get line (system packages; it is checked to install git, and git is on this machine).
import { execFile, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/util/tools.ts';
import { copyArgs, envPairs, last, only, parseDockerfile, type Instruction, type Stage } from './dockerfile.ts';

const run = promisify(execFile);

interface Ran { code: number; stdout: string; stderr: string }

async function exec(file: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Ran> {
  try {
    const r = await run(file, args, { ...opts, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

/** Docker's COPY: a folder source copies its contents; a file lands in `dest` when that ends with `/`. */
async function dockerCopy(from: string, to: string): Promise<void> {
  if (statSync(from).isDirectory()) await cp(from, to, { recursive: true });
  else await cp(from, to.endsWith('/') ? join(to, basename(from)) : to);
}

function appKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
}

/** The test Redis, on a database of its own: the workers started here must not take other suites' jobs. */
function privateRedisUrl(): string {
  const url = new URL(process.env.BOSUN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  url.pathname = '/13';
  return url.toString();
}

const dockerfile = parseDockerfile(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const build = dockerfile.find((s) => s.name === 'build')!;
const workdirOf = (stage: Stage): string => last(stage, 'WORKDIR')!.args;
const imageEnv = Object.assign({}, ...only(runtime, 'ENV').map(envPairs)) as Record<string, string>;

describe('the container image (Dockerfile replayed outside Docker)', () => {
  let work: string;
  let buildDir: string;
  let appDir: string;
  let env: NodeJS.ProcessEnv;
  /** Paths inside the image (under WORKDIR) mapped into the replayed folder. */
  const inImage = (dir: string, stage: Stage, path: string): string => {
    const wd = workdirOf(stage);
    return path === wd || path.startsWith(`${wd}/`) ? join(dir, path.slice(wd.length)) : path;
  };

  /** Replays one stage's COPY and npm RUN steps into `dir`; other RUN lines must be named in `skip`. */
  async function replay(stage: Stage, dir: string, steps: { npmCi?: (ins: Instruction) => Promise<void> }): Promise<void> {
    const shellEnv = { ...process.env, ...Object.fromEntries(Object.entries(imageEnv).filter(([k]) => k === 'NODE_ENV')) };
    for (const ins of stage.instructions) {
      if (ins.keyword === 'COPY') {
        const { sources, dest } = copyArgs(ins);
        const target = dest.startsWith('/') ? inImage(dir, stage, dest) : join(dir, dest);
        if (dest.endsWith('/')) await mkdir(target, { recursive: true });
        for (const src of sources) {
          const from = ins.flags.from ? inImage(buildDir, build, src) : join(projectRoot, src);
          await dockerCopy(from, dest.endsWith('/') ? `${target}/` : target);
        }
      } else if (ins.keyword === 'RUN' && /^npm ci\b/.test(ins.args) && steps.npmCi) {
        await steps.npmCi(ins);
      } else if (ins.keyword === 'RUN' && ins.args.startsWith('npm ')) {
        const r = await exec('sh', ['-c', ins.args], { cwd: dir, env: shellEnv });
        expect(r.code, `Dockerfile line ${ins.line}: ${ins.args}\n${r.stdout}\n${r.stderr}`).toBe(0);
      } else if (ins.keyword === 'RUN') {
        expect(ins.args, `Dockerfile line ${ins.line}: only npm steps and the apt-get line can be replayed`).toMatch(/^apt-get update/);
      }
    }
  }

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-image-'));
    buildDir = join(work, 'build');
    appDir = join(work, 'app');
    await mkdir(buildDir);
    await mkdir(appDir);
    await replay(build, buildDir, {
      npmCi: async () => { await symlink(join(projectRoot, 'node_modules'), join(buildDir, 'node_modules'), 'dir'); },
    });
    await replay(runtime, appDir, {});
    await mkdir(join(work, 'home'));
    await mkdir(join(work, 'tmp'));
    // The container's environment: the image's ENV (paths under /app mapped here) and little else.
    env = {
      PATH: process.env.PATH,
      HOME: join(work, 'home'),
      TMPDIR: join(work, 'tmp'),
      ...Object.fromEntries(Object.entries(imageEnv).map(([k, v]) => [k, inImage(appDir, runtime, v)])),
    };
  }, 600_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is built in two stages on Node 20 slim and installs production dependencies with the project\'s own install step', () => {
    expect(dockerfile.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(readFileSync(join(projectRoot, 'Dockerfile'), 'utf8')).toMatch(/^ARG NODE_IMAGE=node:20[\w.-]*-slim$/m);
    expect(only(runtime, 'RUN').map((r) => r.args)).toContainEqual(expect.stringMatching(/^npm ci --omit=dev\b/));
    expect(only(build, 'RUN').map((r) => r.args)).toEqual(expect.arrayContaining([expect.stringMatching(/^npm ci\b/), 'npm run build']));
    expect(only(runtime, 'RUN').find((r) => r.args.startsWith('apt-get'))?.args).toMatch(/install -y --no-install-recommends [^&]*\bgit\b/);
  });

  it('runs `bosun serve --with-worker` as a numeric non-root user, listening on all interfaces, with kubectl and helm at known paths', () => {
    const user = last(runtime, 'USER')!.args.split(':')[0]!;
    expect(user).toMatch(/^\d+$/);
    expect(Number(user)).toBeGreaterThan(0);
    // tini as PID 1: signals reach node, and orphaned git/kubectl/helm children are reaped.
    expect(JSON.parse(last(runtime, 'ENTRYPOINT')!.args)).toEqual(['/usr/bin/tini', '--', 'node', '/app/bin/bosun.mjs']);
    expect(only(runtime, 'RUN').find((r) => r.args.startsWith('apt-get'))?.args).toMatch(/install -y --no-install-recommends [^&]*\btini\b/);
    // bubblewrap: the render sandbox every kustomize/helm run goes through.
    expect(only(runtime, 'RUN').find((r) => r.args.startsWith('apt-get'))?.args).toMatch(/install -y --no-install-recommends [^&]*\bbubblewrap\b/);
    expect(JSON.parse(last(runtime, 'CMD')!.args)).toEqual(['serve', '--with-worker']);
    expect(workdirOf(runtime)).toBe('/app');
    expect(imageEnv).toMatchObject({ BOSUN_KUBECTL: '/app/.tools/bin/kubectl', BOSUN_HELM: '/app/.tools/bin/helm', HOST: '0.0.0.0' });
  });

  it('holds the built app, production dependencies, the binaries and the generated schemas, and no sources or dev tools', () => {
    for (const file of ['bin/bosun.mjs', 'dist/src/cli/main.js', 'dist/queue/start-bot.js', 'dist/src/validate/schema-gen/cli.js',
      '.cache/schemas/builtin.json', '.cache/schemas/precompiled/manifest.json', 'node_modules/probot/package.json', 'node_modules/bullmq/package.json']) {
      expect(existsSync(join(appDir, file)), file).toBe(true);
    }
    for (const bin of [env.BOSUN_KUBECTL!, env.BOSUN_HELM!]) expect(() => accessSync(bin, constants.X_OK), bin).not.toThrow();
    for (const absent of ['src', 'test', 'fixtures', 'queue', '.git', 'node_modules/typescript', 'node_modules/vitest', 'node_modules/tsx', 'node_modules/@aws-cdk']) {
      expect(existsSync(join(appDir, absent)), absent).toBe(false);
    }
  });

  it('ships schemas current for its own packages, so bosun never regenerates them on a read-only root filesystem', async () => {
    const r = await exec('node', ['--input-type=module', '-e',
      "const m = await import('./dist/src/validate/schema-gen/index.js'); console.log(JSON.stringify([m.readStamp('.cache/schemas/builtin.json'), m.currentStamp(), m.readPrecompiledManifest()?.stamp]))"],
    { cwd: appDir, env });
    expect(r.code, r.stderr).toBe(0);
    const [file, current, precompiled] = JSON.parse(r.stdout) as string[];
    expect(file).toBe(current);
    expect(precompiled).toBe(current);
  });

  it('has kubectl 1.35 (kustomize 5.7) and helm 3.18 at BOSUN_KUBECTL and BOSUN_HELM', async () => {
    const kubectl = await exec(env.BOSUN_KUBECTL!, ['version', '--client'], { cwd: appDir, env });
    expect(kubectl.stdout).toMatch(/Client Version: v1\.35\./);
    expect(kubectl.stdout).toMatch(/Kustomize Version: v5\.7\./);
    const helm = await exec(env.BOSUN_HELM!, ['version', '--short'], { cwd: appDir, env });
    expect(helm.stdout).toMatch(/^v3\.18\./);
  });

  it('answers `bosun --help` with its commands', async () => {
    const r = await exec('node', ['bin/bosun.mjs', '--help'], { cwd: appDir, env });
    expect(r.code, r.stderr).toBe(0);
    for (const cmd of ['serve', 'worker', 'validate', 'apply']) expect(r.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, 'm'));
  });

  it('validates a Kustomize folder with a Helm chart using the image\'s kubectl and helm', async () => {
    const repo = join(work, 'example-repo');
    await cp(join(projectRoot, 'fixtures', 'example-repo'), repo, { recursive: true });
    const ok = await exec('node', ['bin/bosun.mjs', 'validate', '--repo', repo, '--path', 'apps/production'], { cwd: appDir, env });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/✓ apps\/production \(apps\/production\): 14 objects, 0 error\(s\), 0 warning\(s\)/);
    // The same run with BOSUN_HELM pointing nowhere fails on helm: the variable is what bosun uses.
    const noHelm = await exec('node', ['bin/bosun.mjs', 'validate', '--repo', repo, '--path', 'apps/production'],
      { cwd: appDir, env: { ...env, BOSUN_HELM: join(work, 'no-helm') } });
    expect(noHelm.code).not.toBe(0);
    expect(noHelm.stdout + noHelm.stderr).toMatch(/helm not found at .*no-helm.*BOSUN_HELM/);
  });

  it('refuses to serve without WEBHOOK_SECRET and names it', async () => {
    const privateKey = appKey();
    const r = await exec('node', ['bin/bosun.mjs', ...(JSON.parse(last(runtime, 'CMD')!.args) as string[])],
      { cwd: appDir, env: { ...env, APP_ID: '12345', PRIVATE_KEY: privateKey, REDIS_URL: 'redis://127.0.0.1:1' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/WEBHOOK_SECRET is not set/);
    expect(r.stderr).not.toMatch(/listening/);
    expect(r.stderr).not.toContain('PRIVATE KEY');
  });

  it('starts its default command (serve --with-worker) on all interfaces, answers health and readiness, and stops on SIGTERM', async () => {
    const key = appKey();
    const child = spawn('node', ['bin/bosun.mjs', ...(JSON.parse(last(runtime, 'CMD')!.args) as string[])], {
      cwd: appDir,
      // The image's /var/lib/bosun exists only in the image; PORT 0 keeps parallel runs apart.
      env: { ...env, APP_ID: '12345', PRIVATE_KEY: key, WEBHOOK_SECRET: randomUUID(), REDIS_URL: privateRedisUrl(), PORT: '0', BOSUN_DATA_DIR: join(work, 'data') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      let url: string | undefined;
      for (let i = 0; i < 300 && !url; i++) {
        url = /"url":"(http:\/\/[^"]+)"/.exec(stderr)?.[1];
        if (!url) await new Promise((r) => setTimeout(r, 100));
      }
      expect(url, stderr).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      const local = url!.replace('0.0.0.0', '127.0.0.1');
      expect((await fetch(`${local}/healthz`)).status).toBe(200);
      expect((await fetch(`${local}/readyz`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exit).toBe(0);
    expect(stderr).not.toContain(key.split('\n')[1]);
  });
});
