// The release workflow (.github/workflows/release.yml) and `npm run image`, checked here where neither a
// registry nor a container engine exists: the workflow's shape (what it publishes, with which rights,
// after which tests), then its steps that need no registry run on a copy of the checkout with the values
// GitHub would give them — the version check, the chart package, npm pack and the image script.
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmPath, projectRoot } from '../../src/util/tools.ts';
import { makeGitRepo } from '../../testkit/git-repo.ts';
import { helm } from './chart.ts';
import { buildCommands, findEngine } from '../../scripts/image.mjs';

const run = promisify(execFile);

interface Step { id?: string; name?: string; uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, unknown> }
interface Job { needs?: string | string[]; permissions?: Record<string, string>; steps: Step[]; 'runs-on': string }
interface Workflow { on: { push: { tags: string[] } }; permissions: Record<string, string>; jobs: Record<string, Job> }

const workflow = parse(readFileSync(join(projectRoot, '.github/workflows/release.yml'), 'utf8')) as Workflow;
const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
const needs = (job: Job): string[] => (job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs]);
const step = (job: string, id: string): Step => {
  const found = workflow.jobs[job]!.steps.find((s) => s.id === id);
  if (!found) throw new Error(`release.yml: job ${job} has no step with id ${id}`);
  return found;
};
const allSteps = Object.entries(workflow.jobs).flatMap(([job, j]) => j.steps.map((s) => ({ job, step: s })));

/** What GitHub puts in `${{ }}` for a tag push of this version by acme/bosun. */
const context: Record<string, string> = {
  'github.ref_name': `v${version}`,
  'github.repository_owner': 'Acme',
  'github.repository': 'Acme/bosun',
  'github.actor': 'release-bot',
};

interface Ran { code: number; stdout: string; stderr: string }

/** Runs a step's script as the runner would (bash -e, its env with expressions filled in) in `cwd`. */
async function runStep(s: Step, cwd: string, extraEnv: Record<string, string>): Promise<Ran> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.env ?? {})) {
    env[k] = v.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, expr: string) => {
      if (!(expr in context)) throw new Error(`step ${s.id}: ${expr} is not available outside GitHub (a step that needs it cannot run here)`);
      return context[expr]!;
    });
  }
  try {
    const r = await run('bash', ['-e', '-o', 'pipefail', '-c', s.run!], { cwd, env: { ...process.env, ...extraEnv, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(err) };
  }
}

describe('the release workflow (.github/workflows/release.yml)', () => {
  it('runs on version tags, with read-only rights unless a job needs more', () => {
    expect(workflow.on.push.tags).toEqual(['v*.*.*']);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.image!.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(workflow.jobs.chart!.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(workflow.jobs.npm!.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(workflow.jobs.release!.permissions).toEqual({ contents: 'write' });
    expect(workflow.jobs.test!.permissions).toBeUndefined();
  });

  it('publishes nothing before the whole CI passed: every publishing job waits for the tests', () => {
    expect(needs(workflow.jobs.image!)).toEqual(['test']);
    expect(needs(workflow.jobs.chart!)).toEqual(['image']);
    expect(needs(workflow.jobs.npm!)).toEqual(['test']);
    expect(needs(workflow.jobs.release!).sort()).toEqual(['chart', 'image', 'npm']);
    expect(workflow.jobs.test!.steps.map((s) => s.run ?? '').join('\n')).toMatch(/\.ci\/run/);
  });

  it('pushes the image with `npm run image --release` (pinned base, SBOM and provenance), the chart to an OCI registry, the package with npm provenance', () => {
    expect(step('image', 'image').run).toMatch(/npm run image -- --release --push --tag "\$image"/);
    expect(workflow.jobs.image!.steps.map((s) => s.uses)).toEqual(expect.arrayContaining([expect.stringMatching(/^docker\/setup-buildx-action@/), expect.stringMatching(/^docker\/login-action@/)]));
    expect(step('chart', 'chart-package').run).toMatch(/helm package deploy\/chart --version "\$\{TAG#v\}" --app-version "\$\{TAG#v\}"/);
    expect(step('chart', 'chart-push').run).toMatch(/helm push "\$RUNNER_TEMP\/dist\/bosun-\$\{TAG#v\}\.tgz" "oci:\/\/ghcr\.io\/\$owner\/charts"/);
    expect(step('npm', 'npm-publish').run).toMatch(/^npm publish --provenance --access public\b/);
    expect(step('release', 'github-release').run).toMatch(/gh release create "\$TAG" dist\/\*/);
  });

  it('passes workflow values to scripts through env only (no ${{ }} inside a run: no script injection)', () => {
    for (const { job, step: s } of allSteps) {
      if (s.run) expect(s.run, `${job}: ${s.name ?? s.id}`).not.toContain('${{');
    }
  });

  it('uses actions by a released major version', () => {
    for (const { job, step: s } of allSteps) {
      if (s.uses) expect(s.uses, job).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    }
  });

  it('installs the helm the project tests with', async () => {
    const setup = workflow.jobs.chart!.steps.find((s) => s.uses?.startsWith('azure/setup-helm@'));
    const local = (await helm(['version', '--short'])).stdout.trim().replace(/\+.*$/, '');
    expect(setup?.with?.version).toBe(local);
  });

  describe('its steps that need no registry, run here', () => {
    let work: string;
    let checkout: string;
    let runnerTemp: string;
    let binDir: string;

    beforeAll(async () => {
      work = await mkdtemp(join(tmpdir(), 'bosun-release-'));
      runnerTemp = join(work, 'runner-temp');
      await mkdir(runnerTemp);
      // What actions/checkout gives the jobs that change files: the committed chart, scripts and manifests.
      checkout = join(work, 'checkout');
      for (const path of ['deploy/chart', 'scripts/image.mjs', 'scripts/image-base.json', 'scripts/release', 'package.json', 'Dockerfile']) {
        await mkdir(dirname(join(checkout, path)), { recursive: true });
        await cp(join(projectRoot, path), join(checkout, path), { recursive: true });
      }
      const repo = await makeGitRepo(checkout);
      await repo.commit('the release commit');
      // The runner's tools: helm (azure/setup-helm), node and npm (always there), git.
      binDir = join(work, 'bin');
      await mkdir(binDir);
      await symlink(helmPath(), join(binDir, 'helm'));
    }, 60_000);

    afterAll(async () => {
      if (work) await rm(work, { recursive: true, force: true });
    });

    const path = (): string => `${binDir}:${process.env.PATH ?? ''}`;

    it('version: accepts the tag of this version, and refuses another with what to change', async () => {
      const ok = await runStep(step('test', 'version'), projectRoot, {});
      expect(ok.code, ok.stderr).toBe(0);
      const wrong = await runStep({ ...step('test', 'version'), env: { TAG: 'v99.0.0' } }, projectRoot, {});
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/tag v99\.0\.0 does not match package\.json version \(.*\); set them all to 99\.0\.0/);
    });

    it('chart-package: a chart of this version whose default image is the released one', async () => {
      const r = await runStep(step('chart', 'chart-package'), checkout, { RUNNER_TEMP: runnerTemp, PATH: path() });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const packaged = join(runnerTemp, 'dist', `bosun-${version}.tgz`);
      const shown = await helm(['show', 'chart', packaged]);
      expect(shown.stdout).toMatch(new RegExp(`^version: ${version.replace(/\./g, '\\.')}$`, 'm'));
      const out = await helm(['template', 'bosun', packaged]);
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toContain(`image: "ghcr.io/acme/bosun:${version}"`);
      // The test value sets stay out of the package.
      const files = await run('tar', ['-tzf', packaged]);
      expect(files.stdout).not.toMatch(/bosun\/ci\//);
      expect(files.stdout).toMatch(/bosun\/values\.schema\.json/);
    });

    it('npm-pack: the package tarball the release attaches', async () => {
      const dest = join(work, 'npm-temp');
      const r = await runStep(step('npm', 'npm-pack'), projectRoot, { RUNNER_TEMP: dest });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const files = await run('tar', ['-tzf', join(dest, 'dist', `bosun-${version}.tgz`)], { maxBuffer: 16 * 1024 * 1024 });
      expect(files.stdout).toMatch(/^package\/package\.json$/m);
      expect(files.stdout).toMatch(/^package\/bin\/bosun\.mjs$/m);
    }, 360_000); // npm pack builds (tsc) first: minutes on a busy 2-core machine

    it('image: refuses to release from a base image that is not pinned by digest, saying how to pin it', async () => {
      const base = JSON.parse(await readFile(join(checkout, 'scripts/image-base.json'), 'utf8')) as { digest: string };
      const r = await runStep(step('image', 'image'), checkout, { PATH: path() });
      if (base.digest) {
        // Pinned: the script goes on to look for an engine, and this machine has none that answers.
        expect(r.stderr).toMatch(/npm run image: (no container engine found|docker is installed but does not answer|podman is installed but does not answer)/);
      } else {
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/the base image is not pinned .* Run `npm run image -- --pin-base` with Docker or Podman and commit the file/);
      }
    });
  });
});

describe('npm run image', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'bosun-image-script-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** `npm run image` in the checkout with only the given folders (plus node's) on PATH. */
  const image = async (args: string[], pathDirs: string[], env: Record<string, string> = {}): Promise<Ran> => {
    const nodeDir = dirname(process.execPath);
    try {
      const r = await run('npm', ['run', 'image', '--', ...args], { cwd: projectRoot, env: { HOME: work, PATH: [...pathDirs, nodeDir, '/usr/bin', '/bin'].join(':'), ...env }, timeout: 120_000 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  it('says clearly when no container engine is installed', async () => {
    // /usr/bin and /bin hold neither docker nor podman on this machine (docker's CLI is in /usr/local/bin).
    const r = await image([], []);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^npm run image: no container engine found: docker or podman is not on PATH\. Install Docker \(with buildx\) or Podman/m);
  });

  it('says clearly when Docker is installed but its daemon does not answer', async () => {
    const bin = join(work, 'silent-docker');
    await mkdir(bin);
    await writeFile(join(bin, 'docker'), '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n');
    await chmod(join(bin, 'docker'), 0o755);
    const r = await image([], [bin]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/docker is installed but does not answer \(`docker info`: Cannot connect to the Docker daemon.*\)\. Start its daemon, or install Podman/);
  });

  it('builds with the engine it finds: linux/amd64, the base image as pinned, SOURCE_DATE_EPOCH from the commit', async () => {
    // A stand-in engine that answers `info` and records what it was asked to do.
    const bin = join(work, 'recording-podman');
    const log = join(work, 'podman.log');
    await mkdir(bin);
    await writeFile(join(bin, 'podman'), `#!/bin/sh\n[ "$1" = info ] && exit 0\nprintf '%s\\n' "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" "$@" >> ${log}\n`);
    await chmod(join(bin, 'podman'), 0o755);
    const r = await image(['--tag', 'registry.example.org/bosun:test'], [bin]);
    expect(r.code, r.stderr).toBe(0);
    const args = (await readFile(log, 'utf8')).trim().split('\n');
    const epoch = (await run('git', ['log', '-1', '--format=%ct'], { cwd: projectRoot })).stdout.trim();
    const base = JSON.parse(readFileSync(join(projectRoot, 'scripts/image-base.json'), 'utf8')) as { image: string; digest: string };
    expect(args[0]).toBe(`SOURCE_DATE_EPOCH=${epoch}`);
    expect(args.slice(1, 4)).toEqual(['build', '--platform', 'linux/amd64']);
    expect(args).toContain(`NODE_IMAGE=${base.digest ? `${base.image}@${base.digest}` : base.image}`);
    expect(args).toContain(`SOURCE_DATE_EPOCH=${epoch}`);
    expect(args).toEqual(expect.arrayContaining(['--source-date-epoch', epoch, '--rewrite-timestamp', '--tag', 'registry.example.org/bosun:test']));
    expect(args.at(-1)).toBe('.');
    if (!base.digest) expect(r.stderr).toMatch(/warning: the base image .* is not pinned by digest; run `npm run image -- --pin-base`/);
  });

  it('pushes with Docker through buildx with timestamps rewritten, an SBOM and max-mode provenance', () => {
    const commands = buildCommands({
      engine: 'docker', tag: 'ghcr.io/acme/bosun:1.2.3', push: true, epoch: 1700000000, revision: 'abc', version: '1.2.3',
      base: { image: 'docker.io/library/node:20-bookworm-slim', digest: `sha256:${'a'.repeat(64)}`, ref: `docker.io/library/node:20-bookworm-slim@sha256:${'a'.repeat(64)}` },
    });
    expect(commands).toHaveLength(1);
    const [cmd, args] = commands[0]!;
    expect(cmd).toBe('docker');
    expect(args.slice(0, 4)).toEqual(['buildx', 'build', '--platform', 'linux/amd64']);
    expect(args).toEqual(expect.arrayContaining([
      `NODE_IMAGE=docker.io/library/node:20-bookworm-slim@sha256:${'a'.repeat(64)}`, 'SOURCE_DATE_EPOCH=1700000000',
      'type=image,name=ghcr.io/acme/bosun:1.2.3,push=true,rewrite-timestamp=true', '--provenance=mode=max', '--sbom=true',
      'org.opencontainers.image.created=2023-11-14T22:13:20.000Z',
    ]));
  });

  it('prefers the engine it is told to use, and names it when it is missing', () => {
    const probe = (name: string) => ({ installed: name === 'docker', answers: name === 'docker' });
    expect(findEngine(undefined, probe)).toBe('docker');
    expect((findEngine('podman', probe) as Error).message).toMatch(/no container engine found: podman is not on PATH/);
  });
});
