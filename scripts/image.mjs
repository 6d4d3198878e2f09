#!/usr/bin/env node
// `npm run image`: builds bosun's container image from the Dockerfile with Docker (buildx) or Podman,
// reproducibly: the base image pinned by digest (scripts/image-base.json), every file time and the image's
// creation time clamped to the commit's time (SOURCE_DATE_EPOCH), npm packages from package-lock.json.
// linux/amd64 only: kubectl and helm come as static amd64 binaries (see the Dockerfile).
//
// Plain Node (no dependencies, no TypeScript) so it runs from a bare checkout and in the release workflow.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const baseFile = join(root, 'scripts', 'image-base.json');
export const platform = 'linux/amd64';

export const help = `Usage: npm run image -- [options]

Builds bosun's image (${platform}) from the Dockerfile with Docker (buildx) or Podman.

Options:
  --tag REF      image reference (default: bosun:<package version>)
  --push         push it (with Docker: with SBOM and max-mode provenance attestations)
  --release      refuse to build from an unpinned base image (the release workflow uses it)
  --pin-base     resolve the base image's current digest, write it to scripts/image-base.json, and stop
  --print        print the build command instead of running it
  --engine NAME  docker or podman (default: BOSUN_CONTAINER_ENGINE, else the first of them that answers)

Reproducible: the base image by digest (scripts/image-base.json), file and image times clamped to the
commit's time (SOURCE_DATE_EPOCH, default: git log -1 --format=%ct), npm packages from package-lock.json.
Debian's packages (git, tini, bubblewrap, ca-certificates) are installed from the archive at build time.
Multi-arch: ${platform} only; on arm64 hosts the image runs under emulation.`;

export class ImageError extends Error {}

export function parseArgs(argv) {
  const opts = { push: false, release: false, pinBase: false, print: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new ImageError(`npm run image: ${arg} needs a value (see npm run image -- --help)`);
      return v;
    };
    if (arg === '--tag') opts.tag = value();
    else if (arg === '--engine') opts.engine = value();
    else if (arg === '--push') opts.push = true;
    else if (arg === '--release') opts.release = true;
    else if (arg === '--pin-base') opts.pinBase = true;
    else if (arg === '--print') opts.print = true;
    else if (arg === '--help' || arg === '-h') opts.help = true;
    else throw new ImageError(`npm run image: unknown option ${arg} (see npm run image -- --help)`);
  }
  if (opts.engine && !['docker', 'podman'].includes(opts.engine)) throw new ImageError(`npm run image: --engine must be docker or podman, not ${opts.engine}`);
  return opts;
}

export function readBase(file = baseFile) {
  const base = JSON.parse(readFileSync(file, 'utf8'));
  return { image: base.image, digest: base.digest || undefined, ref: base.digest ? `${base.image}@${base.digest}` : base.image };
}

/**
 * Which engine to use: `wanted` (a flag or BOSUN_CONTAINER_ENGINE), else docker, else podman — the first
 * whose `info` answers. `probe(name)` runs `<name> info` and says whether it is installed and answers.
 */
export function findEngine(wanted, probe) {
  const candidates = wanted ? [wanted] : ['docker', 'podman'];
  const silent = [];
  for (const name of candidates) {
    const r = probe(name);
    if (r.installed && r.answers) return name;
    if (r.installed) silent.push(`${name} is installed but does not answer (\`${name} info\`: ${r.error || 'failed'})`);
  }
  const missing = candidates.filter((name) => !silent.some((s) => s.startsWith(`${name} `)));
  const why = silent.length > 0
    ? `${silent.join('; ')}. Start its daemon${missing.length > 0 ? `, or install ${missing.map((m) => (m === 'docker' ? 'Docker' : 'Podman')).join(' or ')}` : ''}`
    : `no container engine found: ${candidates.join(' or ')} is not on PATH. Install Docker (with buildx) or Podman, or set BOSUN_CONTAINER_ENGINE`;
  return new ImageError(`npm run image: ${why}. Without an engine the image's steps are still checked by test/deploy/image-layout.test.ts, which replays the Dockerfile.`);
}

function probeEngine(name) {
  const r = spawnSync(name, ['info'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error && r.error.code === 'ENOENT') return { installed: false, answers: false };
  const error = `${r.stderr || ''}${r.stdout || ''}`.split('\n').map((l) => l.trim()).filter((l) => /error|cannot|refused|denied/i.test(l)).slice(0, 1).join('') || (r.error ? String(r.error.message) : '');
  return { installed: true, answers: r.status === 0, error };
}

/** The commands that build (and push) the image; pure, so tests can check them without an engine. */
export function buildCommands({ engine, tag, push, base, epoch, revision, version, source }) {
  const labels = [
    `org.opencontainers.image.version=${version}`,
    `org.opencontainers.image.revision=${revision}`,
    `org.opencontainers.image.created=${new Date(epoch * 1000).toISOString()}`,
    `org.opencontainers.image.base.name=${base.ref}`,
    ...(source ? [`org.opencontainers.image.source=${source}`] : []),
  ].flatMap((l) => ['--label', l]);
  const args = ['--platform', platform, '--build-arg', `NODE_IMAGE=${base.ref}`, '--build-arg', `SOURCE_DATE_EPOCH=${epoch}`, ...labels, '--tag', tag];
  if (engine === 'docker') {
    // rewrite-timestamp: BuildKit clamps every file's time in the layers to SOURCE_DATE_EPOCH.
    const output = push
      ? ['--output', `type=image,name=${tag},push=true,rewrite-timestamp=true`, '--provenance=mode=max', '--sbom=true']
      : ['--output', 'type=docker,rewrite-timestamp=true'];
    return [['docker', ['buildx', 'build', ...args, ...output, '.']]];
  }
  const build = ['podman', ['build', ...args, '--source-date-epoch', String(epoch), '--rewrite-timestamp', '.']];
  return push ? [build, ['podman', ['push', tag]]] : [build];
}

function git(args) {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
}

function pinBase(engine) {
  const base = readBase();
  const pulled = spawnSync(engine, ['pull', '--platform', platform, base.image], { stdio: 'inherit' });
  if (pulled.status !== 0) throw new ImageError(`npm run image: ${engine} pull ${base.image} failed`);
  const format = engine === 'docker' ? '{{index .RepoDigests 0}}' : '{{.Digest}}';
  const out = execFileSync(engine, ['image', 'inspect', '--format', format, base.image], { encoding: 'utf8' }).trim();
  const digest = /sha256:[0-9a-f]{64}/.exec(out)?.[0];
  if (!digest) throw new ImageError(`npm run image: could not read the digest of ${base.image} (${engine} said "${out}")`);
  const file = JSON.parse(readFileSync(baseFile, 'utf8'));
  writeFileSync(baseFile, `${JSON.stringify({ ...file, digest }, null, 2)}\n`);
  process.stderr.write(`pinned ${base.image} to ${digest} in scripts/image-base.json: commit it\n`);
}

export function main(argv, env = process.env) {
  const opts = parseArgs(argv);
  if (opts.help) {
    process.stdout.write(`${help}\n`);
    return 0;
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const base = readBase();
  if (opts.release && !base.digest) {
    throw new ImageError('npm run image: the base image is not pinned (scripts/image-base.json has no digest), so this build could not be repeated. Run `npm run image -- --pin-base` with Docker or Podman and commit the file.');
  }
  const epoch = Number(env.SOURCE_DATE_EPOCH || git(['log', '-1', '--format=%ct']));
  const spec = {
    tag: opts.tag ?? `bosun:${pkg.version}`,
    push: opts.push,
    base,
    epoch,
    revision: git(['rev-parse', 'HEAD']),
    version: pkg.version,
    source: env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}` : undefined,
  };
  if (opts.print) {
    for (const [cmd, args] of buildCommands({ ...spec, engine: opts.engine ?? env.BOSUN_CONTAINER_ENGINE ?? 'docker' })) process.stdout.write(`${[cmd, ...args].join(' ')}\n`);
    return 0;
  }
  const engine = findEngine(opts.engine ?? env.BOSUN_CONTAINER_ENGINE, probeEngine);
  if (engine instanceof ImageError) throw engine;
  if (opts.pinBase) {
    pinBase(engine);
    return 0;
  }
  if (!base.digest) process.stderr.write(`warning: the base image ${base.image} is not pinned by digest; run \`npm run image -- --pin-base\` and commit scripts/image-base.json for a build that can be repeated\n`);
  for (const [cmd, args] of buildCommands({ ...spec, engine })) {
    process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...env, SOURCE_DATE_EPOCH: String(epoch) } });
    if (r.status !== 0) throw new ImageError(`npm run image: ${cmd} ${args[0]} failed (exit ${r.status ?? r.signal})`);
  }
  process.stderr.write(`built ${spec.tag} (${platform}, SOURCE_DATE_EPOCH=${epoch}, base ${base.ref})\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof ImageError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exitCode = err instanceof ImageError ? 2 : 1;
  }
}
