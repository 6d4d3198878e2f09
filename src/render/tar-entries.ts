import { gunzipSync } from 'node:zlib';

/** Packed charts are small; anything that inflates beyond this is not read (helm's own limits apply to it). */
const maxInflatedBytes = 64 * 1024 * 1024;

export interface TarEntry {
  name: string;
  data: Buffer;
}

/**
 * The regular files of a gzipped tar (a packaged Helm chart), or undefined when it is not one or inflates
 * too far. Reads ustar names with prefixes, GNU long names and pax `path` records — what `helm package`
 * and common tar tools write.
 */
export function gzippedTarEntries(gz: Buffer): TarEntry[] | undefined {
  let buf: Buffer;
  try {
    buf = gunzipSync(gz, { maxOutputLength: maxInflatedBytes });
  } catch {
    return undefined;
  }
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= buf.length) {
    const header = buf.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const size = Number.parseInt(text(header, 124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) return undefined;
    const type = String.fromCharCode(header[156]);
    const data = buf.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1] ?? longName;
      continue;
    }
    if (type === 'g') continue;
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') entries.push({ name, data });
  }
  return entries;
}

function text(buf: Buffer, start: number, length: number): string {
  const slice = buf.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? slice.length : end).toString('utf8');
}
