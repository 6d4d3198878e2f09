import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';

export interface ExtractLimits {
  /** All files together, inflated. */
  totalBytes: number;
  /** One file (helm's loader refuses files over 5 MiB too). */
  fileBytes: number;
  files: number;
}

export const defaultExtractLimits: ExtractLimits = { totalBytes: 64 * 1024 * 1024, fileBytes: 5 * 1024 * 1024, files: 10_000 };

export class ArchiveError extends Error {}

export interface ExtractedChart {
  /** The archive's top-level folder (the chart's name). */
  top: string;
  files: number;
  bytes: number;
}

/**
 * Unpacks a chart archive (`.tgz`, what `helm package` writes) into `dest`, without its top-level folder.
 * Everything that could write outside `dest` or surprise a reader is refused: absolute names, `..`
 * segments, links of any kind, devices, more than one top-level folder, and archives past the limits
 * (inflating stops at the total cap). Files are written world-readable (the render sandbox may read them
 * as another user) and nothing is executable.
 */
export async function extractChartArchive(gz: Buffer, dest: string, limits: ExtractLimits = defaultExtractLimits): Promise<ExtractedChart> {
  let tar: Buffer;
  try {
    // Headers and padding add to the files: leave room for them in the inflate cap.
    tar = gunzipSync(gz, { maxOutputLength: limits.totalBytes + limits.files * 1024 + 1024 * 1024 });
  } catch (e) {
    const message = (e as Error).message;
    throw new ArchiveError(/maxOutputLength|Cannot create a Buffer/i.test(message) ? `the chart archive inflates beyond ${limits.totalBytes / (1024 * 1024)} MiB` : 'the chart archive is not gzip data');
  }
  let offset = 0;
  let longName: string | undefined;
  let top: string | undefined;
  let files = 0;
  let bytes = 0;
  const written = new Set<string>();
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0 || offset + 512 + size > tar.length) throw new ArchiveError('the chart archive is not a valid tar file');
    const type = String.fromCharCode(header[156]);
    const data = tar.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const prefix = field(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100));
    longName = undefined;
    const rel = safeName(name);
    if (type === '5') continue; // folders are created for the files in them
    if (type !== '0' && type !== '\0' && type !== '7') {
      throw new ArchiveError(`the chart archive holds "${name}", which is ${type === '2' ? 'a symlink' : type === '1' ? 'a hard link' : 'not a regular file'}; charts from a repository must hold files only`);
    }
    const [first, ...rest] = rel.split('/');
    if (rest.length === 0) throw new ArchiveError(`the chart archive holds "${name}" outside a chart folder`);
    if (top === undefined) top = first;
    else if (first !== top) throw new ArchiveError(`the chart archive holds more than one top-level folder ("${top}", "${first}")`);
    files++;
    bytes += size;
    if (files > limits.files) throw new ArchiveError(`the chart archive holds more than ${limits.files} files`);
    if (size > limits.fileBytes) throw new ArchiveError(`"${name}" in the chart archive is larger than ${limits.fileBytes / (1024 * 1024)} MiB`);
    if (bytes > limits.totalBytes) throw new ArchiveError(`the chart archive inflates beyond ${limits.totalBytes / (1024 * 1024)} MiB`);
    const inside = rest.join('/');
    if (written.has(inside)) throw new ArchiveError(`the chart archive holds "${name}" twice`);
    written.add(inside);
    const target = join(dest, ...inside.split('/'));
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, data, { mode: 0o644 });
  }
  if (top === undefined) throw new ArchiveError('the chart archive is empty');
  return { top, files, bytes };
}

/** A relative POSIX name with no `..`, `.` or empty segments; refuses anything else. */
function safeName(name: string): string {
  if (name.includes('\\') || name.includes('\0')) throw new ArchiveError(`the chart archive holds "${name}", a name with a backslash or NUL`);
  if (name.startsWith('/')) throw new ArchiveError(`the chart archive holds "${name}", an absolute path`);
  const normal = posix.normalize(name).replace(/\/+$/, '').replace(/^\.\//, '');
  if (normal === '..' || normal.startsWith('../') || normal.split('/').includes('..')) throw new ArchiveError(`the chart archive holds "${name}", which leaves the chart folder`);
  if (normal === '' || normal === '.') throw new ArchiveError(`the chart archive holds an entry without a name`);
  return normal;
}

function field(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}
